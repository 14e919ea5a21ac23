// The fast-check command "snapshot": write a snapshot; the state must not change.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class SnapshotCommand implements fc.Command<KvModel, SimSystem> {
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'snapshot' });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'snapshot' };
  }
  toString(): string {
    return 'snapshot';
  }
}
