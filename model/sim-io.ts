// The checker's StoreIo (see src/io/store.ts): the real Store runs on a simulated Disk, and a trigger
// makes the n-th step from now crash the "process" or fail with an I/O error. The store's own code runs
// unchanged; only the disk under it is simulated.

import { FILES, type Plan, type Step } from '../src/engine/plan.js';
import type { RecoveryInput } from '../src/engine/recovery.js';
import type { StoreIo } from '../src/io/store.js';
import { applyStep, failedStep, listing, readFile, type Disk } from './disk.js';

/** Thrown inside the store when the simulated process dies; carries the disk as it was at that moment. */
export class SimCrash extends Error {
  constructor(
    /** The disk with every step before the crashing one completed. */
    readonly diskBefore: Disk,
    /** The step in flight. */
    readonly step: Step,
    /** Its index among the steps run since the trigger was armed. */
    readonly stepIndex: number,
  ) {
    super(`simulated crash at step ${stepIndex}`);
  }
}

/** What to do when the armed step comes. */
export type Trigger =
  | { readonly kind: 'crash'; readonly atStep: number }
  | {
      readonly kind: 'fail';
      readonly atStep: number;
      readonly errno: 'EIO' | 'ENOSPC';
      readonly writtenBytes: number;
    };

/** A StoreIo over a simulated disk. */
export class SimIo implements StoreIo {
  private trigger: Trigger | undefined;
  /** Steps run since the last arm() (or since creation). */
  stepsRun = 0;
  /** Every step run since the last arm(), in order. */
  trace: Step[] = [];
  /** The crash, once it happened: the process is dead, its store must not be used again. */
  crashed: SimCrash | undefined;
  /** The failure injected, once it happened. */
  failedAt: { readonly step: Step; readonly stepIndex: number } | undefined;

  constructor(public disk: Disk) {}

  /** Arm a trigger for the steps that follow (or disarm, with undefined) and reset the counters. */
  arm(trigger: Trigger | undefined): void {
    this.trigger = trigger;
    this.stepsRun = 0;
    this.trace = [];
    this.crashed = undefined;
    this.failedAt = undefined;
  }

  read(): RecoveryInput {
    return {
      names: listing(this.disk),
      wal: readFile(this.disk, FILES.wal),
      snapshot: readFile(this.disk, FILES.snapshot),
    };
  }

  run(plan: Plan): void {
    if (this.crashed !== undefined) throw new Error('the simulated process is dead');
    for (const step of plan) {
      const t = this.trigger;
      if (t !== undefined && this.stepsRun === t.atStep) {
        this.trigger = undefined;
        if (t.kind === 'crash') {
          this.crashed = new SimCrash(this.disk, step, this.stepsRun);
          throw this.crashed;
        }
        this.disk = failedStep(this.disk, step, t.writtenBytes);
        this.failedAt = { step, stepIndex: this.stepsRun };
        throw Object.assign(new Error(`simulated ${t.errno}`), { code: t.errno });
      }
      this.disk = applyStep(this.disk, step);
      this.trace.push(step);
      this.stepsRun++;
    }
  }

  close(): void {
    // Nothing to release: the simulated disk has no descriptors and no lock.
  }
}
