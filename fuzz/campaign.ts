// A fuzz campaign: the model-based checker in batches, each batch followed by one history of the
// every-step checker, until the time or the run budget is spent or a violation is found. Seeds derive
// from (seed, shard, batch), so a CI matrix can split one campaign with --shard i/n and every shard
// explores different ground, reproducibly.

import fc from 'fast-check';
import { ranCommandsToData } from '../model/commands/codec.js';
import type { FaultSet } from '../model/commands/index.js';
import type { CrashPointCoverage } from '../model/coverage.js';
import { checkEveryStep, EveryStepViolation } from '../model/every-step.js';
import { modelProperty } from '../model/property.js';
import type { SystemCounters } from '../model/system.js';
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
  readonly counterexample: Counterexample | undefined;
}

/** Model-based runs per batch: small enough for a lively progress line, large enough to amortise. */
const BATCH_RUNS = 100;

/** A seed for batch `batch` of shard `shard` (a 32-bit mix; any change makes a different stream). */
export function batchSeed(seed: number, shard: number, batch: number): number {
  let h = (seed ^ Math.imul(shard + 1, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) & 0x7fffffff;
}

/** Run a campaign. */
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
  const counters: SystemCounters & { runs: number; commands: number } = {
    crashImages: 0,
    recoveries: 0,
    runs: 0,
    commands: 0,
    coverage: {},
  };
  const system = systemOf(settings.bug);
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
  const found = (by: 'model-based' | 'every-step', seed: number, path?: string) => ({
    by,
    seed,
    ...(path === undefined ? {} : { path }),
    runs: counters.runs,
    elapsedMs: Math.round(performance.now() - started),
  });
  for (let batch = 0; counterexample === undefined; batch++) {
    const p = progress();
    if (
      (limitRuns !== undefined && p.runs >= limitRuns) ||
      (settings.timeMs !== undefined && p.elapsedMs >= settings.timeMs)
    )
      break;
    const seed = batchSeed(settings.seed, shard.index, batch);
    const numRuns = limitRuns === undefined ? BATCH_RUNS : Math.min(BATCH_RUNS, limitRuns - p.runs);
    const property = modelProperty({
      faults: settings.faults,
      system,
      counters,
      maxCommands: settings.maxCommands ?? 20,
      ...(settings.bug?.sync === undefined ? {} : { sync: settings.bug.sync }),
      ...(settings.bug?.recovery === undefined ? {} : { recovery: settings.bug.recovery }),
    });
    const details = fc.check(property, { seed, numRuns });
    if (details.failed && details.counterexample !== null) {
      const [options, commands] = details.counterexample;
      counterexample = {
        format: COUNTEREXAMPLE_FORMAT,
        bug: settings.bug?.name ?? null,
        options,
        commands: ranCommandsToData(commands),
        violation:
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance),
        found: found('model-based', seed, details.counterexamplePath ?? undefined),
      };
      break;
    }
    if (settings.faults.crash !== 'none') {
      try {
        checkEveryStep(
          {
            histories: 1,
            seed,
            crash: settings.faults.crash,
            system,
            ...(settings.bug?.sync ? { sync: settings.bug.sync } : {}),
          },
          counters,
        );
      } catch (e) {
        if (!(e instanceof EveryStepViolation)) throw e;
        counterexample = {
          format: COUNTEREXAMPLE_FORMAT,
          bug: settings.bug?.name ?? null,
          options: e.options,
          commands: e.commands,
          violation: e.message,
          found: found('every-step', seed),
        };
      }
    }
    settings.onProgress?.(progress());
  }
  if (counterexample !== undefined) counterexample = minimize(counterexample);
  const p = progress();
  return {
    ...p,
    seed: settings.seed,
    shard,
    bug: settings.bug?.name ?? null,
    imagesPerSecond: p.elapsedMs > 0 ? Math.round((p.crashImages * 1000) / p.elapsedMs) : 0,
    coverage: counters.coverage ?? {},
    counterexample,
  };
}
