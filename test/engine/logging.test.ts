// Tests for src/engine/logging.ts: records round-trip any strings; the reader never throws on any
// bytes; hand-made damage is classified as a torn tail or as damage in the middle, at the right offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at } from '../../src/engine/errors.js';
import { concatBytes } from '../../src/engine/bytes.js';
import {
  RECORD_AT,
  RECORD_HEADER_BYTES,
  WAL_HEADER_BYTES,
  encodeRecord,
  encodeWalHeader,
  loadLog,
  readLog,
  type WriteOp,
} from '../../src/engine/logging.js';
import { checkProperty } from '../seed.js';

/** XOR one byte in place (test damage). */
function flip(bytes: Uint8Array, offset: number, mask: number): void {
  bytes[offset] = at(bytes, offset, 'byte to flip') ^ mask;
}

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const anyOp: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: anyText, value: anyText }),
  fc.record({ op: fc.constant('del' as const), key: anyText }),
);
const tricky = ['', '|', '\n', 'a|b\nc', '"quoted"', '😀', '\u0000', 'é', '\r\n'];

/** A log of `n` single-put records, with the offset where each record starts. */
function makeLog(n: number, baseLsn = 0): { bytes: Uint8Array; offsets: number[] } {
  const parts = [encodeWalHeader(baseLsn)];
  const offsets: number[] = [];
  let at = WAL_HEADER_BYTES;
  for (let i = 1; i <= n; i++) {
    const record = encodeRecord(baseLsn + i, [{ op: 'put', key: `k${i}`, value: `value-${i}` }]);
    offsets.push(at);
    at += record.length;
    parts.push(record);
  }
  return { bytes: concatBytes(parts), offsets };
}

describe('the log', () => {
  it('keeps every record it encoded unchanged while later records are cut from the same slabs', () => {
    const value = (i: number): string => String(i).padStart(150 + (i % 7), 'v');
    const first = encodeRecord(1, [{ op: 'put', key: 'k1', value: value(1) }]);
    const kept = first.slice();
    const records = [first];
    // About 180 bytes each: 1,000 records fill more than two 64 KiB slabs; one record is over 4 KiB.
    for (let lsn = 2; lsn <= 1000; lsn++) {
      const v = lsn === 500 ? 'x'.repeat(5000) : value(lsn);
      records.push(encodeRecord(lsn, [{ op: 'put', key: `k${lsn}`, value: v }]));
    }
    expect(first).toEqual(kept);
    records.forEach((r, i) => {
      const parsed = readLog(concatBytes([encodeWalHeader(i), r]), 'kvlab.wal');
      expect(parsed.records.map((x) => x.lsn)).toEqual([i + 1]);
    });
  });

  it('round-trips any strings, in single records and batches', () => {
    checkProperty(
      'log records round-trip',
      fc.property(
        fc.array(fc.array(anyOp, { minLength: 1, maxLength: 4 }), { maxLength: 8 }),
        (writes) => {
          const bytes = concatBytes([
            encodeWalHeader(7),
            ...writes.map((ops, i) => encodeRecord(8 + i, ops)),
          ]);
          const read = readLog(bytes, 'kvlab.wal');
          expect(read.dropped).toEqual([]);
          expect(read.records.map((r) => r.ops)).toEqual(writes);
          expect(read.records.map((r) => r.lsn)).toEqual(writes.map((_, i) => 8 + i));
        },
      ),
    );
    const ops = tricky.map((t): WriteOp => ({ op: 'put', key: t, value: t }));
    expect(
      readLog(concatBytes([encodeWalHeader(0), encodeRecord(1, ops)]), 'w').records[0]?.ops,
    ).toEqual(ops);
  });

  it('keeps a leading U+FEFF in keys and values, in PUT, DEL and BATCH records', () => {
    const bom = '\uFEFF';
    const records: WriteOp[][] = [
      [{ op: 'put', key: `${bom}k`, value: `${bom}v` }],
      [{ op: 'del', key: `${bom}k` }],
      [
        { op: 'put', key: bom, value: bom },
        { op: 'del', key: `${bom}x` },
      ],
    ];
    const bytes = concatBytes([
      encodeWalHeader(0),
      ...records.map((ops, i) => encodeRecord(i + 1, ops)),
    ]);
    expect(readLog(bytes, 'w').records.map((r) => r.ops)).toEqual(records);
  });

  it('never throws on arbitrary bytes, and accounts for every byte', () => {
    checkProperty(
      'log reader is total',
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (noise, withHeader) => {
        const bytes = withHeader ? concatBytes([encodeWalHeader(0), noise]) : noise;
        const read = readLog(bytes, 'kvlab.wal');
        const used =
          read.records.reduce((n, r) => n + r.lengthBytes, 0) +
          read.dropped.reduce((n, d) => n + d.lengthBytes, 0);
        expect(used + (read.baseLsn === undefined ? 0 : WAL_HEADER_BYTES)).toBe(bytes.length);
      }),
    );
  });

  it('reads a torn final record, cut at every byte, as a torn tail', () => {
    const { bytes, offsets } = makeLog(3);
    const last = at(offsets, 2);
    for (let cut = last + 1; cut < bytes.length; cut++) {
      const read = readLog(bytes.subarray(0, cut), 'kvlab.wal');
      expect(read.records.map((r) => r.lsn)).toEqual([1, 2]);
      expect(read.dropped).toEqual([
        {
          file: 'kvlab.wal',
          offsetBytes: last,
          lengthBytes: cut - last,
          reason: expect.any(String),
          followedByValid: false,
          lsnBefore: 2,
        },
      ]);
    }
  });

  it('reads a zero-filled tail as a torn tail', () => {
    const { bytes, offsets } = makeLog(3);
    const zeroed = bytes.slice();
    zeroed.fill(0, offsets[2]);
    const read = readLog(zeroed, 'kvlab.wal');
    expect(read.records).toHaveLength(2);
    expect(read.dropped[0]).toMatchObject({ offsetBytes: offsets[2], followedByValid: false });
  });

  it('reports a bad length and a checksum mismatch in the middle as damage followed by intact records', () => {
    const { bytes, offsets } = makeLog(4);
    const badLength = bytes.slice();
    badLength[at(offsets, 1) + RECORD_AT.length + 4] = 0x7f; // 7-bit groups: far above 64 MiB
    expect(readLog(badLength, 'w').dropped).toEqual([
      {
        file: 'w',
        offsetBytes: offsets[1],
        lengthBytes: at(offsets, 2) - at(offsets, 1),
        reason: 'bad-length',
        followedByValid: true,
        lsnBefore: 1,
      },
    ]);
    const flipped = bytes.slice();
    const flipAt = at(offsets, 1) + RECORD_HEADER_BYTES + 2;
    flip(flipped, flipAt, 0x01);
    const read = readLog(flipped, 'w');
    expect(read.dropped).toEqual([
      {
        file: 'w',
        offsetBytes: offsets[1],
        lengthBytes: at(offsets, 2) - at(offsets, 1),
        reason: 'bad-checksum',
        followedByValid: true,
        lsnBefore: 1,
      },
    ]);
    expect(read.records.map((r) => r.lsn)).toEqual([1, 3, 4]);
  });

  it('reports a missing header, a damaged header and an empty file', () => {
    const { bytes } = makeLog(2);
    expect(readLog(new Uint8Array(), 'w').dropped).toEqual([
      {
        file: 'w',
        offsetBytes: 0,
        lengthBytes: 0,
        reason: 'missing-header',
        followedByValid: false,
        lsnBefore: 0,
      },
    ]);
    const noHeader = bytes.subarray(WAL_HEADER_BYTES);
    const read = readLog(noHeader, 'w');
    expect(read.baseLsn).toBeUndefined();
    expect(read.dropped[0]?.reason).toBe('bad-header');
    expect(read.records.map((r) => r.lsn)).toEqual([1, 2]); // salvage can still find them
    const badMagic = bytes.slice();
    badMagic[0] = 0;
    expect(readLog(badMagic, 'w').dropped[0]).toMatchObject({
      offsetBytes: 0,
      reason: 'bad-header',
    });
  });

  it('reports an intact record with an unexpected LSN', () => {
    const bytes = concatBytes([
      encodeWalHeader(0),
      encodeRecord(1, [{ op: 'del', key: 'a' }]),
      encodeRecord(5, [{ op: 'del', key: 'b' }]),
    ]);
    const read = readLog(bytes, 'w');
    expect(read.records.map((r) => r.lsn)).toEqual([1]);
    expect(read.dropped[0]?.reason).toBe('lsn-out-of-order');
  });

  it('loads a large log as readLog reads it, intact, after any flip and at any cut', () => {
    // Over 256 KiB, so that loadLog takes its fast path: puts, deletes, batches, and some text that
    // is not ASCII (its region is then decoded op by op).
    const records: Uint8Array[] = [encodeWalHeader(10)];
    for (let i = 0; i < 3000; i++) {
      const key = `key${i % 700}`;
      const ops: WriteOp[] =
        i % 10 === 3
          ? [{ op: 'del', key }]
          : i % 10 === 7
            ? [
                { op: 'put', key, value: 'b'.repeat(50) },
                { op: 'del', key: `${key}x` },
              ]
            : [{ op: 'put', key, value: i === 1500 ? `é😀${'v'.repeat(80)}` : 'v'.repeat(90) }];
      records.push(encodeRecord(11 + i, ops, 10 + i));
    }
    const bytes = concatBytes(records);
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    expect(loadLog(bytes, 'w')).toEqual(readLog(bytes, 'w'));
    checkProperty(
      'loadLog agrees with readLog on a large log',
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (where, mask, cut) => {
        const damaged = bytes.slice();
        const offset = where % bytes.length;
        if (!cut) flip(damaged, offset, mask);
        const file = cut ? damaged.subarray(0, offset) : damaged;
        expect(loadLog(file, 'w')).toEqual(readLog(file, 'w'));
      }),
      { numRuns: 25 },
    );
  });

  it('loads a large all-ASCII log as one string per region, as readLog reads it', () => {
    // One region (up to 1 MiB) of ASCII text only: the fast path slices keys and values out of it.
    const records: Uint8Array[] = [encodeWalHeader(0)];
    for (let i = 0; i < 3000; i++) {
      const ops: WriteOp[] =
        i % 4 === 0
          ? [{ op: 'del', key: `k${i - 1}` }]
          : [{ op: 'put', key: `k${i}`, value: `${i}`.padEnd(100, '~') }];
      records.push(encodeRecord(1 + i, ops, i));
    }
    const bytes = concatBytes(records);
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    const loaded = loadLog(bytes, 'w');
    expect(loaded).toEqual(readLog(bytes, 'w'));
    expect(loaded.records[2999]?.ops).toEqual([
      { op: 'put', key: 'k2999', value: '2999'.padEnd(100, '~') },
    ]);
  });
});
