// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), KVStore v3's crc32() from its Error layer.
// Table-driven and pure so that the engine needs no `node:` import; a test pins it to zlib.crc32.

import { assert } from './errors.js';

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes[start, end)`, continuing from `previous` (0 for a fresh checksum), so that a
 * large file can be checksummed in pieces: crc32(b, 0, n) === crc32(b, k, n, crc32(b, 0, k)).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  assert(0 <= start && start <= end && end <= bytes.length, 'crc32 range inside the bytes');
  let crc = ~previous >>> 0;
  for (const b of bytes.subarray(start, end)) {
    // The index is masked to 0..255 and the table has 256 entries: never undefined.
    crc = (TABLE[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}
