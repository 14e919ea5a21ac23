// The explorer's bounds (CrashMonkey/Ace's bounded workloads): the key and value alphabet, the
// operations, the depth, the faults, and the engine settings, all stated and all configurable, and the
// alphabet of operations they spell out. No KVStore v3 counterpart.

import { encodeRecord } from '../../src/engine/logging.js';
import { resolveOptions } from '../../src/engine/options.js';
import type { EngineOptions } from '../../src/engine/state.js';
import type { CutSet } from './images.js';
import type { Operation } from './system.js';

/** The operations the explorer may issue (the checker's vocabulary: a close is followed by a reopen). */
export const OP_KINDS = ['put', 'del', 'batch', 'snapshot', 'compact', 'sync', 'close'] as const;
/** One of OP_KINDS. */
export type OpKind = (typeof OP_KINDS)[number];

/** Which crash models are enumerated at every syscall. */
export type CrashModels = 'kill' | 'power' | 'all' | 'none';

/** Everything that bounds a search. */
export interface Bounds {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly ops: readonly OpKind[];
  /** The number of commands in a history (a crash, I/O error or damage is one command). */
  readonly depth: number;
  readonly crash: CrashModels;
  /** Which prefixes of a write in flight a kill leaves (and an EIO may have written). */
  readonly cuts: CutSet;
  readonly ioErrors: boolean;
  /** Flip one bit (XOR 0x01) of every byte of every durable file, between runs. */
  readonly damage: boolean;
  /** Crash each recovery at each of its syscalls too, then recover again. */
  readonly recoveryCrashes: boolean;
  /** Power images enumerated per crash point at most; reaching it is reported (then not exhaustive). */
  readonly powerImagesMax: number;
  readonly options: EngineOptions;
}

/**
 * A value that holds a whole log record's bytes (latin1 code units of the record for LSN 1000, put
 * "a" = "x"), built by the engine's own encoder at run time so that it follows the log format in use.
 * A reader that trusted lengths over checksums could be fooled into replaying it.
 */
export function recordValue(): string {
  return String.fromCharCode(...encodeRecord(1000, [{ op: 'put', key: 'a', value: 'x' }]));
}

/**
 * A value whose UTF-8 bytes ARE a whole log record but its 0xFF marker (LSN 100, put "a" = "v", built
 * by the encoder in use at run time): format v2's integers are 7-bit groups and its payload is UTF-8,
 * so everything after the marker is valid UTF-8 and the value stores exactly those bytes. A reader that
 * resynced without requiring the marker would take it for a record with a higher LSN; v2's cannot,
 * since valid UTF-8 never holds 0xFF. Undefined if the format in use ever breaks that argument.
 */
export function rawRecordValue(): string | undefined {
  const record = encodeRecord(100, [{ op: 'put', key: 'a', value: 'v' }]).subarray(1);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(record);
  const same = new TextEncoder().encode(text);
  return same.length === record.length && same.every((b, i) => b === record[i]) ? text : undefined;
}

/** The engine settings the explorer uses by default: small thresholds, so automatic compaction happens. */
const EXPLORE_OPTIONS: Partial<EngineOptions> = {
  sync: 'always',
  recovery: 'tolerate-tail',
  compactWrites: 2,
  compactWalBytes: 1 << 20,
  treeOrder: 3,
};

/** Bounds to override: any field, and any engine option (undefined ones keep the default). */
export type BoundsInput = Partial<Omit<Bounds, 'options'>> & {
  readonly options?: Partial<EngineOptions>;
};

/**
 * The default bounds: 2 keys × 2 values (one whose UTF-8 bytes are a record but its marker, see
 * rawRecordValue), every operation, every fault.
 */
export function defaultBounds(over: BoundsInput = {}): Bounds {
  return {
    keys: ['a', 'b'],
    values: ['x', rawRecordValue() ?? recordValue()],
    ops: OP_KINDS,
    depth: 2,
    crash: 'all',
    cuts: 'every',
    ioErrors: true,
    damage: false,
    recoveryCrashes: true,
    powerImagesMax: 1 << 16,
    ...over,
    options: resolveOptions({ ...EXPLORE_OPTIONS, ...over.options }),
  };
}

/** Every operation the bounds allow, in a fixed order (the search's order). */
export function alphabet(b: Bounds): Operation[] {
  const ops: Operation[] = [];
  const last = b.values[b.values.length - 1] ?? '';
  for (const kind of b.ops) {
    if (kind === 'put')
      for (const key of b.keys) for (const value of b.values) ops.push({ kind, key, value });
    else if (kind === 'del') for (const key of b.keys) ops.push({ kind, key });
    else if (kind === 'batch')
      // One two-op batch per key: put it, delete the next key (itself when there is one key).
      b.keys.forEach((key, i) => {
        const other = b.keys[(i + 1) % b.keys.length] ?? key;
        ops.push({
          kind,
          ops: [
            { op: 'put', key, value: last },
            { op: 'del', key: other },
          ],
        });
      });
    else ops.push({ kind });
  }
  return ops;
}

const short = (v: string): string =>
  v.length <= 8 ? JSON.stringify(v) : `<${v.length}-char record bytes>`;

/** The bounds in one line, for the verdict. */
export function describeBounds(b: Bounds): string {
  const o = b.options;
  const faults = [
    b.crash === 'none' ? undefined : `crash ${b.crash} (${b.cuts} cuts)`,
    b.ioErrors ? 'I/O errors' : undefined,
    b.damage ? 'damage' : undefined,
    b.recoveryCrashes && b.crash !== 'none' ? 'crashes in recovery' : undefined,
  ].filter((f) => f !== undefined);
  return [
    `keys {${b.keys.map(short).join(', ')}}`,
    `values {${b.values.map(short).join(', ')}}`,
    `ops {${b.ops.join(', ')}}`,
    `faults {${faults.join(', ')}}`,
    `sync=${o.sync} recovery=${o.recovery} compactWrites=${o.compactWrites} compactWalBytes=${o.compactWalBytes} treeOrder=${o.treeOrder}`,
  ].join(', ');
}
