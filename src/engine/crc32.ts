// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), KVStore v3's crc32() from its Error layer.
// Table-driven and pure so that the engine needs no `node:` import; a test pins it to zlib.crc32.
// Slicing-by-8 (Intel's method, as zlib's braided CRC): eight tables let the loop take eight bytes per
// round with independent lookups, about three times the speed of one byte per round. Every log record
// and snapshot entry is checksummed, so this loop is on the path of every write, open and compaction.
// crc32Combine (zlib's crc32_combine) joins two CRCs without the bytes: a small snapshot's whole-file
// CRC follows from its entries' CRCs, so its load checksums each byte once. A large one is cheaper as
// one long native pass over the file beside the entries' own (snapshot.ts).
// The shell may install a native accelerator (Node's zlib.crc32, about 6 GB/s here against 0.9 GB/s
// for this loop) for long ranges; the engine stays pure, and the JavaScript loop stays the definition.

import { assert } from './errors.js';

const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // TABLES[k * 256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = t[n] ?? 0;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] ?? 0) ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/**
 * A native CRC-32 of a whole view, continuing from `previous` (0 for a fresh checksum): the shape of
 * Node's `zlib.crc32(data, value)`.
 */
export type Crc32Accelerator = (bytes: Uint8Array, previous: number) => number;

/**
 * Ranges shorter than this stay in JavaScript: a native call and a subarray cost about 100 ns, which
 * this loop beats below a few hundred bytes (measured: 39 ns against 97 ns at 30 bytes, 1.0 µs against
 * 0.34 µs at 1,000). Most records and snapshot entries are short; long values and whole files are not.
 */
const ACCELERATED_BYTES_MIN = 256;
let accelerator: Crc32Accelerator | undefined;

/**
 * Lets `crc32` hand ranges of at least 256 bytes to a native implementation, after checking it against
 * this file's loop on lengths around the threshold and on a continued checksum. Returns whether it was
 * taken: one that disagrees is refused, and the loop keeps doing the work (a wrong accelerator must
 * cost speed, never a checksum on disk, nor the import of the store).
 */
export function installCrc32Accelerator(native: Crc32Accelerator): boolean {
  const sample = new Uint8Array(4099);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 131 + 7) & 0xff;
  accelerator = undefined;
  for (const [start, end] of [
    [0, 256],
    [3, 1027],
    [1, 4099],
  ] as const) {
    const previous = crc32(sample, 0, start);
    if (native(sample.subarray(start, end), previous) !== crc32(sample, start, end, previous))
      return false;
  }
  accelerator = native;
  return true;
}

/**
 * CRC-32 of `bytes[start, end)`, continuing from `previous` (0 for a fresh checksum), so that a
 * large file can be checksummed in pieces: crc32(b, 0, n) === crc32(b, k, n, crc32(b, 0, k)).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  assert(0 <= start && start <= end && end <= bytes.length, 'crc32 range inside the bytes');
  if (accelerator !== undefined && end - start >= ACCELERATED_BYTES_MIN)
    return accelerator(bytes.subarray(start, end), previous);
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = start;
  // The loop bounds keep every index in range; `?? 0` only satisfies noUncheckedIndexedAccess (V8
  // drops it), where at() would add a call per byte on the engine's hottest loop.
  for (; i + 8 <= end; i += 8) {
    const a = (crc ^ (bytes[i] ?? 0) ^ ((bytes[i + 1] ?? 0) << 8)) >>> 0;
    const b = (a ^ ((bytes[i + 2] ?? 0) << 16) ^ ((bytes[i + 3] ?? 0) << 24)) >>> 0;
    crc =
      (t[1792 + (b & 0xff)] ?? 0) ^
      (t[1536 + ((b >>> 8) & 0xff)] ?? 0) ^
      (t[1280 + ((b >>> 16) & 0xff)] ?? 0) ^
      (t[1024 + (b >>> 24)] ?? 0) ^
      (t[768 + (bytes[i + 4] ?? 0)] ?? 0) ^
      (t[512 + (bytes[i + 5] ?? 0)] ?? 0) ^
      (t[256 + (bytes[i + 6] ?? 0)] ?? 0) ^
      (t[bytes[i + 7] ?? 0] ?? 0);
  }
  for (; i < end; i++) crc = (t[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return ~crc >>> 0;
}

// Combining CRCs (zlib's crc32_combine): the CRC of A followed by B from crc(A), crc(B) and B's length,
// in GF(2) polynomial arithmetic modulo the reflected polynomial. A snapshot's reader checks each
// entry's CRC and also the CRC of the whole file; for a small file, combining lets the file's CRC
// follow from each entry's without a second pass over its bytes.

const POLY = 0xedb88320;

/** a(x) * b(x) modulo P(x), reflected (bit 31 is x^0). `a` must not be zero. */
function multModP(a: number, b: number): number {
  let m = 0x8000_0000;
  let p = 0;
  let q = b;
  // At most 32 turns, one per bit of `a`.
  for (let k = 0; k < 32; k++) {
    if ((a & m) !== 0) {
      p ^= q;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    q = (q & 1) !== 0 ? (q >>> 1) ^ POLY : q >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] is x^(2^k) modulo P(x). */
const X2N: Uint32Array = (() => {
  const t = new Uint32Array(32);
  let p = 0x4000_0000; // x^1
  t[0] = p;
  for (let n = 1; n < 32; n++) {
    p = multModP(p, p);
    t[n] = p;
  }
  return t;
})();

/** x^(8 * lengthBytes) modulo P(x): the operator that moves a CRC past `lengthBytes` bytes. */
function shiftOperator(lengthBytes: number): number {
  let p = 0x8000_0000; // x^0
  let n = lengthBytes;
  // One turn per bit of the length: at most 53 for a safe integer.
  for (let k = 3; n > 0; k++) {
    if (n % 2 === 1) p = multModP(X2N[k & 31] ?? 0, p);
    n = Math.floor(n / 2);
  }
  return p;
}

/** Operators for lengths below SHIFT_CACHE_BYTES, computed on first use (0: not yet; never a value). */
const SHIFT_CACHE_BYTES = 4096;
const SHIFT_CACHE = new Uint32Array(SHIFT_CACHE_BYTES);
/** Uses of each cached length, and the byte tables of the lengths used TABLE_AFTER_USES times. */
const SHIFT_USES = new Uint32Array(SHIFT_CACHE_BYTES);
const TABLE_AFTER_USES = 64;
const TABLES_MAX = 64;
const SHIFT_TABLES = new Map<number, Uint32Array>();

/**
 * The product op(x) * c(x) as four lookups, one per byte of c: the product is linear in c, so
 * table[k * 256 + b] = op * (b << 8k) and the bytes' products XOR together. Building it costs 32
 * products and 1,024 XORs, paid back after about 64 uses (a snapshot's entries often share a size).
 */
function shiftTable(op: number): Uint32Array {
  const table = new Uint32Array(4 * 256);
  for (let k = 0; k < 4; k++) {
    for (let bit = 0; bit < 8; bit++)
      table[k * 256 + (1 << bit)] = multModP(op, (1 << (8 * k + bit)) >>> 0);
    // Every other byte value is the XOR of its lowest bit's product and the rest's.
    for (let b = 3; b < 256; b++) {
      const low = b & -b;
      if (low !== b)
        table[k * 256 + b] = (table[k * 256 + low] ?? 0) ^ (table[k * 256 + (b ^ low)] ?? 0);
    }
  }
  return table;
}

/** multModP(op, c) for the operator of `lengthBytes`, through its byte table once it has one. */
function shifted(op: number, lengthBytes: number, c: number): number {
  const table = SHIFT_TABLES.get(lengthBytes);
  if (table !== undefined)
    return (
      ((table[c & 0xff] ?? 0) ^
        (table[256 + ((c >>> 8) & 0xff)] ?? 0) ^
        (table[512 + ((c >>> 16) & 0xff)] ?? 0) ^
        (table[768 + (c >>> 24)] ?? 0)) >>>
      0
    );
  if (lengthBytes < SHIFT_CACHE_BYTES && SHIFT_TABLES.size < TABLES_MAX) {
    const uses = (SHIFT_USES[lengthBytes] ?? 0) + 1;
    SHIFT_USES[lengthBytes] = uses;
    if (uses >= TABLE_AFTER_USES) SHIFT_TABLES.set(lengthBytes, shiftTable(op));
  }
  return multModP(op, c);
}

/**
 * The CRC of A followed by B, given `crcA`, `crcB` and B's length: crc32Combine(crc32(a), crc32(b),
 * b.length) === crc32(a ++ b). Costs one polynomial product whatever the length: four table lookups
 * for a length met often, else 32 steps.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  assert(Number.isSafeInteger(lengthB) && lengthB >= 0, 'a length to combine over');
  let op = lengthB < SHIFT_CACHE_BYTES ? (SHIFT_CACHE[lengthB] ?? 0) : 0;
  if (op === 0) {
    op = shiftOperator(lengthB);
    if (lengthB < SHIFT_CACHE_BYTES) SHIFT_CACHE[lengthB] = op;
  }
  return (shifted(op, lengthB, crcA) ^ crcB) >>> 0;
}
