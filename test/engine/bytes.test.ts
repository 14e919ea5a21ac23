// Tests for src/engine/bytes.ts: key order is UTF-8 byte order, lengths agree with TextEncoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  fromUtf8,
  getGroups,
  getU64,
  putGroups,
  putU64,
  U32_GROUP_BYTES,
  U53_GROUP_BYTES,
  utf8,
  utf8Bytes,
} from '../../src/engine/bytes.js';
import { checkProperty } from '../seed.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('bytes', () => {
  it('orders keys by UTF-8 bytes, which a JS string < does not', () => {
    const astral = '😀'; // U+1F600, UTF-16 D83D DE00, UTF-8 F0 9F 98 80
    const bmp = '\uffff'; // UTF-8 EF BF BF
    expect(astral < bmp).toBe(true); // UTF-16 order: wrong for files
    expect(compareKeys(astral, bmp)).toBeGreaterThan(0);
    expect(compareKeys('a', 'ab')).toBeLessThan(0);
    expect(compareKeys('', '')).toBe(0);
  });

  it('agrees with Buffer.compare of the encodings, and measures them exactly', () => {
    checkProperty(
      'compareKeys is UTF-8 byte order',
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(sign(compareKeys(a, b))).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
        expect(utf8Bytes(a)).toBe(utf8(a).length);
        expect(fromUtf8(utf8(a))).toBe(a);
      }),
    );
  });

  it('rejects invalid UTF-8 without throwing, and keeps u64 within safe integers', () => {
    expect(fromUtf8(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
    const view = new DataView(new ArrayBuffer(8));
    putU64(view, 0, Number.MAX_SAFE_INTEGER);
    expect(getU64(view, 0)).toBe(Number.MAX_SAFE_INTEGER);
    view.setUint32(4, 0xffffffff, true);
    expect(getU64(view, 0)).toBeUndefined();
    expect(() => putU64(view, 0, -1)).toThrow(/u64/);
  });

  it('writes 7-bit groups that never hold 0x80 or above, and reads back only what they wrote', () => {
    checkProperty(
      '7-bit groups round-trip',
      fc.property(fc.maxSafeNat(), fc.nat(0xffffffff), (lsn, u32) => {
        const bytes = new Uint8Array(U53_GROUP_BYTES + U32_GROUP_BYTES);
        putGroups(bytes, 0, lsn, U53_GROUP_BYTES);
        putGroups(bytes, U53_GROUP_BYTES, u32, U32_GROUP_BYTES);
        expect(bytes.every((b) => b < 0x80)).toBe(true);
        expect(getGroups(bytes, 0, U53_GROUP_BYTES)).toBe(lsn);
        expect(getGroups(bytes, U53_GROUP_BYTES, U32_GROUP_BYTES, 0xffffffff)).toBe(u32);
      }),
    );
    expect(getGroups(new Uint8Array([1, 0x80, 0, 0, 0]), 0, 5)).toBeUndefined();
    expect(getGroups(new Uint8Array([1, 0]), 0, 5)).toBeUndefined();
    expect(
      getGroups(new Uint8Array([0x7f, 0x7f, 0x7f, 0x7f, 0x7f]), 0, 5, 0xffffffff),
    ).toBeUndefined();
    expect(() => putGroups(new Uint8Array(5), 0, 2 ** 35, 5)).toThrow(/7-bit groups/);
  });
});
