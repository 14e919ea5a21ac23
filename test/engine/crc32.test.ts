// Tests for src/engine/crc32.ts: the pure CRC-32 agrees with zlib's, whole and in pieces.
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/crc32.js';
import { checkProperty } from '../seed.js';

describe('crc32', () => {
  it('matches known values', () => {
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('agrees with zlib.crc32 on any bytes, and continues across pieces', () => {
    checkProperty(
      'crc32 agrees with zlib',
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const k = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
        expect(crc32(bytes, k, bytes.length, crc32(bytes, 0, k))).toBe(crc32(bytes));
      }),
    );
  });
});
