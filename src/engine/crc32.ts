// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), KVStore v3's crc32() from its Error layer.
// Table-driven and pure so that the engine needs no `node:` import; a test pins it to zlib.crc32.
// Slicing-by-8 (Intel's method, as zlib's braided CRC): eight tables let the loop take eight bytes per
// round with independent lookups, about three times the speed of one byte per round. Every log record
// and snapshot entry is checksummed, so this loop is on the path of every write, open and compaction.

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
 * CRC-32 of `bytes[start, end)`, continuing from `previous` (0 for a fresh checksum), so that a
 * large file can be checksummed in pieces: crc32(b, 0, n) === crc32(b, k, n, crc32(b, 0, k)).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  assert(0 <= start && start <= end && end <= bytes.length, 'crc32 range inside the bytes');
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
