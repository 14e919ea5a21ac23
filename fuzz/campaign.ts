// A fuzz campaign: the model-based checker in batches, each batch followed by one history of the
// every-step checker, until the time or the run budget is spent or a violation is found. Seeds derive
// from (seed, shard, batch), so a CI matrix can split one campaign with --shard i/n and every shard
// explores different ground, reproducibly.

import fc from 'fast-check';
import type { FaultSet } from '../model/commands/index.js';
import { IMBALANCE_RATIO, imbalancedSteps, type CrashPointCoverage } from '../model/coverage.js';
import { SHAPE_EVENTS, type ShapeCoverage } from '../model/shapes.js';
import { checkEveryStep, EveryStepViolation } from '../model/every-step.js';
import { modelProperty } from '../model/property.js';
import type { Shell, SystemCounters } from '../model/system.js';
import { errorMessage } from '../src/engine/errors.js';
import { COUNTEREXAMPLE_FORMAT, type Counterexample } from './counterexample.js';
import { minimize } from './minimize.js';
import { systemOf, type BugVariant } from './zoo/index.js';

/** What to run. */
export interface CampaignSettings {
  readonly seed: number;
  /** Stop after this long (ms)… */
  readonly timeMs?: number;
  /** …or after this many model-based runs (whichever comes first; one of the two is required). */
  readonly runs?: number;
  readonly faults: FaultSet;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly bug?: BugVariant;
  readonly maxCommands?: number;
  /** Called after every batch. */
  readonly onProgress?: (progress: CampaignProgress) => void;
}

/** Where a campaign stands. */
export interface CampaignProgress {
  readonly runs: number;
  readonly commands: number;
  readonly crashImages: number;
  readonly recoveries: number;
  readonly elapsedMs: number;
  readonly limitMs: number | undefined;
  readonly limitRuns: number | undefined;
}

/** What a campaign found. */
export interface CampaignReport extends CampaignProgress {
  readonly seed: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly bug: string | null;
  readonly imagesPerSecond: number;
  readonly coverage: CrashPointCoverage;
  /** Steps hit far less often than the rest (model/coverage.ts): each one a gap to close. */
  readonly imbalanced: readonly string[];
  /** How often each B+ tree rebalancing case ran (model/shapes.ts). */
  readonly shapes: ShapeCoverage;
  /** Rebalancing cases that never ran. */
  readonly shapesMissed: readonly string[];
  readonly counterexample: Counterexample | undefined;
}

/** Model-based runs per batch: small enough for a lively progress line, large enough to amortise. */
const BATCH_RUNS = 60;
/** Every LONG_EVERY-th batch runs fewer, longer histories: deep trees, long logs, faults after faults. */
const LONG_EVERY = 5;
/** A long batch: this many runs of up to LONG_COMMANDS commands. */
const LONG_RUNS = 4;
const LONG_COMMANDS = 200;

/** A seed for batch `batch` of shard `shard` (a 32-bit mix; any change makes a different stream). */
export function batchSeed(seed: number, shard: number, batch: number): number {
  let h = (seed ^ Math.imul(shard + 1, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) & 0x7fffffff;
}

type Counters = SystemCounters & { runs: number; commands: number };

/** What one batch works with. */
interface Batch {
  readonly settings: CampaignSettings;
  readonly counters: Counters;
  readonly system: Shell;
  readonly seed: number;
  readonly long: boolean;
  readonly numRuns: number;
  /** How it was found, for the counterexample's record. */
  readonly found: (by: 'model-based' | 'every-step', path?: string) => Counterexample['found'];
}

/** The model-based part of a batch: a counterexample, or undefined. */
function modelBased(b: Batch): Counterexample | undefined {
  const { settings } = b;
  const property = modelProperty({
    faults: settings.faults,
    system: b.system,
    counters: b.counters,
    maxCommands: b.long ? LONG_COMMANDS : (settings.maxCommands ?? 20),
    ...(b.long ? { minCommands: LONG_COMMANDS / 2 } : {}),
    ...(settings.bug?.sync === undefined ? {} : { sync: settings.bug.sync }),
    ...(settings.bug?.recovery === undefined ? {} : { recovery: settings.bug.recovery }),
  });
  const details = fc.check(property, { seed: b.seed, numRuns: b.numRuns });
  if (!details.failed || details.counterexample === null) return undefined;
  const [options, commands] = details.counterexample;
  return {
    format: COUNTEREXAMPLE_FORMAT,
    bug: settings.bug?.name ?? null,
    options,
    commands,
    violation: errorMessage(details.errorInstance),
    found: b.found('model-based', details.counterexamplePath ?? undefined),
  };
}

/** The every-step part of a batch: one history, crashed at every step; a counterexample, or undefined. */
function everyStep(b: Batch): Counterexample | undefined {
  const { settings } = b;
  if (settings.faults.crash === 'none') return undefined;
  try {
    checkEveryStep(
      {
        histories: 1,
        seed: b.seed,
        crash: settings.faults.crash,
        system: b.system,
        ...(settings.bug?.sync ? { sync: settings.bug.sync } : {}),
      },
      b.counters,
    );
    return undefined;
  } catch (e) {
    if (!(e instanceof EveryStepViolation)) throw e;
    return {
      format: COUNTEREXAMPLE_FORMAT,
      bug: settings.bug?.name ?? null,
      options: e.options,
      commands: e.commands,
      violation: e.message,
      found: b.found('every-step'),
    };
  }
}

/** The report, once the campaign stopped. */
function report(
  settings: CampaignSettings,
  p: CampaignProgress,
  counters: Counters,
  counterexample: Counterexample | undefined,
): CampaignReport {
  const shapes = counters.shapes ?? {};
  return {
    ...p,
    seed: settings.seed,
    shard: settings.shard ?? { index: 0, count: 1 },
    bug: settings.bug?.name ?? null,
    imagesPerSecond: p.elapsedMs > 0 ? Math.round((p.crashImages * 1000) / p.elapsedMs) : 0,
    coverage: counters.coverage ?? {},
    imbalanced: imbalancedSteps(counters.coverage ?? {}),
    shapes,
    shapesMissed: SHAPE_EVENTS.filter((e) => (shapes[e] ?? 0) === 0),
    counterexample,
  };
}

/**
 * Run a campaign. A counterexample is confirmed to replay, minimized, and confirmed again before it is
 * returned (fuzz/minimize.ts): every counterexample a campaign saves replays to its violation.
 */
export function runCampaign(settings: CampaignSettings): CampaignReport {
  // Capturing stacks was half a campaign's time: every simulated crash (SimCrash) and every refused
  // recovery (KvError) builds an Error. A campaign reports messages, seeds and counterexamples, never
  // stacks (`kvlab replay` reruns a finding with them), so it turns them off while it runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return runBatches(settings);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function runBatches(settings: CampaignSettings): CampaignReport {
  if (settings.timeMs === undefined && settings.runs === undefined)
    throw new Error('a campaign needs --time or --runs');
  const shard = settings.shard ?? { index: 0, count: 1 };
  const started = performance.now();
  const counters: Counters = {
    ...{ crashImages: 0, recoveries: 0, runs: 0, commands: 0 },
    ...{ coverage: {}, shapes: {} },
  };
  const limitRuns =
    settings.runs === undefined ? undefined : Math.ceil(settings.runs / shard.count);
  const progress = (): CampaignProgress => ({
    runs: counters.runs,
    commands: counters.commands,
    crashImages: counters.crashImages,
    recoveries: counters.recoveries,
    elapsedMs: performance.now() - started,
    limitMs: settings.timeMs,
    limitRuns,
  });
  let counterexample: Counterexample | undefined;
  for (let batch = 0; counterexample === undefined; batch++) {
    const p = progress();
    const left = limitRuns === undefined ? Number.POSITIVE_INFINITY : limitRuns - p.runs;
    if (left <= 0 || (settings.timeMs !== undefined && p.elapsedMs >= settings.timeMs)) break;
    const seed = batchSeed(settings.seed, shard.index, batch);
    const long = batch % LONG_EVERY === LONG_EVERY - 1;
    const found = (by: 'model-based' | 'every-step', path?: string) => ({
      ...{ by, seed, runs: counters.runs, elapsedMs: Math.round(performance.now() - started) },
      ...(path === undefined ? {} : { path }),
    });
    const numRuns = Math.min(long ? LONG_RUNS : BATCH_RUNS, left);
    const b: Batch = {
      settings,
      counters,
      system: systemOf(settings.bug),
      seed,
      long,
      numRuns,
      found,
    };
    counterexample = modelBased(b) ?? everyStep(b);
    settings.onProgress?.(progress());
  }
  if (counterexample !== undefined) counterexample = minimize(counterexample);
  return report(settings, progress(), counters, counterexample);
}

/** Lines for `kvlab fuzz`'s summary: steps hit far less than the rest, and the tree shapes reached. */
export function coverageSummary(report: CampaignReport): string[] {
  const shapes = SHAPE_EVENTS.map((e) => `${e} ${report.shapes[e] ?? 0}`).join(', ');
  return [
    report.imbalanced.length === 0
      ? `crash points: balanced (no step below 1/${IMBALANCE_RATIO} of the median)`
      : `crash points hit far less than the rest (below 1/${IMBALANCE_RATIO} of the median): ${report.imbalanced.join('; ')}`,
    `tree shapes: ${shapes}${report.shapesMissed.length === 0 ? '' : `; NEVER REACHED: ${report.shapesMissed.join(', ')}`}`,
  ];
}
