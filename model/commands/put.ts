// The fast-check command "put": set a key; reads must then agree with the model.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class PutCommand implements fc.Command<KvModel, SimSystem> {
  constructor(
    readonly key: string,
    readonly value: string,
  ) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.apply({ kind: 'put', key: this.key, value: this.value });
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'put', key: this.key, value: this.value };
  }
  toString(): string {
    return `put ${JSON.stringify(this.key)} ${JSON.stringify(this.value)}`;
  }
}
