// Tests for src/io/native.ts: the native decoder the shell installs returns exactly what the engine's
// portable one returns, so a snapshot loads to the same strings with or without it; the native CRC too.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { installOneByteText, oneByteText } from '../../src/engine/bytes.js';
import { crc32 } from '../../src/engine/crc32.js';
import { installNative } from '../../src/io/native.js';
import { checkProperty } from '../seed.js';

describe('the native helpers', () => {
  afterAll(() => installNative());

  it('decode one unit per byte exactly as the portable decoder does', () => {
    checkProperty(
      'native oneByteText equals the portable one',
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.constant(0xff)), {
          maxLength: 300,
        }),
        fc.nat(),
        fc.nat(),
        (list, a, b) => {
          const bytes = Uint8Array.from(list);
          const from = list.length === 0 ? 0 : a % (list.length + 1);
          const to = from + (list.length === 0 ? 0 : b % (list.length - from + 1));
          installOneByteText(undefined);
          const portable = oneByteText(bytes, from, to);
          installNative();
          const native = oneByteText(bytes.subarray(0), from, to);
          expect(native).toBe(portable);
          expect(native.length).toBe(to - from);
        },
      ),
    );
  });

  it('give the engine a CRC-32 equal to zlib.crc32 on long ranges and continued checksums', () => {
    installNative();
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 29 + (i >> 9)) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(bytes, 1000, 70_000, crc32(bytes, 0, 1000))).toBe(zlibCrc32(bytes));
  });
});
