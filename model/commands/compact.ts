// The fast-check command "compact": snapshot, then restart the log; the state must not change.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class CompactCommand implements fc.Command<KvModel, SimSystem> {
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'compact' });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'compact' };
  }
  toString(): string {
    return 'compact';
  }
}
