// The every-step checker: for put, del, batch, snapshot, compact, sync, close and open (recovery
// itself), on many random histories, crash before and after every disk-changing call of the operation,
// under every cut of a write in flight (kill) and every fate of every unsynced write (power); recover
// and judge by the oracle; then crash that recovery at each of its steps too, and recover again.
// When a history ends inside a sliced compaction, the put that finishes it is crashed at every step too.
// Exhaustive where the model-based test samples. A violation, whether found while the history is built
// or while it is crashed, carries its history as commands, so it replays like any other.

import { resolveOptions } from '../src/engine/options.js';
import type { Step } from '../src/engine/plan.js';
import {
  RECOVERY_MODES,
  type EngineOptions,
  type RecoveryMode,
  type SyncMode,
} from '../src/engine/state.js';
import { at, errorMessage } from '../src/engine/errors.js';
import type { CommandData } from './commands/data.js';
import { runCommand } from './commands/table.js';
import type { CrashPointCoverage } from './coverage.js';
import { CUTS, FATES, type CrashKind, type CrashSpec } from './crash.js';
import { commandOf, describeOperation, OPERATION_KINDS, type Operation } from './operations.js';
import { mulberry32 } from './random.js';
import { RecoveryCache } from './recoveries.js';
import {
  SimSystem,
  Violation,
  type CrashPoint,
  type RecoveryMemo,
  type SystemConfig,
  type SystemCounters,
} from './system.js';
import { EVERY_STEP_KEYS, EVERY_STEP_VALUES } from './values.js';

/** What the every-step checker covers. */
export interface EveryStepSettings {
  readonly histories: number;
  readonly seed: number;
  readonly crash: CrashKind;
  /** The engine and shell to check (kvlab's by default). */
  readonly system?: Omit<SystemConfig, 'options'>;
  /** Crash each recovery again at every one of its steps (the default), or only the first recovery. */
  readonly crashRecovery?: boolean;
  /** Restrict to one sync setting or recovery mode; both vary otherwise. */
  readonly sync?: SyncMode;
  readonly recovery?: RecoveryMode;
}

/** What a run of the every-step checker found. */
export interface EveryStepReport {
  readonly histories: number;
  readonly crashImages: number;
  readonly coverage: CrashPointCoverage;
}

/** A violation found by the every-step checker, with the commands that reproduce it. */
export class EveryStepViolation extends Violation {
  constructor(
    message: string,
    readonly options: EngineOptions,
    readonly commands: readonly CommandData[],
  ) {
    super(message);
  }
}

/** An integer in [0, n) from the stream. */
function random(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

const KEYS = EVERY_STEP_KEYS;
const VALUES = EVERY_STEP_VALUES;

function randomOperation(pick: (n: number) => number, kind: Operation['kind']): Operation {
  const key = (): string => at(KEYS, pick(KEYS.length), 'key');
  const value = (): string => at(VALUES, pick(VALUES.length), 'value');
  switch (kind) {
    case 'put':
      return { kind, key: key(), value: value() };
    case 'del':
      return { kind, key: key() };
    case 'batch':
      return {
        kind,
        ops: Array.from({ length: 2 + pick(6) }, (_, i) =>
          i % 3 === 1 ? { op: 'del', key: key() } : { op: 'put', key: key(), value: value() },
        ),
      };
    default:
      return { kind };
  }
}

/** Every way a crash in flight at `step` can turn out, under the chosen crash kind. */
function specsFor(
  step: Step | undefined,
  crash: EveryStepSettings['crash'],
  seed: number,
): CrashSpec[] {
  const specs: CrashSpec[] = [];
  if (crash !== 'power') {
    const cuts =
      step === undefined
        ? (['none'] as const)
        : step.kind === 'append'
          ? CUTS
          : (['none', 'all'] as const);
    for (const cut of cuts) {
      if (crash !== 'torn' || cut === 'one' || cut === 'half' || cut === 'all-but-one')
        specs.push({ model: 'kill', cut });
    }
  }
  if (crash !== 'kill') {
    const fates = crash === 'torn' ? FATES.filter((f) => f !== 'keep' && f !== 'drop') : FATES;
    for (const writes of fates)
      for (const dirOps of ['keep', 'drop'] as const)
        specs.push({ model: 'power', writes, dirOps, seed });
    specs.push(
      { model: 'power', writes: 'mixed', dirOps: 'mixed', seed },
      { model: 'power', writes: 'mixed', dirOps: 'mixed', seed: seed + 1 },
    );
  }
  return specs;
}

interface History {
  readonly system: SimSystem;
  readonly commands: readonly CommandData[];
}

const HISTORY_KINDS: readonly Operation['kind'][] = [
  'put',
  'put',
  'put',
  'del',
  'del',
  'batch',
  'batch',
  'snapshot',
  'compact',
  'sync',
  'close',
];

/**
 * A random history: writes and maintenance operations. A violation found while it is built is
 * reported like any other, with the commands so far.
 */
function randomHistory(
  settings: EveryStepSettings,
  pick: (n: number) => number,
  counters: SystemCounters,
): History {
  const options = resolveOptions({
    sync: settings.sync ?? (pick(2) === 0 ? 'always' : 'none'),
    recovery: settings.recovery ?? at(RECOVERY_MODES, pick(RECOVERY_MODES.length), 'mode'),
    compactWrites: 2 + pick(4),
    compactWalBytes: 1000,
    // A slice of about one entry: the automatic compaction spans several writes, each crashed at every step.
    compactSliceBytes: 24,
    treeOrder: 3,
  });
  // One cache of recoveries by crash image for the history and all its forks, under its options.
  const recoveries = new RecoveryCache();
  const system = SimSystem.create({ ...settings.system, options, recoveries }, counters);
  const commands: CommandData[] = [];
  // The last operation is a write, so under sync "none" a sync or close crashed next has data to lose.
  for (let n = 1 + pick(12); n > 0; n--) {
    const kind = n === 1 ? 'put' : at(HISTORY_KINDS, pick(HISTORY_KINDS.length), 'kind');
    const op = randomOperation(pick, kind);
    commands.push(commandOf(op));
    try {
      system.apply(op);
    } catch (e) {
      throw new EveryStepViolation(
        `while building the history, ${describeOperation(op)}: ${errorMessage(e)}`,
        options,
        commands,
      );
    }
  }
  return { system, commands };
}

/** The power loss that follows a kill's recovery: whatever recovery did not fsync is lost. */
const POWER_AFTER: CommandData = {
  type: 'crash',
  op: { kind: 'sync' },
  atStep: 0,
  spec: { model: 'power', writes: 'drop', dirOps: 'drop', seed: 0 },
};

/**
 * Judge one way the crash at `point` turns out, on its own copy; after a kill whose recovery ran to
 * its end, a power loss follows (recovery's own fsyncs are checked). A violation comes back replayable.
 */
function attempt(
  history: History,
  crashed: { readonly system: SimSystem; readonly point: CrashPoint },
  op: Operation,
  i: number,
  spec: CrashSpec,
  recoveryStep: number | undefined,
  memo?: RecoveryMemo,
): boolean {
  const crash: CommandData = {
    type: 'crash',
    op,
    atStep: i,
    spec,
    ...(recoveryStep === undefined ? {} : { recoveryCrashStep: recoveryStep }),
  };
  const thenPower = spec.model === 'kill' && recoveryStep === undefined;
  try {
    const copy = crashed.system.copyDead();
    const { recoveryCrashed } = copy.recoverFrom(crashed.point, spec, recoveryStep, memo);
    if (thenPower) runCommand(copy, POWER_AFTER);
    return recoveryCrashed;
  } catch (e) {
    // A Violation, or any error escaping the store: either way a finding, with the commands to replay it.
    const where = `${describeOperation(op)} crashed at step ${i}${recoveryStep === undefined ? '' : `, recovery crashed at step ${recoveryStep}`}`;
    const commands = [...history.commands, crash, ...(thenPower ? [POWER_AFTER] : [])];
    throw new EveryStepViolation(
      `${where}: ${errorMessage(e)}`,
      history.system.config.options,
      commands,
    );
  }
}

/**
 * Every way `op` can be interrupted at the history's end (SimSystem.interruptions); an operation
 * failing with no fault is a finding too.
 */
function interruptionsOf(history: History, op: Operation): ReturnType<SimSystem['interruptions']> {
  try {
    return history.system.interruptions(op);
  } catch (e) {
    const commands = [...history.commands, commandOf(op)];
    const { options } = history.system.config;
    throw new EveryStepViolation(`${describeOperation(op)}: ${errorMessage(e)}`, options, commands);
  }
}

/** Crash `op` at every step of one recorded run, under every spec, then its recovery. */
function everyStepOf(
  history: History,
  op: Operation,
  settings: EveryStepSettings,
  seed: number,
): void {
  history.system.config.recoveries?.clear();
  const { steps, trace, at } = interruptionsOf(history, op);
  for (let i = 0; i <= steps; i++) {
    const crashed = at(i);
    for (const spec of specsFor(trace[i], settings.crash, seed + i)) {
      attempt(history, crashed, op, i, spec, undefined);
      if (settings.crashRecovery === false) continue;
      // Then crash the recovery at each of its steps, until one recovery runs to the end: one recorded
      // recovery stands for them all (SimSystem.recoverFrom), instead of one rerun a step.
      const memo: RecoveryMemo = {};
      for (let j = 0; j < 64; j++) if (!attempt(history, crashed, op, i, spec, j, memo)) break;
    }
  }
}

/** Writes at most that a history is extended by, looking for the one that ends its compaction. */
const FINISHING_WRITES_MAX = 64;

/**
 * When the history ends inside an automatic compaction: the history extended by puts up to the one
 * that writes the compaction's last slice, and that put. Its late steps (the fsyncs and renames after
 * the last slice) are reached only by that one write of a compaction, so random histories crash them
 * far less often than the rest. The puts come from their own stream, so the histories after it are
 * the ones the seed always made.
 */
function finishingWrite(
  history: History,
  seed: number,
): { history: History; op: Operation } | undefined {
  if (history.system.current.engineState.compaction === undefined) return undefined;
  const pick = random(seed ^ 0x5bd1e995);
  let system = history.system.fork();
  const commands = [...history.commands];
  for (let n = 0; n < FINISHING_WRITES_MAX; n++) {
    const op = randomOperation(pick, 'put');
    const next = system.fork();
    try {
      next.apply(op);
    } catch (e) {
      const { options } = history.system.config;
      const message = `while extending the history, ${describeOperation(op)}: ${errorMessage(e)}`;
      throw new EveryStepViolation(message, options, [...commands, commandOf(op)]);
    }
    if (next.current.engineState.compaction === undefined)
      return { history: { system, commands }, op };
    system = next;
    commands.push(commandOf(op));
  }
  return undefined;
}

/** Run the every-step checker. Throws the first EveryStepViolation. */
export function checkEveryStep(
  settings: EveryStepSettings,
  counters: SystemCounters = { crashImages: 0, recoveries: 0 },
): EveryStepReport {
  const pick = random(settings.seed);
  counters.coverage ??= {};
  const start = counters.crashImages;
  for (let h = 0; h < settings.histories; h++) {
    const history = randomHistory(settings, pick, counters);
    for (const kind of OPERATION_KINDS) {
      everyStepOf(history, randomOperation(pick, kind), settings, settings.seed + h);
    }
    const finishing = finishingWrite(history, settings.seed + h);
    if (finishing !== undefined)
      everyStepOf(finishing.history, finishing.op, settings, settings.seed + h);
  }
  return {
    histories: settings.histories,
    crashImages: counters.crashImages - start,
    coverage: counters.coverage,
  };
}
