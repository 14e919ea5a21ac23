// The explorer's one door to the system under test: kvlab's real Store and shell on the simulated disk
// (model/system.ts over model/sim-io.ts and src/io/store.ts). Every other file of model/explore/ sees
// only the small interface below, so that a change of how the checker runs the store (a simulated
// FileSystem under the real shell instead of a fake StoreIo) is a change of this file alone.

import { treeEntries } from '../../src/engine/bptree.js';
import { ENGINE, type Engine } from '../../src/engine/engine.js';
import { errorMessage } from '../../src/engine/errors.js';
import type { Step } from '../../src/engine/plan.js';
import type { EngineOptions, EngineState } from '../../src/engine/state.js';
import { openStoreWith, type Store, type StoreIo } from '../../src/io/store.js';
import type { CommandData } from '../commands/data.js';
import type { CrashSpec } from '../crash.js';
import { killImage, type Disk } from '../disk.js';
import type { KvModel } from '../model.js';
import { allowedAfter, violation, type Fault, type Outcome } from '../oracle.js';
import { SimIo } from '../sim-io.js';
import { SimSystem, Violation, type Operation } from '../system.js';

export type { CommandData, Operation };

/** What the explorer may do to a store: an operation, or a clean close and reopen. */
export type ExploreOp = Operation | { readonly kind: 'reopen' };

/** The engine and settings of the stores the explorer opens. */
export interface SutConfig {
  readonly options: EngineOptions;
  /** A bug-zoo variant's engine, or kvlab's by default. */
  readonly engine?: Engine;
  /** A bug-zoo variant's shell wrapper, if any. */
  readonly wrapIo?: (io: StoreIo) => StoreIo;
}

/**
 * A store on a simulated disk next to its model. Each method changes this instance only; fork() first to
 * keep the original. A broken guarantee throws an error that isViolation() recognizes.
 */
export interface Sut {
  /** The disk as the page cache holds it, pending writes and directory ops included. */
  readonly disk: Disk;
  /** The open store's engine state (its memory). */
  readonly state: EngineState;
  /** The model of the history, for the oracle. */
  readonly model: KvModel;
  /** An independent copy: same disk, memory and model. */
  fork(): Sut;
  /** The steps `op` runs from here with no fault (on a copy). */
  trace(op: Operation): readonly Step[];
  /** Run `op` with no fault and check reads against the model. */
  apply(op: ExploreOp): void;
  /**
   * Crash at step `atStep` of `op` (after it when atStep is its step count) as `spec` says, recover and
   * judge by the oracle; with `recoveryCrashStep`, crash that recovery too, under the same spec, and
   * recover again. Returns whether the recovery did crash (false: it had fewer steps).
   */
  crash(op: Operation, atStep: number, spec: CrashSpec, recoveryCrashStep?: number): boolean;
  /** Fail step `atStep` of `op` with EIO (an append may land `writtenBytes` first); judge; reopen. */
  ioError(op: Operation, atStep: number, writtenBytes: number): void;
  /** Close cleanly, XOR one byte of a durable file, reopen and judge. */
  damage(file: string, offsetBytes: number, xor: number): void;
}

class SimSut implements Sut {
  constructor(private readonly system: SimSystem) {}
  get disk(): Disk {
    return this.system.disk;
  }
  get state(): EngineState {
    return this.system.current.engineState;
  }
  get model(): KvModel {
    return this.system.model;
  }
  fork(): Sut {
    return new SimSut(this.system.fork());
  }
  trace(op: Operation): readonly Step[] {
    return this.system.countSteps(op).trace;
  }
  apply(op: ExploreOp): void {
    if (op.kind === 'reopen') this.system.reopen();
    else this.system.apply(op);
  }
  crash(op: Operation, atStep: number, spec: CrashSpec, recoveryCrashStep?: number): boolean {
    return this.system.crash(op, atStep, spec, recoveryCrashStep).recoveryCrashed;
  }
  ioError(op: Operation, atStep: number, writtenBytes: number): void {
    this.system.ioError(op, atStep, 'EIO', writtenBytes);
  }
  damage(file: string, offsetBytes: number, xor: number): void {
    this.system.damage(file, offsetBytes, { xor });
  }
}

/** A new store on an empty disk. */
export function createSut(config: SutConfig): Sut {
  return new SimSut(
    SimSystem.create(
      {
        options: config.options,
        ...(config.engine === undefined ? {} : { engine: config.engine }),
        ...(config.wrapIo === undefined ? {} : { wrapIo: config.wrapIo }),
      },
      { crashImages: 0, recoveries: 0 },
    ),
  );
}

/** What recovering from one crash image gave: a broken guarantee, or the state it leaves. */
export type Recovered =
  | { readonly violation: string }
  | {
      readonly violation?: undefined;
      /** The disk, memory and model after recovery (and a point-in-time repair, if it refused). */
      readonly disk: Disk;
      readonly state: EngineState;
      readonly model: KvModel;
      /** The steps the first recovery ran: where a crash during recovery can strike. */
      readonly trace: readonly Step[];
    };

function openOn(config: SutConfig, io: SimIo, options = config.options): Store {
  const wrapped = config.wrapIo === undefined ? io : config.wrapIo(io);
  return openStoreWith(wrapped, options, { engine: config.engine ?? ENGINE });
}

/** After a refusal the oracle allowed: reopen in point-in-time, judge, close, reopen in the store's mode. */
function repaired(
  config: SutConfig,
  image: Disk,
  model: KvModel,
  fault: Fault,
): { violation: string } | { io: SimIo; store: Store } {
  const pointInTime = { ...config.options, recovery: 'point-in-time' as const };
  const repairIo = new SimIo(image);
  let store: Store;
  try {
    store = openOn(config, repairIo, pointInTime);
  } catch (e) {
    return { violation: `refused, and does not open in point-in-time either: ${errorMessage(e)}` };
  }
  const allowed = allowedAfter(model, fault, pointInTime);
  const wrong = violation(model, allowed, { state: store.engineState });
  if (wrong !== undefined) return { violation: `reopened in point-in-time: ${wrong}` };
  store.close();
  const io = new SimIo(killImage(repairIo.disk));
  try {
    return { io, store: openOn(config, io) };
  } catch (e) {
    return { violation: `repaired, still does not open: ${errorMessage(e)}` };
  }
}

/** What opening a store on a crash image gave, whatever the history: cacheable by the image. */
export interface Opened {
  readonly outcome: Outcome;
  /** The disk after recovery's repairs (when it opened). */
  readonly disk: Disk;
  /** The steps recovery ran: where a crash during recovery can strike. */
  readonly trace: readonly Step[];
}

/** Open a store on a crash image (recovery and its repairs), as SimSystem's recover does. */
export function openImage(config: SutConfig, image: Disk): Opened {
  const io = new SimIo(image);
  let outcome: Outcome;
  try {
    outcome = { state: openOn(config, io).engineState };
  } catch (e) {
    outcome = { error: e };
  }
  return { outcome, disk: io.disk, trace: [...io.trace] };
}

/**
 * Judge a recovery by the oracle, as SimSystem.crash does, without replaying the operation: the
 * explorer's fast path. `model` is the model as the crash left it (the write issued, acknowledged only
 * if its call returned); `opened` is openImage(config, image). The model returned is a settled copy.
 */
export function recoverImage(
  config: SutConfig,
  image: Disk,
  model: KvModel,
  fault: 'kill' | 'power',
  opened: Opened,
): Recovered {
  const allowed = allowedAfter(model, { kind: fault }, config.options);
  const wrong = violation(model, allowed, opened.outcome);
  if (wrong !== undefined) return { violation: wrong };
  let state: EngineState;
  let disk = opened.disk;
  if ('state' in opened.outcome) state = opened.outcome.state;
  else {
    const repair = repaired(config, image, model, { kind: fault });
    if ('violation' in repair) return repair;
    disk = repair.io.disk;
    state = repair.store.engineState;
  }
  const settled = model.clone();
  if (allowed.prefix) settled.settle(state.lastLsn);
  else settled.rebase(new Map(treeEntries(state.tree)), state.lastLsn);
  return { disk, state, model: settled, trace: opened.trace };
}

/** True when `e` is a broken guarantee (the oracle's verdict), not a bug of the explorer. */
export function isViolation(e: unknown): boolean {
  return e instanceof Violation;
}
