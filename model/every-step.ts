// The every-step checker: for put, del, batch, snapshot, compact and open (recovery itself), on many
// small random histories, crash before and after every step of the operation's plan, under every cut of
// an append in flight (kill) and every fate of every unsynced write (power); recover and judge by the
// oracle; then crash that recovery at each of its steps too, and recover again. Exhaustive where the
// model-based test samples.

import { describeStep, type Step } from '../src/engine/plan.js';
import type { Engine } from '../src/engine/engine.js';
import { resolveOptions } from '../src/engine/options.js';
import { RECOVERY_MODES, type RecoveryMode, type SyncMode } from '../src/engine/state.js';
import { CUTS, FATES, type CrashSpec } from './crash.js';
import { SimSystem, describeOperation, type Operation, type SystemCounters } from './system.js';

/** What the every-step checker covers. */
export interface EveryStepSettings {
  readonly histories: number;
  readonly seed: number;
  readonly crash: 'kill' | 'power' | 'all';
  readonly engine?: Engine;
  /** Crash each recovery again at every one of its steps (the default), or only the first recovery. */
  readonly crashRecovery?: boolean;
  /** Restrict to one sync setting or recovery mode; both vary otherwise. */
  readonly sync?: SyncMode;
  readonly recovery?: RecoveryMode;
}

/** How often a crash hit each step of each operation's plan: crash-point coverage. */
export type CrashPointCoverage = Record<string, Record<string, number>>;

/** What a run of the every-step checker found. */
export interface EveryStepReport {
  readonly histories: number;
  readonly crashImages: number;
  readonly coverage: CrashPointCoverage;
}

/** mulberry32: the checker's own reproducible randomness. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const KEYS = ['a', 'b', 'c', '😀'];
const VALUES = ['', 'x', 'yy'];

function randomOperation(pick: (n: number) => number, kind: Operation['kind']): Operation {
  const key = (): string => KEYS[pick(KEYS.length)] as string;
  const value = (): string => VALUES[pick(VALUES.length)] as string;
  switch (kind) {
    case 'put':
      return { kind, key: key(), value: value() };
    case 'del':
      return { kind, key: key() };
    case 'batch':
      return { kind, ops: [{ op: 'put', key: key(), value: value() }, { op: 'del', key: key() }, { op: 'put', key: key(), value: value() }] };
    default:
      return { kind };
  }
}

/** Every way a crash in flight at `step` can turn out, under the chosen crash models. */
function specsFor(step: Step | undefined, crash: EveryStepSettings['crash'], seed: number): CrashSpec[] {
  const specs: CrashSpec[] = [];
  if (crash !== 'power') {
    const cuts = step?.kind === 'append' ? CUTS : (['none', 'all'] as const);
    for (const cut of step === undefined ? (['none'] as const) : cuts) specs.push({ model: 'kill', cut });
  }
  if (crash !== 'kill') {
    for (const writes of FATES) for (const dirOps of ['keep', 'drop'] as const) specs.push({ model: 'power', writes, dirOps, seed });
    specs.push({ model: 'power', writes: 'mixed', dirOps: 'mixed', seed }, { model: 'power', writes: 'mixed', dirOps: 'mixed', seed: seed + 1 });
  }
  return specs;
}

/** A step without its offsets and sizes: the same step of the same plan gets the same label in every history. */
function stepLabel(step: Step): string {
  return step.kind === 'rename' ? `rename ${step.from} -> ${step.to}` : step.kind === 'fsyncDir' ? 'fsync-dir' : `${step.kind} ${step.file}`;
}

function count(coverage: CrashPointCoverage, operation: string, step: string): void {
  const row = (coverage[operation] ??= {});
  row[step] = (row[step] ?? 0) + 1;
}

/** A random history: a few writes and maintenance operations, sometimes ending in a crash. */
function randomHistory(settings: EveryStepSettings, pick: (n: number) => number, counters: SystemCounters): SimSystem {
  const options = resolveOptions({
    sync: settings.sync ?? (pick(2) === 0 ? 'always' : 'none'),
    recovery: settings.recovery ?? (RECOVERY_MODES[pick(RECOVERY_MODES.length)] as RecoveryMode),
    compactWrites: 3 + pick(4),
    compactWalBytes: 1000,
    treeOrder: 3,
  });
  const system = SimSystem.create({ options, ...(settings.engine === undefined ? {} : { engine: settings.engine }) }, counters);
  const kinds: Operation['kind'][] = ['put', 'put', 'put', 'del', 'batch', 'snapshot', 'compact', 'sync'];
  for (let n = pick(9); n > 0; n--) system.apply(randomOperation(pick, kinds[pick(kinds.length)] as Operation['kind']));
  return system;
}

/** Crash `op` at every step on forks of `system`; returns nothing, throws the first Violation. */
function everyStepOf(system: SimSystem, op: Operation, label: string, settings: EveryStepSettings, coverage: CrashPointCoverage, seed: number): void {
  const { steps, trace } = system.countSteps(op);
  for (let i = 0; i <= steps; i++) {
    const step = trace[i];
    const where = step === undefined ? `${i}: after the last step` : `${i}: ${stepLabel(step)}`;
    for (const spec of specsFor(step, settings.crash, seed + i)) {
      count(coverage, label, where);
      const context = `${describeOperation(op)} crashed at step ${i} (${step === undefined ? 'after the last step' : describeStep(step)})`;
      withContext(context, () => system.fork().crash(op, i, spec));
      if (settings.crashRecovery === false) continue;
      // Then crash the recovery at each of its steps, until one recovery runs to the end.
      for (let j = 0; j < 64; j++) {
        if (!withContext(`${context}, recovery crashed at step ${j}`, () => system.fork().crash(op, i, spec, j)).recoveryCrashed) break;
        count(coverage, 'open', `step ${j}`);
      }
    }
  }
}

function withContext<T>(context: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof Error) e.message = `${context}: ${e.message}`;
    throw e;
  }
}

/** Run the every-step checker. Throws the first Violation, its message saying where. */
export function checkEveryStep(settings: EveryStepSettings, counters: SystemCounters = { crashImages: 0, recoveries: 0 }): EveryStepReport {
  const pick = random(settings.seed);
  const coverage: CrashPointCoverage = {};
  const start = counters.crashImages;
  for (let h = 0; h < settings.histories; h++) {
    const system = randomHistory(settings, pick, counters);
    for (const kind of ['put', 'del', 'batch', 'snapshot', 'compact'] as const) {
      const op = randomOperation(pick, kind);
      withContext(`history ${h} (seed ${settings.seed}, ${system.config.options.sync}/${system.config.options.recovery})`, () =>
        everyStepOf(system, op, kind, settings, coverage, settings.seed + h),
      );
    }
  }
  return { histories: settings.histories, crashImages: counters.crashImages - start, coverage };
}
