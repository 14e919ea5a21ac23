// The explorer's one door to the system under test: kvlab's real shell on the simulated kernel and
// disk (model/system.ts's SimSystem, model/kernel.ts) and the checker's own judge (model/judge.ts).
// Every other file of model/explore/ sees only the small interface below, so that a change of how the
// checker runs the store is a change of this file alone. No KVStore v3 counterpart.

import type { EngineState } from '../../src/engine/state.js';
import type { CommandData } from '../commands/data.js';
import type { CrashSpec } from '../crash.js';
import type { Disk, Syscall } from '../disk.js';
import { recoverAndJudge, type Opened as KernelOpened } from '../judge.js';
import { SimKernel } from '../kernel.js';
import type { KvModel } from '../model.js';
import { openOn, SimSystem, Violation, type Operation, type SystemConfig } from '../system.js';

export type { CommandData, Operation };

/** The shell and settings of the stores the explorer opens (a bug-zoo variant's, or kvlab's). */
export type SutConfig = SystemConfig;

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
  /** The disk-changing syscalls `op` makes from here with no fault (on a copy). */
  calls(op: Operation): readonly Syscall[];
  /** Run `op` with no fault and check reads against the model (a close is followed by a reopen). */
  apply(op: Operation): void;
  /**
   * Crash at syscall `atStep` of `op` (after it when atStep is its call count) as `spec` says, recover
   * and judge by the oracle; with `recoveryCrashStep`, crash that recovery too, under the same spec,
   * and recover again. Returns whether the recovery did crash (false: it had fewer calls).
   */
  crash(op: Operation, atStep: number, spec: CrashSpec, recoveryCrashStep?: number): boolean;
  /** Fail syscall `atStep` of `op` with EIO (a write may land `writtenBytes` first); judge; reopen. */
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
  calls(op: Operation): readonly Syscall[] {
    return this.system.countSteps(op).calls;
  }
  apply(op: Operation): void {
    this.system.apply(op);
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
  return new SimSut(SimSystem.create(config, { crashImages: 0, recoveries: 0 }));
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
      /** The syscalls the first recovery made: where a crash during recovery can strike. */
      readonly calls: readonly Syscall[];
    };

/** What opening a store on a crash image gave, whatever the history: cacheable by the image. */
export interface Opened {
  /** The store opened on the image's own kernel, or what openStore threw. */
  readonly result: KernelOpened | { readonly error: unknown };
  /** The syscalls recovery made: where a crash during recovery can strike. */
  readonly calls: readonly Syscall[];
}

/** Open a store on a crash image (recovery and its repairs) in a fresh process, recording its calls. */
export function openImage(config: SutConfig, image: Disk): Opened {
  const kernel = new SimKernel(image);
  kernel.arm(undefined, true);
  let result: Opened['result'];
  try {
    result = openOn(config, kernel, config.options);
  } catch (e) {
    result = { error: e };
  }
  return { result, calls: kernel.calls };
}

/**
 * Judge a recovery with the checker's own judge (recoverAndJudge: the oracle, then the point-in-time
 * reopen policy after a refusal), without replaying the operation: the explorer's fast path. `model` is
 * the model as the crash left it; `opened` is openImage(config, image). The model returned is a settled
 * copy; the opened store is only read, so it can be judged again under another model.
 */
export function recoverImage(
  config: SutConfig,
  image: Disk,
  model: KvModel,
  fault: 'kill' | 'power',
  opened: Opened,
): Recovered {
  const settled = model.clone();
  let first = true;
  const open = (disk: Disk, options: SutConfig['options']): KernelOpened => {
    if (first) {
      first = false;
      if ('error' in opened.result) throw opened.result.error;
      return opened.result;
    }
    return openOn(config, new SimKernel(disk), options);
  };
  const context = { model: settled, options: config.options, observer: undefined, open };
  let adopted: KernelOpened | undefined;
  try {
    adopted = recoverAndJudge(context, image, { kind: fault }, 'the crash');
  } catch (e) {
    if (e instanceof Violation) return { violation: e.message };
    throw e;
  }
  if (adopted === undefined) throw new Error('explorer: a crash was judged as damage');
  const { disk } = adopted.kernel;
  return { disk, state: adopted.store.engineState, model: settled, calls: opened.calls };
}

/** True when `e` is a broken guarantee (the oracle's verdict), not a bug of the explorer. */
export function isViolation(e: unknown): boolean {
  return e instanceof Violation;
}
