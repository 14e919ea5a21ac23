// The fast-check command "damage": damage a durable file between runs; recovery must refuse or keep what the mode promises.

import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { CommandData } from './data.js';
import type { SimSystem } from '../system.js';

export class DamageCommand implements fc.Command<KvModel, SimSystem> {
  constructor(
    readonly file: string,
    readonly offsetPick: number,
    readonly how: { readonly xor: number } | { readonly zeroBytes: number },
  ) {}
  check(): boolean {
    return true;
  }
  run(_model: KvModel, system: SimSystem): void {
    system.damage(this.file, this.offsetPick, this.how);
  }
  /** The command as plain data, for counterexample.json. */
  toJSON(): CommandData {
    return { type: 'damage', file: this.file, offsetPick: this.offsetPick, how: this.how };
  }
  toString(): string {
    return `damage ${this.file} at pick ${this.offsetPick}: ${'xor' in this.how ? `xor 0x${this.how.xor.toString(16)}` : `zero ${this.how.zeroBytes} bytes`}`;
  }
}
