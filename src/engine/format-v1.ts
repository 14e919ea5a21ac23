// A minimal, strict reader of format v1 (kvlab 0.1: u32 little-endian lengths, no record marker),
// kept so that a v1 store opens and is upgraded to v2 by its first writable open (recovery.ts plans
// the rewrite). It reads an intact file only: v1's byte-by-byte resync could land inside a user's
// value, so this reader never resyncs; any damage ends the read, and recovery refuses it
// (spec/format.md, "v1").

import { compareKeys, fromUtf8, getU64, viewOf } from './bytes.js';
import { crc32 } from './crc32.js';
import type { Dropped, DropReason, LogReadResult, LogRecord, WriteOp } from './logging.js';

/** The version field of a v1 file. */
export const V1 = 1;
/** v1 log header: magic (4) + version (4) + base LSN (8) + CRC (4). */
const V1_WAL_HEADER_BYTES = 20;
/** v1 record header: CRC (4) + payload length (4) + LSN (8) + type (1). */
const V1_RECORD_HEADER_BYTES = 17;
/** v1 snapshot header: magic (4) + version (4) + LSN (8) + count (4) + CRC (4). */
const V1_SNAPSHOT_HEADER_BYTES = 24;
/** v1 entry header: CRC (4) + key length (4) + value length (4). */
const V1_ENTRY_HEADER_BYTES = 12;

/**
 * True when `bytes` start with an intact v1 log header (magic, version 1, its CRC): only then is a
 * log read as v1. A v2 header whose version field a flipped bit turned into 1 fails the v1 CRC, so it
 * stays a damaged v2 log, which salvage can still read, instead of a "damaged v1 log" every mode
 * refuses.
 */
export function isV1Log(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < V1_WAL_HEADER_BYTES || !startsWith(bytes, magic)) return false;
  const view = viewOf(bytes);
  return view.getUint32(4, true) === V1 && view.getUint32(16, true) === crc32(bytes, 0, 16);
}

/** True when `bytes` start with an intact v1 snapshot header (magic, version 1, its CRC). */
export function isV1Snapshot(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < V1_SNAPSHOT_HEADER_BYTES || !startsWith(bytes, magic)) return false;
  const view = viewOf(bytes);
  return view.getUint32(4, true) === V1 && view.getUint32(20, true) === crc32(bytes, 0, 20);
}

function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/**
 * Decode a v1 BATCH payload: count u32, then per op: op u8, key length u32, value length u32, key,
 * value.
 */
function v1Batch(payload: Uint8Array, view: DataView): WriteOp[] | undefined {
  const count = view.getUint32(0, true);
  const ops: WriteOp[] = [];
  let offset = 4;
  // Bounded by the payload: each op takes at least 9 bytes.
  for (let i = 0; i < count && offset + 9 <= payload.length; i++) {
    const op = payload[offset];
    const keyBytes = view.getUint32(offset + 1, true);
    const end = offset + 9 + keyBytes + view.getUint32(offset + 5, true);
    if (end > payload.length) return undefined;
    const key = fromUtf8(payload.subarray(offset + 9, offset + 9 + keyBytes));
    const value = fromUtf8(payload.subarray(offset + 9 + keyBytes, end));
    if (key === undefined || value === undefined || (op !== 1 && op !== 2)) return undefined;
    ops.push(op === 1 ? { op: 'put', key, value } : { op: 'del', key });
    offset = end;
  }
  return offset === payload.length && ops.length === count ? ops : undefined;
}

function v1Payload(type: number | undefined, payload: Uint8Array): WriteOp[] | undefined {
  const view = viewOf(payload);
  if (type === 2) {
    const key = fromUtf8(payload);
    return key === undefined ? undefined : [{ op: 'del', key }];
  }
  if (type === 3) return payload.length < 4 ? undefined : v1Batch(payload, view);
  if (type !== 1 || payload.length < 4) return undefined;
  const keyBytes = view.getUint32(0, true);
  if (4 + keyBytes > payload.length) return undefined;
  const key = fromUtf8(payload.subarray(4, 4 + keyBytes));
  const value = fromUtf8(payload.subarray(4 + keyBytes));
  return key === undefined || value === undefined ? undefined : [{ op: 'put', key, value }];
}

/** The v1 record at `offset` that carries `lsn`, or the reason there is none. */
function v1RecordAt(bytes: Uint8Array, offset: number, lsn: number): LogRecord | DropReason {
  if (bytes.length - offset < V1_RECORD_HEADER_BYTES) return 'truncated-record';
  const view = viewOf(bytes);
  const end = offset + V1_RECORD_HEADER_BYTES + view.getUint32(offset + 4, true);
  if (end > bytes.length) return 'truncated-record';
  if (view.getUint32(offset, true) !== crc32(bytes, offset + 4, end)) return 'bad-checksum';
  if (getU64(view, offset + 8) !== lsn) return 'lsn-out-of-order';
  const ops = v1Payload(bytes[offset + 16], bytes.subarray(offset + V1_RECORD_HEADER_BYTES, end));
  if (ops === undefined) return 'bad-payload';
  return { lsn, syncedLsn: lsn - 1, ops, offsetBytes: offset, lengthBytes: end - offset };
}

function v1Drop(file: string, bytes: Uint8Array, offset: number, reason: DropReason, lsn: number) {
  const region: Dropped = {
    file,
    offsetBytes: offset,
    lengthBytes: bytes.length - offset,
    reason,
    followedByValid: false,
    lsnBefore: lsn,
  };
  return region;
}

/** Read a v1 log strictly: the intact records up to the first problem, which ends the read. */
export function readLogV1(bytes: Uint8Array, file: string): LogReadResult {
  const view = viewOf(bytes);
  const headerOk =
    bytes.length >= V1_WAL_HEADER_BYTES &&
    view.getUint32(4, true) === V1 &&
    view.getUint32(16, true) === crc32(bytes, 0, 16);
  const baseLsn = headerOk ? getU64(view, 8) : undefined;
  if (baseLsn === undefined)
    return {
      version: V1,
      baseLsn,
      records: [],
      dropped: [v1Drop(file, bytes, 0, 'bad-header', 0)],
    };
  const records: LogRecord[] = [];
  let offset = V1_WAL_HEADER_BYTES;
  // Each turn consumes one record of at least 17 bytes: bounded by the file.
  while (offset < bytes.length) {
    const lsn = baseLsn + records.length + 1;
    const record = v1RecordAt(bytes, offset, lsn);
    if (typeof record === 'string') {
      const dropped = [v1Drop(file, bytes, offset, record, lsn - 1)];
      return { version: V1, baseLsn, records, dropped };
    }
    records.push(record);
    offset += record.lengthBytes;
  }
  return { version: V1, baseLsn, records, dropped: [] };
}

/** What readSnapshotV1 returns: the same shape as a v2 snapshot read. */
export interface SnapshotV1 {
  /** Always 1. */
  readonly version: typeof V1;
  /** The LSN the snapshot covers, or undefined when its header is damaged. */
  readonly lsn: number | undefined;
  /** The entries read, in key order; empty when anything is damaged (v1 is read strictly). */
  readonly entries: readonly (readonly [string, string])[];
  /** The first problem, if any: the strict reader stops there. */
  readonly dropped: readonly Dropped[];
}

/** Read a v1 snapshot strictly: header, `count` entries, trailer ("KVLE", count, file CRC). */
export function readSnapshotV1(bytes: Uint8Array, file: string): SnapshotV1 {
  const view = viewOf(bytes);
  const fail = (offset: number, reason: DropReason, lsn?: number): SnapshotV1 => ({
    version: V1,
    lsn,
    entries: [],
    dropped: [v1Drop(file, bytes, offset, reason, 0)],
  });
  if (bytes.length < V1_SNAPSHOT_HEADER_BYTES || view.getUint32(20, true) !== crc32(bytes, 0, 20))
    return fail(0, 'bad-header');
  const lsn = getU64(view, 8);
  const count = view.getUint32(16, true);
  const entries: [string, string][] = [];
  let offset = V1_SNAPSHOT_HEADER_BYTES;
  // Bounded by count and by the file: each entry takes at least 12 bytes.
  for (let i = 0; i < count && offset + V1_ENTRY_HEADER_BYTES <= bytes.length; i++) {
    const keyBytes = view.getUint32(offset + 4, true);
    const end = offset + V1_ENTRY_HEADER_BYTES + keyBytes + view.getUint32(offset + 8, true);
    if (end > bytes.length || view.getUint32(offset, true) !== crc32(bytes, offset + 4, end))
      return fail(offset, 'bad-checksum', lsn);
    const key = fromUtf8(bytes.subarray(offset + 12, offset + 12 + keyBytes));
    const value = fromUtf8(bytes.subarray(offset + 12 + keyBytes, end));
    const previous = entries[entries.length - 1];
    const ordered =
      previous === undefined || key === undefined || compareKeys(previous[0], key) < 0;
    if (key === undefined || value === undefined || !ordered)
      return fail(offset, 'bad-payload', lsn);
    entries.push([key, value]);
    offset = end;
  }
  const whole =
    entries.length === count &&
    bytes.length === offset + 12 &&
    view.getUint32(offset + 4, true) === count &&
    view.getUint32(offset + 8, true) === crc32(bytes, 0, offset + 8);
  return whole ? { version: V1, lsn, entries, dropped: [] } : fail(offset, 'bad-length', lsn);
}
