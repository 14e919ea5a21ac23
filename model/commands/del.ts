// The fast-check command "del": delete a key; reads must then agree with the model.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class DelCommand implements fc.Command<KvModel, SimSystem> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'del', key: this.key });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'del', key: this.key };
  }
  toString(): string {
    return `del ${JSON.stringify(this.key)}`;
  }
}
