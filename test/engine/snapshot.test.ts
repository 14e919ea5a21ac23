// Tests for src/engine/snapshot.ts: round trip of any entries; truncation at every byte and a flip of
// every byte are detected (KVStore v3's loader trusted its file); salvage keeps every intact entry;
// loadSnapshot's fast path reads exactly what readSnapshot reads, damaged or not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  concatBytes,
  countHighBytes,
  getU32Groups,
  putU32Groups,
} from '../../src/engine/bytes.js';
import { crc32 } from '../../src/engine/crc32.js';
import { at } from '../../src/engine/errors.js';
import {
  ENTRY_HEADER_BYTES,
  encodeSnapshot,
  loadSnapshot,
  readSnapshot,
  SNAPSHOT_CHUNK_BYTES,
  SNAPSHOT_HEADER_BYTES,
  Slabs,
} from '../../src/engine/snapshot.js';
import { checkProperty } from '../seed.js';

/** XOR one byte in place (test damage). */
function flip(bytes: Uint8Array, offset: number, mask: number): void {
  bytes[offset] = at(bytes, offset, 'byte to flip') ^ mask;
}

function encode(lsn: number, entries: [string, string][]): Uint8Array {
  return concatBytes(encodeSnapshot(lsn, entries.length, entries));
}

/** Recompute every entry's CRC and the whole-file CRC in place: a file damaged by a careless writer. */
function reseal(bytes: Uint8Array): void {
  let offset = SNAPSHOT_HEADER_BYTES;
  const end = bytes.length - 14;
  while (offset < end) {
    const entryEnd =
      offset +
      ENTRY_HEADER_BYTES +
      getU32Groups(bytes, offset + 6) +
      getU32Groups(bytes, offset + 11);
    putU32Groups(bytes, offset + 1, crc32(bytes, offset + 6, entryEnd));
    offset = entryEnd;
  }
  putU32Groups(bytes, end + 9, crc32(bytes, 0, end + 9));
}

/** A snapshot over 256 KiB, so that loadSnapshot reads it by regions: 3,000 entries of about 110 B. */
function largeEntries(): [string, string][] {
  return Array.from({ length: 3000 }, (_, i): [string, string] => [
    `key${String(i).padStart(6, '0')}`,
    i === 1500 ? `é${'x'.repeat(90)}` : `${i}`.padEnd(90, 'v'),
  ]);
}

describe('the snapshot', () => {
  it('round-trips any sorted entries', () => {
    checkProperty(
      'snapshot round-trips',
      fc.property(
        fc.nat(),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), {
          maxKeys: 20,
        }),
        (lsn, dict) => {
          const entries = Object.entries(dict).sort((a, b) => compareKeys(a[0], b[0]));
          expect(readSnapshot(encode(lsn, entries), 's')).toEqual({
            version: 2,
            lsn,
            entries,
            dropped: [],
          });
        },
      ),
    );
  });

  it('detects truncation at every length and a flip of every byte', () => {
    const entries: [string, string][] = [
      ['a', '1'],
      ['b', 'two'],
      ['c', ''],
    ];
    const bytes = encode(9, entries);
    for (let n = 0; n < bytes.length; n++) {
      expect(readSnapshot(bytes.subarray(0, n), 's').dropped, `cut at ${n}`).toHaveLength(1);
    }
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flip(flipped, i, 0x10);
      expect(readSnapshot(flipped, 's').dropped, `flip at ${i}`).toHaveLength(1);
    }
    expect(readSnapshot(concatBytes([bytes, new Uint8Array([0])]), 's').dropped).toHaveLength(1);
  });

  it('keeps every intact entry after a damaged one: the reader resyncs at the next marker', () => {
    const entries: [string, string][] = [
      ['a', '1'],
      ['b', 'two'],
      ['c', 'ÿ\u00ff not an entry'],
      ['d', '4'],
    ];
    const bytes = encode(9, entries);
    const second = bytes.indexOf(0xff, SNAPSHOT_HEADER_BYTES + 1);
    for (let at = second; at < second + ENTRY_HEADER_BYTES + 4; at++) {
      const flipped = bytes.slice();
      flip(flipped, at, 0x01);
      const read = readSnapshot(flipped, 's');
      expect(read.entries, `flip at ${at}`).toEqual([entries[0], entries[2], entries[3]]);
      expect(read.dropped, `flip at ${at}`).toMatchObject([
        { offsetBytes: second, lengthBytes: ENTRY_HEADER_BYTES + 4, followedByValid: true },
      ]);
    }
  });

  it('splits a large snapshot into bounded chunks', () => {
    const entries = Array.from({ length: 3000 }, (_, i): [string, string] => [
      `k${String(i).padStart(5, '0')}`,
      'x'.repeat(40),
    ]);
    const chunks = encodeSnapshot(1, entries.length, entries);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThan(SNAPSHOT_CHUNK_BYTES + 200);
    expect(readSnapshot(concatBytes(chunks), 's').entries).toEqual(entries);
  });

  it('loads what readSnapshot reads, intact or damaged, as columns when intact', () => {
    checkProperty(
      'loadSnapshot agrees with readSnapshot',
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), {
          maxKeys: 12,
        }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        (dict, where, damage) => {
          const entries = Object.entries(dict).sort((a, b) => compareKeys(a[0], b[0]));
          const bytes = encode(7, entries);
          const offset = where % bytes.length;
          if (damage === 1) flip(bytes, offset, 1 + (where % 255));
          const file = damage === 2 ? bytes.subarray(0, offset) : bytes;
          const careful = readSnapshot(file, 's');
          const fast = loadSnapshot(file, 's');
          expect(fast.version).toBe(careful.version);
          expect(fast.lsn).toBe(careful.lsn);
          expect(fast.dropped).toEqual(careful.dropped);
          expect(fast.entries).toEqual(careful.entries);
          if (careful.dropped.length === 0) {
            expect(fast.columns?.keys).toEqual(entries.map(([key]) => key));
            expect(fast.columns?.values).toEqual(entries.map(([, value]) => value));
          }
        },
      ),
    );
  });

  it('loads entries across many text runs, ASCII or not, and a value larger than a run', () => {
    const entries = Array.from({ length: 6000 }, (_, i): [string, string] => [
      `k${String(i).padStart(5, '0')}`,
      i === 4000 ? 'é'.repeat(50) : i === 5000 ? 'v'.repeat(300_000) : `${i}`.repeat(20),
    ]);
    const read = loadSnapshot(encode(3, entries), 's');
    expect(read.dropped).toEqual([]);
    expect(read.columns?.keys).toEqual(entries.map(([key]) => key));
    expect(read.columns?.values).toEqual(entries.map(([, value]) => value));
  });

  it('loads a large file as readSnapshot reads it, after any flip or cut', () => {
    const entries = largeEntries();
    const bytes = encode(5, entries);
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    const whole = loadSnapshot(bytes, 's');
    expect(whole.dropped).toEqual([]);
    expect(whole.columns?.keys).toEqual(entries.map(([key]) => key));
    expect(whole.columns?.values).toEqual(entries.map(([, value]) => value));
    checkProperty(
      'loadSnapshot agrees with readSnapshot on a large file',
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (where, mask, cut) => {
        const damaged = bytes.slice();
        const offset = where % bytes.length;
        if (!cut) flip(damaged, offset, mask);
        const file = cut ? damaged.subarray(0, offset) : damaged;
        const fast = loadSnapshot(file, 's');
        const careful = readSnapshot(file, 's');
        expect(fast.dropped).toEqual(careful.dropped);
        expect(fast.entries).toEqual(careful.entries);
      }),
      { numRuns: 25 },
    );
  });

  it("refuses a 0xFF in a large file's text even when every CRC holds", () => {
    const bytes = encode(5, largeEntries());
    const inValue = SNAPSHOT_HEADER_BYTES + 200_000;
    const at0 = bytes.indexOf(0x76, inValue); // a 'v' of some value
    bytes[at0] = 0xff;
    reseal(bytes);
    const careful = readSnapshot(bytes, 's');
    expect(careful.dropped).toHaveLength(1);
    expect(loadSnapshot(bytes, 's')).toEqual(careful);
  });

  it('gives one verdict at every size to an entry whose CRC is wrong under a right file CRC', () => {
    const small = largeEntries().slice(0, 100);
    for (const entries of [small, largeEntries()]) {
      const bytes = encode(5, entries);
      // The 40th entry's CRC made wrong, then only the whole-file CRC recomputed: a writer's bug.
      let offset = SNAPSHOT_HEADER_BYTES;
      for (let i = 0; i < 40; i++)
        offset +=
          ENTRY_HEADER_BYTES + getU32Groups(bytes, offset + 6) + getU32Groups(bytes, offset + 11);
      putU32Groups(bytes, offset + 1, (getU32Groups(bytes, offset + 1) ^ 1) >>> 0);
      const trailerAt = bytes.length - 14;
      putU32Groups(bytes, trailerAt + 9, crc32(bytes, 0, trailerAt + 9));
      const careful = readSnapshot(bytes, 's');
      expect(careful.dropped.map((d) => d.reason)).toEqual(['bad-checksum']);
      expect(loadSnapshot(bytes, 's')).toEqual(careful);
    }
  });

  it('counts the bytes at or above 0x80 at any alignment', () => {
    const bytes = new Uint8Array(64).map((_, i) => (i % 7 === 0 ? 0x80 + i : i));
    for (let from = 0; from < 9; from++) {
      for (const to of [from, from + 1, 40, 63, 64]) {
        let naive = 0;
        for (let i = from; i < to; i++) if ((bytes[i] ?? 0) >= 0x80) naive++;
        expect(countHighBytes(bytes.subarray(1), from, Math.min(63, to)), `${from}..${to}`).toBe(
          (() => {
            let n = 0;
            for (let i = from + 1; i < Math.min(63, to) + 1; i++) if ((bytes[i] ?? 0) >= 0x80) n++;
            return n;
          })(),
        );
        expect(countHighBytes(bytes, from, to), `${from}..${to}`).toBe(naive);
      }
    }
  });

  it('hands out disjoint zeroed pieces from slabs, a larger slab when one is full', () => {
    const slabs = new Slabs(100);
    const pieces = [30, 50, 40, 150, 10].map((n) => slabs.take(n));
    expect(pieces.map((p) => p.length)).toEqual([30, 50, 40, 150, 10]);
    for (const p of pieces) expect(p.every((b) => b === 0)).toBe(true);
    for (const [i, p] of pieces.entries()) p.fill(i + 1);
    // Each piece still holds only its own fill: none overlaps another.
    for (const [i, p] of pieces.entries()) expect(p.every((b) => b === i + 1)).toBe(true);
    expect(pieces[1]?.buffer).toBe(pieces[0]?.buffer);
    expect(pieces[2]?.buffer).not.toBe(pieces[0]?.buffer);
  });

  it('falls back to the careful reader on keys out of order', () => {
    const bytes = encode(1, [
      ['b', '1'],
      ['c', '2'],
    ]);
    // Put the intact entry of key "a" (same size) where "c" was: every entry CRC holds, the order not.
    const other = encode(1, [['a', '2']]);
    const entryBytes = ENTRY_HEADER_BYTES + 2;
    const second = SNAPSHOT_HEADER_BYTES + entryBytes;
    bytes.set(other.subarray(SNAPSHOT_HEADER_BYTES, SNAPSHOT_HEADER_BYTES + entryBytes), second);
    const careful = readSnapshot(bytes, 's');
    expect(careful.dropped[0]).toMatchObject({ offsetBytes: second, reason: 'bad-payload' });
    expect(loadSnapshot(bytes, 's')).toEqual(careful);
  });

  it('keeps a leading U+FEFF in keys and values', () => {
    const entries: [string, string][] = [
      ['\uFEFF', '\uFEFFv'],
      ['\uFEFFk', ''],
    ];
    const bytes = encode(2, entries);
    expect(readSnapshot(bytes, 's').entries).toEqual(entries);
    expect(loadSnapshot(bytes, 's').entries).toEqual(entries);
  });
});
