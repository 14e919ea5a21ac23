// The fast-check command "io-error": an I/O error at a step of an operation: the store must be FAILED and refuse writes; then reopen.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import { type Operation, type SimSystem, describeOperation } from '../system.js';

export class IoErrorCommand implements fc.Command<KvModel, SimSystem> {
  constructor(
    readonly op: Operation,
    readonly atStep: number,
    readonly errno: 'EIO' | 'ENOSPC',
    readonly writtenBytes: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.ioError(this.op, this.atStep, this.errno, this.writtenBytes);
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return {
      type: 'io-error',
      op: this.op,
      atStep: this.atStep,
      errno: this.errno,
      writtenBytes: this.writtenBytes,
    };
  }
  toString(): string {
    return `${this.errno} at step ${this.atStep} of ${describeOperation(this.op)} (${this.writtenBytes} bytes written)`;
  }
}
