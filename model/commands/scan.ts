// The fast-check command "scan": a range scan; it must agree with the model, in UTF-8 byte order.

import type fc from 'fast-check';
import { compareKeys } from '../../src/engine/bytes.js';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import { type SimSystem, Violation } from '../system.js';

export class ScanCommand implements fc.Command<KvModel, SimSystem> {
  constructor(
    readonly from: string | undefined,
    readonly to: string | undefined,
    readonly limit: number | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    const want = [...system.model.current()]
      .filter(
        ([k]) =>
          (this.from === undefined || compareKeys(k, this.from) >= 0) &&
          (this.to === undefined || compareKeys(k, this.to) < 0),
      )
      .sort((a, b) => compareKeys(a[0], b[0]))
      .slice(0, this.limit ?? Infinity);
    const got = system.current
      .scan({ from: this.from, to: this.to, limit: this.limit })
      .map((e) => [e.key, e.value]);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new Violation(
        `${this.toString()} gave ${JSON.stringify(got)}, the model holds ${JSON.stringify(want)}`,
      );
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'scan', from: this.from, to: this.to, limit: this.limit };
  }
  toString(): string {
    return `scan from=${JSON.stringify(this.from)} to=${JSON.stringify(this.to)} limit=${String(this.limit)}`;
  }
}
