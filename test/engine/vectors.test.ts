// The test vectors of spec/format.md (spec/vectors/format.json): the encoders produce exactly these
// bytes, and the readers decode them back to the inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeWalHeader,
  encodeRecord,
  encodeWalHeader,
  parseRecordAt,
  type WriteOp,
} from '../../src/engine/logging.js';
import { encodeSnapshot, readSnapshot } from '../../src/engine/snapshot.js';

interface Vectors {
  walHeader: { baseLsn: number; hex: string }[];
  records: { lsn: number; ops: WriteOp[]; hex: string }[];
  snapshots: { lsn: number; entries: [string, string][]; hex: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../spec/vectors/format.json', import.meta.url), 'utf8'),
) as Vectors;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('spec/vectors/format.json', () => {
  it('holds vectors for every format', () => {
    expect(vectors.walHeader.length).toBeGreaterThan(0);
    expect(vectors.records.map((r) => r.ops.length > 1 || r.ops[0]?.op)).toEqual([
      'put',
      'del',
      'put',
      'put',
      true,
    ]);
    expect(vectors.snapshots.length).toBeGreaterThan(1);
  });

  it.each(vectors.walHeader)('log header, base LSN $baseLsn', ({ baseLsn, hex: expected }) => {
    expect(hex(encodeWalHeader(baseLsn))).toBe(expected);
    expect(decodeWalHeader(bytes(expected))).toEqual({ baseLsn });
  });

  it.each(vectors.records)('record at LSN $lsn', ({ lsn, ops, hex: expected }) => {
    expect(hex(encodeRecord(lsn, ops))).toBe(expected);
    const parsed = parseRecordAt(bytes(expected), 0);
    expect(parsed.ok && parsed.record).toMatchObject({
      lsn,
      ops,
      offsetBytes: 0,
      lengthBytes: expected.length / 2,
    });
  });

  it.each(vectors.snapshots)('snapshot at LSN $lsn', ({ lsn, entries, hex: expected }) => {
    expect(hex(Buffer.concat(encodeSnapshot(lsn, entries.length, entries)))).toBe(expected);
    expect(readSnapshot(bytes(expected), 'kvlab.snap')).toEqual({ lsn, entries, dropped: [] });
  });
});
