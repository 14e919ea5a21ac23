// The checker's driver: kvlab's real shell (openStore, FsStoreIo, PlanRunner, the fs adapter,
// Store.close) on a simulated kernel and disk, next to the model. Each method is one thing a user or a
// fault can do: an operation, a crash at a step of it, an I/O error, a short write, damage between
// runs. After every fault the judge (model/judge.ts) recovers and asks the oracle. The fast-check
// property (model/property.ts) and the every-step checker (model/every-step.ts) both drive it.

import { ENGINE, type Engine } from '../src/engine/engine.js';
import { isKvError } from '../src/engine/errors.js';
import type { Step } from '../src/engine/plan.js';
import type { RecoveryReport } from '../src/engine/recovery.js';
import type { EngineOptions, EngineState } from '../src/engine/state.js';
import type { DirLock, FileSystem } from '../src/io/fs.js';
import {
  FsStoreIo,
  openStore,
  Store,
  type StepRunner,
  type StoreIo,
  type StoreMaker,
  type StoreOptions,
} from '../src/io/store.js';
import { countCrash, stepLabel, type CrashPointCoverage } from './coverage.js';
import { crashImage, describeCrash, type CrashSpec } from './crash.js';
import { damage, EMPTY_DISK, readFile, type Disk, type Syscall } from './disk.js';
import {
  checkFailedStore,
  checkReads,
  damageFault,
  recoverAndJudge,
  Violation,
  type JudgeContext,
  type Opened,
  type SystemObserver,
} from './judge.js';
import { realAdapter, SimCrash, SimKernel, STORE_DIR, type Adapter } from './kernel.js';
import { KvModel } from './model.js';
import type { RecoveryCache, RecoveryRun } from './recoveries.js';
import { describeOperation, runMaintenance, writeOps, type Operation } from './operations.js';
import type { Fault } from './oracle.js';
import { damageOffset, type DamageHow, type DamageTarget } from './damage.js';
import { countShapes, type ShapeCoverage } from './shapes.js';

export { Violation, type CrashEvent, type RecoveryEvent } from './judge.js';
export type { Operation } from './operations.js';

/**
 * The shell a simulated store runs: kvlab's by default. Each field is a seam where the bug zoo and the
 * checker's own mutation tests put in a variant: the engine, the fs adapter over the kernel, the plan
 * runner, the StoreIo, the Store class.
 */
export interface Shell {
  /** The engine (a bug-zoo variant, or kvlab's by default). */
  readonly engine?: Engine;
  /** The adapter from syscalls to FileSystem (adaptFs by default). */
  readonly adapter?: Adapter;
  /** The plan runner (PlanRunner by default). */
  readonly runner?: (fs: FileSystem, dir: string) => StepRunner;
  /** Wraps the StoreIo: how a bug-zoo variant changes the shell (e.g. retrying a failed fsync). */
  readonly wrapIo?: (io: StoreIo) => StoreIo;
  /** The Store class (Store by default). */
  readonly store?: StoreMaker;
}

/** The settings of one simulated store. */
export interface SystemConfig extends Shell {
  /** The store's options (resolved). */
  readonly options: EngineOptions;
  /** Who watches crashes and recoveries (`kvlab replay`'s story). */
  readonly observer?: SystemObserver;
  /**
   * Recoveries by crash image, shared by the forks of one history (the every-step checker's): each
   * image is recovered once by the real shell, and every identical image after it adopts what that
   * recovery left. Only crash images use it; a clean reopen always recovers anew.
   */
  readonly recoveries?: RecoveryCache;
}

/** Counters a campaign reports. */
export interface SystemCounters {
  /** Crash images made and judged. */
  crashImages: number;
  /** Recoveries run and judged. */
  recoveries: number;
  /** Which steps of which operations crashes hit, when a campaign wants to know. */
  coverage?: CrashPointCoverage;
  /** Which B+ tree rebalancing cases the writes went through, when a campaign wants to know. */
  shapes?: ShapeCoverage;
}

/**
 * Holds the recovery run of one crash point under one spec while an every-step attempt crashes that
 * recovery at each of its steps (SimSystem.recoverFrom). Filled on first use; only for that point and spec.
 */
export interface RecoveryMemo {
  run?: RecoveryRun;
}

/** Where a process died: immutable data, so one crash can be judged under many specs. */
export interface CrashPoint {
  /** The operation (or "open") that was running. */
  readonly operation: string;
  /** The crash, or undefined when the operation finished first. */
  readonly crash: SimCrash | undefined;
  /** The disk when the process stopped. */
  readonly disk: Disk;
  /** Disk-changing calls made before it stopped. */
  readonly stepsRun: number;
}

function pointOf(kernel: SimKernel): CrashPoint {
  const { crashed: crash, disk, stepsRun } = kernel;
  return { operation: 'open', crash, disk, stepsRun };
}

function storeIo(config: Shell, fs: FileSystem, lock: DirLock): StoreIo {
  const io = new FsStoreIo(fs, STORE_DIR, lock, config.runner?.(fs, STORE_DIR));
  return config.wrapIo === undefined ? io : config.wrapIo(io);
}

/**
 * The options with the kernel's FileSystem, field by field: spreading them cost about a microsecond an
 * open, 5 % of a campaign. Typed in full, so a new option is a compile error here, never dropped.
 */
function withFs(o: EngineOptions, fs: FileSystem): Required<EngineOptions> & StoreOptions {
  return {
    sync: o.sync,
    recovery: o.recovery,
    compactWalBytes: o.compactWalBytes,
    compactWalPercent: o.compactWalPercent,
    compactWrites: o.compactWrites,
    compactSliceBytes: o.compactSliceBytes,
    keyBytesMax: o.keyBytesMax,
    valueBytesMax: o.valueBytesMax,
    batchOpsMax: o.batchOpsMax,
    treeOrder: o.treeOrder,
    fs,
  };
}

/** Open a store in the simulated process `kernel`, through the real openStore. */
export function openOn(config: Shell, kernel: SimKernel, options: EngineOptions): Opened {
  const fs = (config.adapter ?? realAdapter)(kernel);
  const store = openStore(STORE_DIR, withFs(options, fs), {
    engine: config.engine ?? ENGINE,
    io: (f, _dir, lock) => storeIo(config, f, lock),
    ...(config.store === undefined ? {} : { store: config.store }),
  });
  return { kernel, store };
}

/** The Store on a simulated kernel and disk, with its model. */
export class SimSystem {
  /** The engine the store runs (kvlab's, or a variant's). */
  readonly engine: Engine;

  private constructor(
    readonly config: SystemConfig,
    readonly counters: SystemCounters,
    readonly model: KvModel,
    private opened: Opened,
  ) {
    this.engine = config.engine ?? ENGINE;
  }

  /** A new store on an empty disk. */
  static create(
    config: SystemConfig,
    counters: SystemCounters = { crashImages: 0, recoveries: 0 },
  ): SimSystem {
    const opened = openOn(config, new SimKernel(EMPTY_DISK), config.options);
    return new SimSystem(config, counters, new KvModel(), opened);
  }

  /**
   * An independent copy at this very point: a new process (kernel, descriptors, lock, runner, Store)
   * on the same immutable disk, with the same store state and a copy of the model. Forks share nothing
   * mutable but the counters they add to.
   */
  fork(): SimSystem {
    const { engineState, recovery } = this.current;
    const opened = this.adopt(this.disk, engineState, recovery);
    return new SimSystem(this.config, this.counters, this.model.clone(), opened);
  }

  /** A new process on `disk` holding a store with this memory, as a fork or a cached recovery has it. */
  private adopt(disk: Disk, state: EngineState, recovery: RecoveryReport): Opened {
    const kernel = new SimKernel(disk);
    const fs = (this.config.adapter ?? realAdapter)(kernel);
    const io = storeIo(this.config, fs, fs.lockDir(STORE_DIR, 'exclusive'));
    const Maker = this.config.store ?? Store;
    return { kernel, store: new Maker(io, this.engine, state, false, recovery) };
  }

  /**
   * Open a store on a crash image in a new process, through the cache when the history has one: the
   * first time an image comes, the real openStore recovers it; an identical image later adopts the disk
   * and memory that recovery left (the shell and engine are deterministic), or throws what it threw.
   */
  private openImage(image: Disk, options: EngineOptions): Opened {
    const cache = this.config.recoveries;
    if (cache === undefined) return openOn(this.config, new SimKernel(image), options);
    let fresh: Opened | undefined;
    const tag = options === this.config.options ? '' : options.recovery;
    const kept = cache.opens.get(image, tag, () => {
      try {
        fresh = openOn(this.config, new SimKernel(image), options);
        const { engineState: state, recovery } = fresh.store;
        return { disk: fresh.kernel.disk, state, recovery };
      } catch (e) {
        return { error: e };
      }
    });
    if (fresh !== undefined) return fresh;
    if ('error' in kept) throw kept.error;
    return this.adopt(kept.disk, kept.state, kept.recovery);
  }

  private get kernel(): SimKernel {
    return this.opened.kernel;
  }

  /** The disk as the page cache holds it now. */
  get disk(): Disk {
    return this.opened.kernel.disk;
  }

  /** The open store (for reads and checks). */
  get current(): Store {
    return this.opened.store;
  }

  /** Run one operation; a write is issued to the model first and acknowledged if it returns. */
  private runOp(op: Operation): void {
    const ops = writeOps(op);
    if (ops === undefined) {
      runMaintenance(this.current, op);
      if (this.kernel.crashed === undefined) this.model.markDurable();
      return;
    }
    const lsn = this.model.issue(ops);
    const got = this.current.batch(ops);
    if (this.kernel.crashed !== undefined) return; // died in the compaction after it: never returned
    if (got !== lsn)
      throw new Violation(
        `${describeOperation(op)} returned LSN ${got}, the model expected ${lsn}`,
      );
    this.model.ack(lsn, this.config.options.sync === 'always');
  }

  /** After an operation that returned: reads agree with the model, or, after close, a clean reopen. */
  private settleAfter(op: Operation): void {
    if (op.kind === 'close') this.recover(this.disk, { kind: 'clean' }, 'close, then reopen');
    else checkReads(this.current, this.model.current());
  }

  /** Do an operation with no fault, then check reads against the model (a close reopens). */
  apply(op: Operation): void {
    this.kernel.arm(undefined);
    const tree = this.current.engineState.tree;
    this.runOp(op);
    const ops = writeOps(op);
    if (ops !== undefined && this.counters.shapes !== undefined)
      countShapes(this.counters.shapes, tree, ops);
    this.settleAfter(op);
  }

  /** Close cleanly and reopen: nothing may change. */
  reopen(): void {
    this.apply({ kind: 'close' });
  }

  /** How many disk-changing calls `op` makes from here (on a fork: this system is untouched). */
  countSteps(op: Operation): {
    steps: number;
    trace: readonly Step[];
    calls: readonly Syscall[];
  } {
    const fork = this.fork();
    fork.kernel.arm(undefined, true);
    fork.runOp(op);
    const { stepsRun: steps, trace, calls } = fork.kernel;
    return { steps, trace, calls };
  }

  /**
   * Every way `op` can be interrupted from here, from one recorded run on a fork (this system is
   * untouched): for step i, the point where the process dies at it, and a dead system whose model is
   * as that crash leaves it (the write issued, not acknowledged; past the last step, the op done). The
   * same as interrupt(op, i) on a fork of this system for each i: the process cannot tell an armed
   * crash from none until it fires, and dead, it changes nothing.
   */
  interruptions(op: Operation): {
    steps: number;
    trace: readonly Step[];
    at(i: number): { system: SimSystem; point: CrashPoint };
  } {
    const fork = this.fork();
    const issued = this.model.clone();
    const ops = writeOps(op);
    if (ops !== undefined) issued.issue(ops);
    fork.kernel.arm(undefined, true);
    fork.runOp(op);
    const { stepsRun: steps, trace, calls, disksBefore, disk } = fork.kernel;
    const dead = (model: KvModel) => new SimSystem(this.config, this.counters, model, fork.opened);
    const at = (i: number): { system: SimSystem; point: CrashPoint } => {
      const call = calls[i];
      const before = disksBefore[i];
      if (i >= steps || call === undefined || before === undefined) {
        const point = { operation: op.kind, crash: undefined, disk, stepsRun: steps };
        return { system: dead(fork.model), point };
      }
      const crash = new SimCrash(before, call, i);
      const point = { operation: op.kind, crash, disk: before, stepsRun: i };
      return { system: dead(issued), point };
    };
    return { steps, trace, at };
  }

  /** The image a crash (or none: the disk as it is) leaves, counted and told. */
  private imageOf(operation: string, point: CrashPoint, spec: CrashSpec): Disk {
    const c = point.crash;
    const before = c?.diskBefore ?? point.disk;
    const image = crashImage(before, c?.call, spec);
    this.counters.crashImages++;
    if (this.counters.coverage !== undefined)
      countCrash(
        this.counters.coverage,
        operation,
        stepLabel(c?.stepIndex ?? point.stepsRun, c?.step),
      );
    const event = { spec, before, inFlight: c?.step, stepIndex: c?.stepIndex, image };
    this.config.observer?.crashed?.(event);
    return image;
  }

  /** Recovery from `image`, crashed at its step `n` as `spec` says: the image that crash leaves. */
  private crashRecovery(
    image: Disk,
    spec: CrashSpec,
    n: number,
    memo: RecoveryMemo | undefined,
  ): { image: Disk; crashed: boolean } {
    if (memo !== undefined) {
      memo.run ??= this.recordRecovery(image);
      return this.crashRecorded(memo.run, spec, n);
    }
    const kernel = new SimKernel(image);
    kernel.arm({ kind: 'crash', atStep: n });
    try {
      openOn(this.config, kernel, this.config.options).store.close();
    } catch {
      // A crash (wanted), or a refusal the oracle judges below on the second recovery.
    }
    if (kernel.crashed !== undefined)
      return { image: this.imageOf('open', pointOf(kernel), spec), crashed: true };
    this.counters.crashImages++;
    return { image: kernel.disk, crashed: false };
  }

  /** One recovery from `image` (open, then close) run to its end, every disk-changing call recorded. */
  private recordRecovery(image: Disk): RecoveryRun {
    const cache = this.config.recoveries;
    if (cache === undefined) return this.runRecovery(image);
    return cache.runs.get(image, '', () => this.runRecovery(image));
  }

  private runRecovery(image: Disk): RecoveryRun {
    const kernel = new SimKernel(image);
    kernel.arm(undefined, true);
    try {
      openOn(this.config, kernel, this.config.options).store.close();
    } catch {
      // A refusal: the recovery made the calls recorded, and the disk stays as they left it.
    }
    return { calls: kernel.calls, disksBefore: kernel.disksBefore, end: kernel.disk };
  }

  /**
   * crashRecovery from a recorded run: the process crashed at step `n` would have made the same calls
   * before it (it cannot tell an armed trigger from none until it fires), so the crash finds the disk
   * as it was just before call `n`, with that call in flight; past the run's end, the run's last disk.
   */
  private crashRecorded(
    run: RecoveryRun,
    spec: CrashSpec,
    n: number,
  ): { image: Disk; crashed: boolean } {
    const call = run.calls[n];
    const disk = run.disksBefore[n];
    if (call === undefined || disk === undefined) {
      this.counters.crashImages++;
      return { image: run.end, crashed: false };
    }
    const crash = new SimCrash(disk, call, n);
    const point: CrashPoint = { operation: 'open', crash, disk, stepsRun: n };
    return { image: this.imageOf('open', point, spec), crashed: true };
  }

  /**
   * Run `op` until the process dies at its step `atStep` (or to its end, when it has fewer steps).
   * This system is then dead until recoverFrom() runs; the point it returns is immutable data.
   */
  interrupt(op: Operation, atStep: number): CrashPoint {
    this.kernel.arm({ kind: 'crash', atStep });
    try {
      this.runOp(op);
    } catch (e) {
      if (this.kernel.crashed === undefined) throw e;
    }
    return { ...pointOf(this.kernel), operation: op.kind };
  }

  /**
   * After interrupt(): a copy of this dead system with its own model, for judging one more way the
   * same crash turns out (the every-step checker judges every spec of one crash point this way).
   */
  copyDead(): SimSystem {
    return new SimSystem(this.config, this.counters, this.model.clone(), this.opened);
  }

  /**
   * The crash at `point` turns out as `spec` says: recover, and if `recoveryCrashStep` is given, crash
   * that recovery at that step too and recover again. Judged by the oracle. Calls that crash one
   * recovery at each of its steps pass one `memo` for the same `point` and `spec`: the recovery then
   * runs once, recorded, rather than once for every step crashed.
   */
  recoverFrom(
    point: CrashPoint,
    spec: CrashSpec,
    recoveryCrashStep?: number,
    memo?: RecoveryMemo,
  ): { recoveryCrashed: boolean } {
    const image = this.imageOf(point.operation, point, spec);
    const fault: Fault = { kind: spec.model };
    if (recoveryCrashStep === undefined) {
      this.recover(image, fault, describeCrash(spec), true);
      return { recoveryCrashed: false };
    }
    const again = this.crashRecovery(image, spec, recoveryCrashStep, memo);
    const story = `${describeCrash(spec)}, then a crash at step ${recoveryCrashStep} of recovery`;
    this.recover(again.image, fault, story, true);
    return { recoveryCrashed: again.crashed };
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
    return this.recoverFrom(this.interrupt(op, atStep), spec, recoveryCrashStep);
  }

  /**
   * Fail step `atStep` of `op` with an I/O error (a write may have written `writtenBytes` first). The
   * store must then be FAILED, refuse writes and read the last state whose plan fully succeeded; then it
   * is closed and reopened.
   */
  ioError(op: Operation, atStep: number, errno: 'EIO' | 'ENOSPC', writtenBytes: number): void {
    this.kernel.arm({ kind: 'fail', atStep, errno, writtenBytes });
    const what = `${errno} at step ${atStep} of ${describeOperation(op)}`;
    try {
      this.runOp(op);
    } catch (e) {
      if (!isKvError(e, 'IO'))
        throw new Violation(
          `${describeOperation(op)} failed with ${String(e)}, expected an IO error`,
        );
    }
    if (this.kernel.failedAt === undefined) {
      this.kernel.arm(undefined); // fewer steps: it simply succeeded, and nothing else may fail
      this.settleAfter(op);
      return;
    }
    const phase = this.current.stats().phase;
    if (phase === 'FAILED') checkFailedStore(this.current, this.model, what);
    this.current.close();
    // What the error cost is judged first (that is the lesson); then that the store stopped, as it must.
    this.recover(this.disk, { kind: 'io-error' }, what);
    if (phase !== 'FAILED' && !(op.kind === 'close' && phase === 'CLOSED'))
      throw new Violation(`after ${what} the store went on ${phase}, not FAILED`);
  }

  /**
   * The first write at or after step `atStep` of `op` is short: the kernel takes `writtenBytes` of it
   * and says so. The shell must finish it at the right offset: reads must agree now, and the next
   * recovery (a reopen, a crash, damage) reads back what was written.
   */
  shortWrite(op: Operation, atStep: number, writtenBytes: number): void {
    this.kernel.arm({ kind: 'short', atStep, writtenBytes });
    this.runOp(op);
    this.kernel.arm(undefined);
    this.settleAfter(op);
  }

  /**
   * Close cleanly, damage a durable file, reopen and judge. When recovery rightly refuses, the damage is
   * undone (as an operator restoring a backup would) and the store reopened, so a run can go on.
   */
  damage(file: string, offsetPick: number, how: DamageHow, target?: DamageTarget): void {
    this.current.close();
    this.model.markDurable();
    const clean = this.disk;
    const bytes = readFile(clean, file);
    if (bytes === undefined || bytes.length === 0) {
      this.recover(clean, { kind: 'clean' }, 'close, then reopen');
      return;
    }
    const offsetBytes = damageOffset(bytes, file, offsetPick, target);
    const damaged = damage(clean, file, offsetBytes, how);
    const fault = damageFault(file, bytes, readFile(damaged, file) ?? bytes, this.current.stats());
    if (fault === undefined) {
      this.recover(clean, { kind: 'clean' }, 'damage that changed nothing');
      return;
    }
    if (this.recover(damaged, fault, `damage to ${file} at ${offsetBytes}`))
      this.recover(clean, { kind: 'clean' }, 'the damage undone');
  }

  /**
   * Recover from `disk` in a new process, judged; returns true when it (rightly) refused damage. A crash
   * image (`crashImage`) may be recovered through the history's cache of recoveries.
   */
  private recover(disk: Disk, fault: Fault, story: string, crashImage = false): boolean {
    this.counters.recoveries++;
    const context: JudgeContext = {
      model: this.model,
      options: this.config.options,
      observer: this.config.observer,
      open: crashImage
        ? (d, options) => this.openImage(d, options)
        : (d, options) => openOn(this.config, new SimKernel(d), options),
    };
    const opened = recoverAndJudge(context, disk, fault, story);
    if (opened === undefined) return true;
    this.opened = opened;
    return false;
  }
}
