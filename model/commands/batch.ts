// The fast-check command "batch": puts and deletes as one write.

import type fc from 'fast-check';
import type { WriteOp } from '../../src/engine/logging.js';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import { type SimSystem, describeOperation } from '../system.js';

export class BatchCommand implements fc.Command<KvModel, SimSystem> {
  constructor(readonly ops: readonly WriteOp[]) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'batch', ops: this.ops });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'batch', ops: this.ops };
  }
  toString(): string {
    return describeOperation({ kind: 'batch', ops: this.ops });
  }
}
