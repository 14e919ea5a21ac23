// The system under test: kvlab's real Store on a simulated disk (SimIo), next to the model, with the
// oracle checked after every recovery. The fast-check commands (model/commands/) and the every-step
// checker (model/every-step.ts) both drive it; each call is one thing a user or a fault can do.

import { treeEntries } from '../src/engine/bptree.js';
import { ENGINE, type Engine } from '../src/engine/engine.js';
import { isKvError } from '../src/engine/errors.js';
import { readLog, WAL_HEADER_BYTES, type WriteOp } from '../src/engine/logging.js';
import { FILES, type Step } from '../src/engine/plan.js';
import type { EngineOptions } from '../src/engine/state.js';
import { openStoreWith, Store, type StoreIo } from '../src/io/store.js';
import { countCrash, stepLabel, type CrashPointCoverage } from './coverage.js';
import { crashImage, describeCrash, type CrashSpec } from './crash.js';
import { damage, EMPTY_DISK, killImage, readFile, type Disk } from './disk.js';
import { KvModel } from './model.js';
import { allowedAfter, violation, type Allowed, type Fault, type Outcome } from './oracle.js';
import { SimIo } from './sim-io.js';

/** A broken guarantee: what was expected, what happened. */
export class Violation extends Error {
  override readonly name = 'Violation';
}

/** An operation the checker can crash or fail in the middle of. */
export type Operation =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'del'; readonly key: string }
  | { readonly kind: 'batch'; readonly ops: readonly WriteOp[] }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'compact' }
  | { readonly kind: 'sync' };

/** A short description of an operation. */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'put':
      return `put ${JSON.stringify(op.key)} ${JSON.stringify(op.value)}`;
    case 'del':
      return `del ${JSON.stringify(op.key)}`;
    case 'batch':
      return `batch [${op.ops.map((o) => (o.op === 'put' ? `put ${JSON.stringify(o.key)} ${JSON.stringify(o.value)}` : `del ${JSON.stringify(o.key)}`)).join(', ')}]`;
    default:
      return op.kind;
  }
}

function writeOps(op: Operation): readonly WriteOp[] | undefined {
  if (op.kind === 'put') return [{ op: 'put', key: op.key, value: op.value }];
  if (op.kind === 'del') return [{ op: 'del', key: op.key }];
  if (op.kind === 'batch') return op.ops;
  return undefined;
}

/** What a crash looked like, for stories. */
export interface CrashEvent {
  readonly spec: CrashSpec;
  /** The disk when the process died, with the steps before the crashing one completed. */
  readonly before: Disk;
  /** The step in flight, if the crash came mid-plan. */
  readonly inFlight: Step | undefined;
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
  crashed?(event: CrashEvent): void;
  recovered?(event: RecoveryEvent): void;
}

/** The settings of one simulated store. */
export interface SystemConfig {
  readonly options: EngineOptions;
  /** The engine (a bug-zoo variant, or kvlab's by default). */
  readonly engine?: Engine;
  /** Wraps the disk's StoreIo: how a bug-zoo variant changes the shell (e.g. retrying a failed fsync). */
  readonly wrapIo?: (io: StoreIo) => StoreIo;
  readonly observer?: SystemObserver;
}

/** Counters a campaign reports. */
export interface SystemCounters {
  crashImages: number;
  recoveries: number;
  /** Which steps of which operations crashes hit, when a campaign wants to know. */
  coverage?: CrashPointCoverage;
}

function wrapped(config: SystemConfig, io: SimIo): StoreIo {
  return config.wrapIo === undefined ? io : config.wrapIo(io);
}

/** The Store on a simulated disk, with its model. */
export class SimSystem {
  readonly engine: Engine;

  private constructor(
    readonly config: SystemConfig,
    readonly counters: SystemCounters,
    readonly model: KvModel,
    private io: SimIo,
    private store: Store,
  ) {
    this.engine = config.engine ?? ENGINE;
  }

  /** A new store on an empty disk. */
  static create(
    config: SystemConfig,
    counters: SystemCounters = { crashImages: 0, recoveries: 0 },
  ): SimSystem {
    const io = new SimIo(EMPTY_DISK);
    return new SimSystem(
      config,
      counters,
      new KvModel(),
      io,
      openStoreWith(wrapped(config, io), config.options, { engine: config.engine ?? ENGINE }),
    );
  }

  /** Open a store on a simulated disk, the way this system's config says. */
  private open(io: SimIo, options: EngineOptions = this.config.options): Store {
    return openStoreWith(wrapped(this.config, io), options, { engine: this.engine });
  }

  /** An independent copy at this very point: same disk, same store state, same model history. */
  fork(): SimSystem {
    const io = new SimIo(this.io.disk);
    return new SimSystem(
      this.config,
      this.counters,
      this.model.clone(),
      io,
      new Store(
        wrapped(this.config, io),
        this.engine,
        this.store.engineState,
        false,
        this.store.recovery,
      ),
    );
  }

  /** The disk as the page cache holds it now. */
  get disk(): Disk {
    return this.io.disk;
  }

  /** The open store (for reads and checks). */
  get current(): Store {
    return this.store;
  }

  /** Run one operation on the store; a write is issued to the model first and acknowledged if it returns. */
  private runOp(op: Operation): void {
    const ops = writeOps(op);
    if (ops !== undefined) {
      const lsn = this.model.issue(ops);
      const got = this.store.batch(ops);
      if (this.io.crashed !== undefined) return; // the process died (in the compaction after it): never returned
      if (got !== lsn)
        throw new Violation(
          `${describeOperation(op)} returned LSN ${got}, the model expected ${lsn}`,
        );
      this.model.ack(lsn, this.config.options.sync === 'always');
      return;
    }
    if (op.kind === 'snapshot') this.store.snapshot();
    else if (op.kind === 'compact') this.store.compact();
    else this.store.sync();
    if (this.io.crashed === undefined) this.model.markDurable();
  }

  /** Do an operation with no fault, then check reads against the model. */
  apply(op: Operation): void {
    this.io.arm(undefined);
    this.runOp(op);
    this.checkReads();
  }

  /** Reads agree with the model and the tree is sound. */
  checkReads(): void {
    const expected = this.model.current();
    const got = this.store.scan();
    const problems = this.store.checkInvariants();
    if (problems.length > 0) throw new Violation(`tree invariant broken: ${problems.join('; ')}`);
    if (got.length !== expected.size || got.some((e) => expected.get(e.key) !== e.value)) {
      throw new Violation(
        `scan shows ${JSON.stringify(got.map((e) => [e.key, e.value]))}, the model holds ${JSON.stringify([...expected])}`,
      );
    }
  }

  /** Close cleanly and reopen: nothing may change. */
  reopen(): void {
    this.store.close();
    this.model.markDurable();
    this.recover(killImage(this.io.disk), { kind: 'clean' });
  }

  /** How many steps `op` runs from here (on a copy: the store and disk are untouched). */
  countSteps(op: Operation): { steps: number; trace: readonly Step[] } {
    const fork = this.fork();
    fork.runOp(op);
    return { steps: fork.io.stepsRun, trace: fork.io.trace };
  }

  /**
   * Crash at step `atStep` of `op` (after it, when it has fewer steps), as `spec` says; then recover, and
   * if `recoveryCrashStep` is given, crash that recovery at that step too and recover again.
   */
  crash(
    op: Operation,
    atStep: number,
    spec: CrashSpec,
    recoveryCrashStep?: number,
  ): { recoveryCrashed: boolean } {
    this.io.arm({ kind: 'crash', atStep });
    try {
      this.runOp(op);
    } catch (e) {
      if (this.io.crashed === undefined) throw e;
    }
    const crash = this.io.crashed;
    const before = crash === undefined ? this.io.disk : crash.diskBefore;
    const image = crashImage(before, crash?.step, spec);
    this.counters.crashImages++;
    if (this.counters.coverage !== undefined)
      countCrash(
        this.counters.coverage,
        op.kind,
        stepLabel(crash?.stepIndex ?? this.io.stepsRun, crash?.step),
      );
    this.config.observer?.crashed?.({
      spec,
      before,
      inFlight: crash?.step,
      stepIndex: crash?.stepIndex,
      image,
    });
    const fault: Fault = { kind: spec.model };
    if (recoveryCrashStep !== undefined) {
      const io = new SimIo(image);
      io.arm({ kind: 'crash', atStep: recoveryCrashStep });
      try {
        this.open(io).close();
      } catch {
        // A crash (wanted), or a refusal the oracle judges below on the second recovery.
      }
      const again =
        io.crashed === undefined
          ? killImage(io.disk)
          : crashImage(io.crashed.diskBefore, io.crashed.step, spec);
      this.counters.crashImages++;
      if (io.crashed !== undefined) {
        if (this.counters.coverage !== undefined)
          countCrash(
            this.counters.coverage,
            'open',
            stepLabel(io.crashed.stepIndex, io.crashed.step),
          );
        this.config.observer?.crashed?.({
          spec,
          before: io.crashed.diskBefore,
          inFlight: io.crashed.step,
          stepIndex: io.crashed.stepIndex,
          image: again,
        });
      }
      this.recover(
        again,
        fault,
        `${describeCrash(spec)}, then a crash at step ${recoveryCrashStep} of recovery`,
      );
      return { recoveryCrashed: io.crashed !== undefined };
    }
    this.recover(image, fault, describeCrash(spec));
    return { recoveryCrashed: false };
  }

  /**
   * Fail step `atStep` of `op` with an I/O error (an append may have written `writtenBytes` first). The
   * store must then be FAILED and refuse writes; then it is closed and reopened.
   */
  ioError(op: Operation, atStep: number, errno: 'EIO' | 'ENOSPC', writtenBytes: number): void {
    this.io.arm({ kind: 'fail', atStep, errno, writtenBytes });
    try {
      this.runOp(op);
    } catch (e) {
      if (!isKvError(e, 'IO'))
        throw new Violation(
          `${describeOperation(op)} failed with ${String(e)}, expected an IO error`,
        );
    }
    if (this.io.failedAt === undefined) {
      this.io.arm(undefined); // the operation had fewer steps: it simply succeeded, and nothing else may fail
      this.checkReads();
      return;
    }
    const phase = this.store.stats().phase;
    if (phase === 'FAILED') {
      try {
        this.store.put('after-failure', 'x');
        throw new Violation('a FAILED store accepted a write');
      } catch (e) {
        if (!isKvError(e, 'FAILED'))
          throw e instanceof Violation
            ? e
            : new Violation(`a write on a FAILED store threw ${String(e)}, not FAILED`);
      }
    }
    this.store.close();
    // What the error cost is judged first (that is the lesson); then that the store stopped, as it must.
    this.recover(
      killImage(this.io.disk),
      { kind: 'io-error' },
      `${errno} at step ${atStep} of ${describeOperation(op)}`,
    );
    if (phase !== 'FAILED')
      throw new Violation(
        `after ${errno} at step ${atStep} of ${describeOperation(op)} the store went on ${phase}, not FAILED`,
      );
  }

  /** What damage at `offsetBytes` of `file` hits, for the oracle: judged on the intact file. */
  private damageFault(file: string, offsetBytes: number, lengthBytes: number): Fault {
    const snapshotLsn = this.store.stats().snapshotLsn;
    const bytes = readFile(this.io.disk, file) ?? new Uint8Array();
    if (file !== FILES.wal || offsetBytes < WAL_HEADER_BYTES)
      return { kind: 'damage', structural: true, lsnBefore: 0, followedBySynced: false };
    const records = readLog(bytes, file).records;
    const before = records.filter((r) => r.offsetBytes + r.lengthBytes <= offsetBytes);
    const lsnBefore = Math.max(
      snapshotLsn,
      before[before.length - 1]?.lsn ?? this.store.stats().walBaseLsn,
    );
    // A record after the damage that was written once the damaged data was synced (spec/guarantees.md).
    const followedBySynced = records.some(
      (r) => r.offsetBytes >= offsetBytes + lengthBytes && r.syncedLsn > lsnBefore,
    );
    return { kind: 'damage', structural: false, lsnBefore, followedBySynced };
  }

  /**
   * Close cleanly, damage a durable file, reopen and judge. When recovery rightly refuses, the damage is
   * undone (as an operator restoring a backup would) and the store reopened, so a run can go on.
   */
  damage(
    file: string,
    offsetPick: number,
    how: { readonly xor: number } | { readonly zeroBytes: number },
  ): void {
    this.store.close();
    this.model.markDurable();
    const clean = killImage(this.io.disk);
    const bytes = readFile(clean, file);
    if (bytes === undefined || bytes.length === 0) {
      this.recover(clean, { kind: 'clean' });
      return;
    }
    const offsetBytes = offsetPick % bytes.length;
    const lengthBytes = 'xor' in how ? 1 : Math.min(how.zeroBytes, bytes.length - offsetBytes);
    const changed =
      'xor' in how
        ? how.xor !== 0
        : bytes.subarray(offsetBytes, offsetBytes + lengthBytes).some((b) => b !== 0);
    if (!changed) {
      this.recover(clean, { kind: 'clean' });
      return;
    }
    const fault = this.damageFault(file, offsetBytes, lengthBytes);
    const refused = this.recover(
      damage(clean, file, offsetBytes, how),
      fault,
      `damage to ${file} at ${offsetBytes}`,
    );
    if (refused) this.recover(clean, { kind: 'clean' });
  }

  /** Recover from `disk`, judge the outcome by the oracle, and adopt it. Returns true when it (rightly) refused. */
  private recover(disk: Disk, fault: Fault, story: string = fault.kind): boolean {
    this.counters.recoveries++;
    const io = new SimIo(disk);
    let outcome: Outcome;
    let store: Store | undefined;
    try {
      store = this.open(io);
      outcome = { state: store.engineState };
    } catch (e) {
      outcome = { error: e };
    }
    const allowed = allowedAfter(this.model, fault, this.config.options);
    const wrong = violation(this.model, allowed, outcome);
    this.config.observer?.recovered?.({
      story,
      fault,
      allowed,
      outcome,
      violation: wrong,
      model: this.model,
    });
    if (wrong !== undefined) throw new Violation(`after ${story}: ${wrong}`);
    let adopted = io;
    if (store === undefined) {
      // Rightly refused (CORRUPTED). Damage is undone by the caller; a crash refused under a mode that
      // may refuse is reopened in point-in-time, as guarantees.md tells the user to do.
      if (fault.kind === 'damage') return true;
      const pointInTime = { ...this.config.options, recovery: 'point-in-time' as const };
      const repairIo = new SimIo(disk);
      let repaired: Store;
      try {
        repaired = this.open(repairIo, pointInTime);
      } catch (e) {
        throw new Violation(
          `after ${story}, the store refused, and does not open in point-in-time either: ${String(e)}`,
        );
      }
      const wrongAgain = violation(this.model, allowedAfter(this.model, fault, pointInTime), {
        state: repaired.engineState,
      });
      if (wrongAgain !== undefined)
        throw new Violation(`after ${story}, reopened in point-in-time: ${wrongAgain}`);
      repaired.close();
      adopted = new SimIo(killImage(repairIo.disk));
      try {
        store = this.open(adopted);
      } catch (e) {
        // The repair must leave files that open in the store's own mode: recovery cut what it dropped.
        throw new Violation(
          `after ${story}, repaired in point-in-time, the store still does not open in ${this.config.options.recovery}: ${String(e)}`,
        );
      }
    }
    this.io = adopted;
    this.store = store;
    const state = store.engineState;
    if (allowed.prefix) this.model.settle(state.lastLsn);
    else this.model.rebase(new Map(treeEntries(state.tree)), state.lastLsn);
    return false;
  }
}
