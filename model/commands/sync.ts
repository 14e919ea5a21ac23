// The fast-check command "sync": make every acknowledged write durable.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class SyncCommand implements fc.Command<KvModel, SimSystem> {
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'sync' });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'sync' };
  }
  toString(): string {
    return 'sync';
  }
}
