// The fast-check command "get": read one key; it must agree with the model.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import { type SimSystem, Violation } from '../system.js';

export class GetCommand implements fc.Command<KvModel, SimSystem> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    const want = system.model.current().get(this.key);
    const got = system.current.get(this.key);
    if (got !== want)
      throw new Violation(
        `get ${JSON.stringify(this.key)} gave ${JSON.stringify(got)}, the model holds ${JSON.stringify(want)}`,
      );
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'get', key: this.key };
  }
  toString(): string {
    return `get ${JSON.stringify(this.key)}`;
  }
}
