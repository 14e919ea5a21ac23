// Tests for src/io/native.ts: the native decoder the shell installs returns exactly what the engine's
// portable one returns, so a snapshot loads to the same strings with or without it.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { installOneByteText, oneByteText } from '../../src/engine/bytes.js';
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
});
