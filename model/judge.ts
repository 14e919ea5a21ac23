// The checker's judge: after every fault, open a store on what the disk holds (the real openStore over
// the simulated kernel), ask the oracle (model/oracle.ts, spec/guarantees.md as code) whether the
// outcome is allowed, and decide what the run goes on with: the reopen policy (point-in-time after a
// refusal, as guarantees.md tells a user to do). It also judges reads: of a live store against the
// model, and of a FAILED one against the last state whose plan fully succeeded (spec/states.md).

import { treeEntries } from '../src/engine/bptree.js';
import { errorMessage, isKvError } from '../src/engine/errors.js';
import { readLog, WAL_HEADER_BYTES } from '../src/engine/logging.js';
import { FILES, type Step } from '../src/engine/plan.js';
import type { EngineOptions } from '../src/engine/state.js';
import type { Store } from '../src/io/store.js';
import type { CrashSpec } from './crash.js';
import type { Disk } from './disk.js';
import type { SimKernel } from './kernel.js';
import type { KvModel } from './model.js';
import {
  allowedAfter,
  failedReadsViolation,
  violation,
  type Allowed,
  type Fault,
  type Outcome,
} from './oracle.js';

/** A broken guarantee: what was expected, what happened. */
export class Violation extends Error {
  override readonly name = 'Violation';
}

/** What a crash looked like, for stories. */
export interface CrashEvent {
  readonly spec: CrashSpec;
  /** The disk when the process died, with the calls before the crashing one completed. */
  readonly before: Disk;
  /** The step in flight, if the crash came mid-plan. */
  readonly inFlight: Step | undefined;
  /** Its index among the operation's disk-changing calls. */
  readonly stepIndex: number | undefined;
  /** The disk a reboot found. */
  readonly image: Disk;
}

/** What a recovery returned and how the oracle judged it, for stories. */
export interface RecoveryEvent {
  readonly story: string;
  readonly fault: Fault;
  readonly allowed: Allowed;
  readonly outcome: Outcome;
  readonly violation: string | undefined;
  readonly model: KvModel;
}

/** Watches a system: `kvlab replay` tells its story from these events. */
export interface SystemObserver {
  /** A crash happened and a reboot found `event.image`. */
  crashed?(event: CrashEvent): void;
  /** A recovery ran and was judged. */
  recovered?(event: RecoveryEvent): void;
}

/** A store opened on a simulated kernel. */
export interface Opened {
  readonly kernel: SimKernel;
  readonly store: Store;
}

/** What the judge needs from the system it judges. */
export interface JudgeContext {
  readonly model: KvModel;
  readonly options: EngineOptions;
  readonly observer: SystemObserver | undefined;
  /** Open a store on `disk` (a fresh process) with these options. Throws what openStore throws. */
  open(disk: Disk, options: EngineOptions): Opened;
}

/** Reads agree with the model and the tree is sound. */
export function checkReads(store: Store, expected: ReadonlyMap<string, string>): void {
  const problems = store.checkInvariants();
  if (problems.length > 0) throw new Violation(`tree invariant broken: ${problems.join('; ')}`);
  const got = store.scan();
  if (got.length !== expected.size || got.some((e) => expected.get(e.key) !== e.value)) {
    const shown = JSON.stringify(got.map((e) => [e.key, e.value]));
    throw new Violation(`scan shows ${shown}, the model holds ${JSON.stringify([...expected])}`);
  }
}

/** A FAILED store refuses writes with FAILED, and reads the last state whose plan fully succeeded. */
export function checkFailedStore(store: Store, model: KvModel, story: string): void {
  let refusal: unknown;
  try {
    store.put('after-failure', 'x');
  } catch (e) {
    refusal = e;
  }
  if (refusal === undefined) throw new Violation(`after ${story}, a FAILED store accepted a write`);
  if (!isKvError(refusal, 'FAILED'))
    throw new Violation(`after ${story}, a write on a FAILED store threw ${String(refusal)}`);
  const entries = store.scan().map((e): [string, string] => [e.key, e.value]);
  const wrong = failedReadsViolation(model, entries);
  if (wrong !== undefined) throw new Violation(`after ${story}: ${wrong}`);
}

/**
 * What damage to `file` hits, for the oracle, judged by the bytes that actually changed (a zeroed run
 * over bytes that were already zero changes nothing there). Undefined when no byte changed.
 */
export function damageFault(
  file: string,
  intact: Uint8Array,
  damaged: Uint8Array,
  lsns: { readonly snapshotLsn: number; readonly walBaseLsn: number },
): Fault | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < intact.length; i++) {
    if (intact[i] === damaged[i]) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return undefined;
  if (file !== FILES.wal || first < WAL_HEADER_BYTES)
    return { kind: 'damage', structural: true, lsnBefore: 0, followedBySynced: false };
  const records = readLog(intact, file).records;
  const before = records.filter((r) => r.offsetBytes + r.lengthBytes <= first);
  const lsnBefore = Math.max(lsns.snapshotLsn, before.at(-1)?.lsn ?? lsns.walBaseLsn);
  // A record after the damage that was written once the damaged data was synced (spec/guarantees.md).
  const followedBySynced = records.some((r) => r.offsetBytes > last && r.syncedLsn > lsnBefore);
  return { kind: 'damage', structural: false, lsnBefore, followedBySynced };
}

function tryOpen(ctx: JudgeContext, disk: Disk, options: EngineOptions): Opened | unknown {
  try {
    return ctx.open(disk, options);
  } catch (e) {
    return e;
  }
}

function isOpened(x: unknown): x is Opened {
  return typeof x === 'object' && x !== null && 'store' in x && 'kernel' in x;
}

/**
 * The reopen policy after a rightful refusal of a crash image: reopen in point-in-time, as
 * guarantees.md tells the user to; that must be allowed too, and must leave files that open in the
 * store's own mode (recovery cut what it dropped).
 */
function reopenPointInTime(ctx: JudgeContext, disk: Disk, fault: Fault, story: string): Opened {
  const pointInTime: EngineOptions = { ...ctx.options, recovery: 'point-in-time' };
  const repaired = tryOpen(ctx, disk, pointInTime);
  if (!isOpened(repaired))
    throw new Violation(
      `after ${story}, the store refused, and does not open in point-in-time either: ${errorMessage(repaired)}`,
    );
  const allowed = allowedAfter(ctx.model, fault, pointInTime);
  const wrong = violation(ctx.model, allowed, { state: repaired.store.engineState });
  if (wrong !== undefined)
    throw new Violation(`after ${story}, reopened in point-in-time: ${wrong}`);
  repaired.store.close();
  const again = tryOpen(ctx, repaired.kernel.disk, ctx.options);
  if (!isOpened(again))
    throw new Violation(
      `after ${story}, repaired in point-in-time, the store still does not open in ${ctx.options.recovery}: ${errorMessage(again)}`,
    );
  return again;
}

/**
 * Recover from `disk` (a fresh process), judge the outcome by the oracle, and return the store the run
 * goes on with, with the model settled on what recovery chose. Undefined when recovery rightly refused
 * damage: the caller undoes the damage.
 */
export function recoverAndJudge(
  ctx: JudgeContext,
  disk: Disk,
  fault: Fault,
  story: string,
): Opened | undefined {
  const opened = tryOpen(ctx, disk, ctx.options);
  const outcome: Outcome = isOpened(opened)
    ? { state: opened.store.engineState }
    : { error: opened };
  const allowed = allowedAfter(ctx.model, fault, ctx.options);
  const wrong = violation(ctx.model, allowed, outcome);
  ctx.observer?.recovered?.({ story, fault, allowed, outcome, violation: wrong, model: ctx.model });
  if (wrong !== undefined) throw new Violation(`after ${story}: ${wrong}`);
  if (!isOpened(opened) && fault.kind === 'damage') return undefined;
  const adopted = isOpened(opened) ? opened : reopenPointInTime(ctx, disk, fault, story);
  const state = adopted.store.engineState;
  if (allowed.prefix) ctx.model.settle(state.lastLsn);
  else ctx.model.rebase(new Map(treeEntries(state.tree)), state.lastLsn);
  return adopted;
}
