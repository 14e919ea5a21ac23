// The fast-check command "reopen": close cleanly and reopen; recovery must give back exactly the same state.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class ReopenCommand implements fc.Command<KvModel, SimSystem> {
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.reopen();
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'reopen' };
  }
  toString(): string {
    return 'reopen';
  }
}
