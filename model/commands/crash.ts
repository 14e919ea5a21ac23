// The fast-check command "crash": crash (kill or power loss) at a step of an operation, recover, and judge the state by the oracle.

import type fc from 'fast-check';
import { describeCrash, type CrashSpec } from '../crash.js';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import { type Operation, type SimSystem, describeOperation } from '../system.js';

export class CrashCommand implements fc.Command<KvModel, SimSystem> {
  constructor(
    readonly op: Operation,
    readonly atStep: number,
    readonly spec: CrashSpec,
    readonly recoveryCrashStep: number | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.crash(this.op, this.atStep, this.spec, this.recoveryCrashStep);
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return {
      type: 'crash',
      op: this.op,
      atStep: this.atStep,
      spec: this.spec,
      recoveryCrashStep: this.recoveryCrashStep,
    };
  }
  toString(): string {
    return `crash ${describeOperation(this.op)} at step ${this.atStep}: ${describeCrash(this.spec)}${this.recoveryCrashStep === undefined ? '' : `, then at step ${this.recoveryCrashStep} of recovery`}`;
  }
}
