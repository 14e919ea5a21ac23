// The test vectors of spec/format.md: spec/vectors/format-v2.json (the encoders produce exactly
// these bytes, the readers decode them back, and logLayout/snapshotLayout lay them out field by
// field) and spec/vectors/format-v1.json (the strict v1 readers still decode what kvlab 0.1 wrote).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/engine/bytes.js';
import { readLogV1, readSnapshotV1 } from '../../src/engine/format-v1.js';
import { logLayout, snapshotLayout, type LayoutField } from '../../src/engine/layout.js';
import {
  decodeWalHeader,
  encodeRecord,
  encodeWalHeader,
  parseRecordAt,
  RECORD_MARKER,
  type WriteOp,
} from '../../src/engine/logging.js';
import { encodeSnapshot, readSnapshot } from '../../src/engine/snapshot.js';

interface Vectors {
  walHeader: { baseLsn: number; hex: string }[];
  records: { lsn: number; syncedLsn?: number; ops: WriteOp[]; hex: string }[];
  snapshots: { lsn: number; entries: [string, string][]; hex: string }[];
  logLayouts?: { what: string; hex: string; layout: LayoutField[] }[];
  snapshotLayouts?: { what: string; hex: string; layout: LayoutField[] }[];
}

const load = (name: string): Vectors =>
  JSON.parse(readFileSync(new URL(`../../spec/vectors/${name}`, import.meta.url), 'utf8'));
const v2 = load('format-v2.json');
const v1 = load('format-v1.json');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('spec/vectors/format-v2.json', () => {
  it('holds vectors for every format, and layouts of whole, torn and damaged files', () => {
    expect(v2.walHeader.length).toBeGreaterThan(0);
    expect(v2.records.map((r) => r.ops.length > 1 || r.ops[0]?.op)).toEqual([
      'put',
      'del',
      'put',
      'put',
      true,
      'put',
    ]);
    expect(v2.snapshots.length).toBeGreaterThan(1);
    expect(v2.logLayouts?.length).toBe(3);
    expect(v2.snapshotLayouts?.length).toBe(2);
  });

  it.each(v2.walHeader)('log header, base LSN $baseLsn', ({ baseLsn, hex: expected }) => {
    expect(hex(encodeWalHeader(baseLsn))).toBe(expected);
    expect(decodeWalHeader(bytes(expected))).toEqual({ baseLsn });
  });

  it.each(v2.records)('record at LSN $lsn', ({ lsn, syncedLsn, ops, hex: expected }) => {
    expect(hex(encodeRecord(lsn, ops, syncedLsn))).toBe(expected);
    const encoded = bytes(expected);
    // The marker is the first byte and no other byte of a record.
    expect(encoded[0]).toBe(RECORD_MARKER);
    expect(encoded.indexOf(RECORD_MARKER, 1)).toBe(-1);
    const parsed = parseRecordAt(encoded, 0);
    expect(parsed.ok && parsed.record).toEqual({
      lsn,
      syncedLsn,
      ops,
      offsetBytes: 0,
      lengthBytes: expected.length / 2,
    });
  });

  it.each(v2.snapshots)('snapshot at LSN $lsn', ({ lsn, entries, hex: expected }) => {
    expect(hex(concatBytes(encodeSnapshot(lsn, entries.length, entries)))).toBe(expected);
    expect(readSnapshot(bytes(expected), 'kvlab.snap')).toEqual({
      version: 2,
      lsn,
      entries,
      dropped: [],
    });
  });

  it.each(v2.logLayouts ?? [])('log layout: $what', ({ hex: file, layout }) => {
    expect(logLayout(bytes(file))).toEqual(layout);
    expectTiling(layout, file.length / 2);
  });

  it.each(v2.snapshotLayouts ?? [])('snapshot layout: $what', ({ hex: file, layout }) => {
    expect(snapshotLayout(bytes(file))).toEqual(layout);
    expectTiling(layout, file.length / 2);
  });
});

/** The fields cover the file exactly, in order, without overlap. */
function expectTiling(layout: readonly LayoutField[], sizeBytes: number): void {
  let offset = 0;
  for (const f of layout) {
    expect(f.offsetBytes, f.field).toBe(offset);
    offset += f.lengthBytes;
  }
  expect(offset).toBe(sizeBytes);
}

describe('spec/vectors/format-v1.json: the strict v1 readers', () => {
  it('read every v1 record, in a log after a v1 header', () => {
    const header = v1.walHeader[0];
    expect(header?.baseLsn).toBe(0);
    const log = concatBytes([bytes(header?.hex ?? ''), ...v1.records.map((r) => bytes(r.hex))]);
    const read = readLogV1(log, 'kvlab.wal');
    expect(read.dropped).toEqual([]);
    expect(read.records.map((r) => [r.lsn, r.ops])).toEqual(v1.records.map((r) => [r.lsn, r.ops]));
  });

  it.each(v1.snapshots)('read the v1 snapshot at LSN $lsn', ({ lsn, entries, hex: file }) => {
    expect(readSnapshotV1(bytes(file), 'kvlab.snap')).toEqual({
      version: 1,
      lsn,
      entries,
      dropped: [],
    });
  });
});
