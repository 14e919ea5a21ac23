// The model: a plain Map<string, string> and the list of writes issued, each pending or acknowledged.
// Deliberately simpler than the store: no tree, no files, no LSN arithmetic beyond counting. Write n
// (1-based, after the base) is the store's LSN baseLsn + n, because the store numbers writes the same way.

import type { WriteOp } from '../src/engine/logging.js';

/** One write as the model remembers it. */
export interface ModelWrite {
  readonly lsn: number;
  readonly ops: readonly WriteOp[];
  acked: boolean;
}

/** The model of one store's history since its last recovery. */
export class KvModel {
  /** The state every write below builds on, and the LSN it ends at. */
  private base = new Map<string, string>();
  private baseLsn = 0;
  private writes: ModelWrite[] = [];
  /** Newest acknowledged LSN. */
  ackedLsn = 0;
  /** Newest durable LSN: acknowledged under sync "always", or before a sync/snapshot/compact/close that returned. */
  durableLsn = 0;
  /** Every (key, value) ever put, for salvage's weaker promise. */
  private readonly everPut = new Set<string>();
  /**
   * S(baseLsn + i) at index i, once computed: never changed after, so copies may share them. The oracle
   * asks for S(k) after every operation; each answer then costs one write, not the whole history.
   */
  private states: (ReadonlyMap<string, string> | undefined)[] = [];

  /** An independent copy. */
  clone(): KvModel {
    const copy = new KvModel();
    copy.base = new Map(this.base);
    copy.baseLsn = this.baseLsn;
    copy.writes = this.writes.map((w) => ({ ...w }));
    copy.states = this.states.slice();
    copy.ackedLsn = this.ackedLsn;
    copy.durableLsn = this.durableLsn;
    for (const entry of this.everPut) copy.everPut.add(entry);
    return copy;
  }

  /** The LSN the next write will get. */
  get nextLsn(): number {
    return this.baseLsn + this.writes.length + 1;
  }

  /** The newest LSN issued (acknowledged or pending). */
  get lastIssuedLsn(): number {
    return this.baseLsn + this.writes.length;
  }

  /** Record a write as issued (pending) and return its LSN. */
  issue(ops: readonly WriteOp[]): number {
    const lsn = this.nextLsn;
    this.writes.push({ lsn, ops, acked: false });
    for (const op of ops) if (op.op === 'put') this.everPut.add(`${op.key}\u0000${op.value}`);
    return lsn;
  }

  /** The write returned: acknowledged, and durable too when `durable`. */
  ack(lsn: number, durable: boolean): void {
    const w = this.writes[lsn - this.baseLsn - 1];
    if (w === undefined) throw new Error(`model: no write ${lsn}`);
    w.acked = true;
    this.ackedLsn = Math.max(this.ackedLsn, lsn);
    if (durable) this.durableLsn = Math.max(this.durableLsn, lsn);
  }

  /** A sync, snapshot, compact or close returned: every acknowledged write is durable. */
  markDurable(): void {
    this.durableLsn = this.ackedLsn;
  }

  /** S(k): the state after writes up to LSN k. Read-only: the model keeps it for the next question. */
  stateAt(k: number): ReadonlyMap<string, string> {
    if (k < this.baseLsn || k > this.lastIssuedLsn) throw new Error(`model: no state at LSN ${k}`);
    let from = k - this.baseLsn;
    while (from > 0 && this.states[from] === undefined) from--;
    let state = this.states[from] ?? this.base;
    for (let i = from; i < k - this.baseLsn; i++) {
      const next = new Map(state);
      for (const op of this.writes[i]?.ops ?? []) {
        if (op.op === 'put') next.set(op.key, op.value);
        else next.delete(op.key);
      }
      state = next;
    }
    this.states[k - this.baseLsn] = state;
    return state;
  }

  /** The state with every issued write applied. */
  current(): ReadonlyMap<string, string> {
    return this.stateAt(this.lastIssuedLsn);
  }

  /** True when `value` was put under `key` at some point. */
  wasEverPut(key: string, value: string): boolean {
    return this.everPut.has(`${key}\u0000${value}`);
  }

  /**
   * Recovery chose S(k): the writes above k are gone for good, and S(k) is durable (recovery fsyncs it).
   * The writes up to k stay: damage to a file may yet take some of them away, and S(j) must stay known.
   */
  settle(k: number): void {
    if (k < this.baseLsn || k > this.lastIssuedLsn)
      throw new Error(`model: cannot settle at LSN ${k}`);
    this.writes = this.writes.slice(0, k - this.baseLsn);
    this.states = this.states.slice(0, k - this.baseLsn + 1);
    for (const w of this.writes) w.acked = true;
    this.ackedLsn = k;
    this.durableLsn = k;
  }

  /** Recovery returned a state that is no S(k) (salvage after damage): start over from it. */
  rebase(state: ReadonlyMap<string, string>, lsn: number): void {
    this.base = new Map(state);
    this.baseLsn = lsn;
    this.writes = [];
    this.states = [];
    this.ackedLsn = lsn;
    this.durableLsn = lsn;
  }
}
