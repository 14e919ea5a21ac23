// Tests for src/engine/crc32.ts: the pure CRC-32 agrees with zlib's, whole, in pieces and combined,
// and a native accelerator is checked before it is trusted.
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Combine, installCrc32Accelerator } from '../../src/engine/crc32.js';
import { at } from '../../src/engine/errors.js';
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

  it('combines the CRCs of two pieces into the CRC of both, at any lengths', () => {
    checkProperty(
      'crc32Combine is the CRC of the concatenation',
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const k = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        const a = crc32(bytes, 0, k);
        const b = crc32(bytes, k);
        expect(crc32Combine(a, b, bytes.length - k)).toBe(crc32(bytes));
      }),
    );
    // The same length many times over: past the uses after which a length gets its byte table.
    const bytes = new Uint8Array(4000).map((_, i) => (i * 131 + (i >> 3)) & 0xff);
    for (let i = 0; i + 140 <= bytes.length; i += 20) {
      const whole = crc32(bytes, 0, i + 140);
      expect(crc32Combine(crc32(bytes, 0, i), crc32(bytes, i, i + 140), 140)).toBe(whole);
    }
    const long = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    expect(crc32Combine(crc32(long, 0, 5), crc32(long, 5), long.length - 5)).toBe(crc32(long));
  });

  it('refuses a native accelerator that disagrees, and gives equal CRCs through one that agrees', () => {
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 97 + (i >> 5)) & 0xff);
    const cuts = [0, 1, 255, 256, 257, 4096, 9_999];
    // Computed by the JavaScript loop alone, before anything is installed.
    const expected = cuts.map((k) => [crc32(bytes, 0, k), crc32(bytes, k, bytes.length, 7)]);
    // A native CRC that forgets to continue from `previous`: caught on the continued sample.
    let wrongCalls = 0;
    const wrong = (b: Uint8Array): number => {
      wrongCalls += 1;
      return zlibCrc32(b);
    };
    expect(installCrc32Accelerator(wrong)).toBe(false);
    wrongCalls = 0;
    expect(crc32(bytes, 0, 4096)).toBe(at(expected, 5, 'cut')[0]);
    expect(wrongCalls).toBe(0);
    let calls = 0;
    expect(
      installCrc32Accelerator((b, previous) => {
        calls += 1;
        return zlibCrc32(b, previous);
      }),
    ).toBe(true);
    calls = 0;
    const through = cuts.map((k) => [crc32(bytes, 0, k), crc32(bytes, k, bytes.length, 7)]);
    expect(through).toEqual(expected);
    // Long ranges went native; ranges under 256 bytes stayed in the loop.
    expect(calls).toBe(
      cuts.filter((k) => k >= 256).length + cuts.filter((k) => 10_000 - k >= 256).length,
    );
  });
});
