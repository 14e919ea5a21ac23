// The Logging layer (seed: kvstore_log_put, kvstore_log_del, kvstore_log_header, kvstore_crc_check,
// and the parsing half of kvstore_replay_log): the write-ahead log's byte format, its encoder, and a
// reader that reports what it dropped and why instead of throwing (LevelDB's log_reader.cc).
//
// The seed wrote text lines `PUT <key> <value>|<crc>\n`. A key or value holding `|` or a newline could
// not round-trip, and a line missing its `|` was read as the end of the log. We write length-prefixed
// binary records whose CRC covers everything after the CRC field. spec/format.md draws both layouts.

import { fromUtf8, getU64, putU32, putU64, utf8, viewOf } from './bytes.js';
import { crc32 } from './crc32.js';
import { assert } from './errors.js';

/** "KVLW": the first four bytes of every log. */
export const WAL_MAGIC = 0x574c_564b; // bytes 4B 56 4C 57 read as a little-endian u32
/** The log format version this code writes and reads. */
export const WAL_VERSION = 1;

/** Log header: magic (4) + version (4) + base LSN (8) + CRC of the preceding 16 bytes (4). */
export const WAL_HEADER_BYTES = 4 + 4 + 8 + 4;
/** Record header: CRC (4) + payload length (4) + LSN (8) + record type (1). */
export const RECORD_HEADER_BYTES = 4 + 4 + 8 + 1;
/** A batch op's header inside a BATCH payload: op (1) + key length (4) + value length (4). */
export const BATCH_OP_HEADER_BYTES = 1 + 4 + 4;
/** Payload bytes no record may exceed, whatever the options: a damaged length field cannot ask for more. */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;

/** Record types: one PUT, one DEL, or an atomic BATCH of both. */
export const RecordType = { put: 1, del: 2, batch: 3 } as const;

/** One write inside a record. */
export type WriteOp =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'del'; readonly key: string };

/** A decoded log record: all its ops apply together, under one LSN. */
export interface LogRecord {
  readonly lsn: number;
  readonly ops: readonly WriteOp[];
  /** Where the record starts in the file. */
  readonly offsetBytes: number;
  /** The record's size in the file, header included. */
  readonly lengthBytes: number;
}

/** Why a reader dropped bytes. */
export type DropReason =
  | 'missing-header'
  | 'bad-header'
  | 'truncated-record'
  | 'bad-length'
  | 'bad-checksum'
  | 'bad-payload'
  | 'lsn-out-of-order';

/** A region a reader did not use: where, how long, and why. */
export interface Dropped {
  readonly file: string;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  readonly reason: DropReason;
  /** True when an intact record follows the region: mid-file damage, not a torn tail. */
  readonly followedByValid: boolean;
}

/** The encoded header of a log whose first record will carry LSN baseLsn + 1. */
export function encodeWalHeader(baseLsn: number): Uint8Array {
  const bytes = new Uint8Array(WAL_HEADER_BYTES);
  const view = viewOf(bytes);
  putU32(view, 0, WAL_MAGIC);
  putU32(view, 4, WAL_VERSION);
  putU64(view, 8, baseLsn);
  putU32(view, 16, crc32(bytes, 0, 16));
  return bytes;
}

/** Decode a log header; undefined when absent or damaged. */
export function decodeWalHeader(bytes: Uint8Array): { baseLsn: number } | undefined {
  if (bytes.length < WAL_HEADER_BYTES) return undefined;
  const view = viewOf(bytes);
  if (view.getUint32(0, true) !== WAL_MAGIC || view.getUint32(4, true) !== WAL_VERSION)
    return undefined;
  if (view.getUint32(16, true) !== crc32(bytes, 0, 16)) return undefined;
  const baseLsn = getU64(view, 8);
  return baseLsn === undefined ? undefined : { baseLsn };
}

/** The record type and payload size for a list of ops. */
function payloadShape(
  ops: readonly WriteOp[],
  encoded: readonly [Uint8Array, Uint8Array][],
): { type: number; bytes: number } {
  const only = ops[0];
  if (ops.length === 1 && only !== undefined) {
    const [k, v] = encoded[0] as [Uint8Array, Uint8Array];
    return only.op === 'put'
      ? { type: RecordType.put, bytes: 4 + k.length + v.length }
      : { type: RecordType.del, bytes: k.length };
  }
  let bytes = 4;
  for (const [k, v] of encoded) bytes += BATCH_OP_HEADER_BYTES + k.length + v.length;
  return { type: RecordType.batch, bytes };
}

/**
 * Encode one record. PUT payload: key length (4) + key + value. DEL payload: key.
 * BATCH payload: op count (4), then per op: op (1: put, 2: del) + key length (4) + value length (4) + key + value.
 */
export function encodeRecord(lsn: number, ops: readonly WriteOp[]): Uint8Array {
  assert(ops.length > 0, 'a record holds at least one op');
  const encoded = ops.map((o): [Uint8Array, Uint8Array] => [
    utf8(o.key),
    o.op === 'put' ? utf8(o.value) : new Uint8Array(0),
  ]);
  const shape = payloadShape(ops, encoded);
  assert(shape.bytes <= RECORD_PAYLOAD_BYTES_MAX, 'record payload within the hard limit');
  const bytes = new Uint8Array(RECORD_HEADER_BYTES + shape.bytes);
  const view = viewOf(bytes);
  putU32(view, 4, shape.bytes);
  putU64(view, 8, lsn);
  bytes[16] = shape.type;
  let at = RECORD_HEADER_BYTES;
  if (shape.type === RecordType.put) {
    const [k, v] = encoded[0] as [Uint8Array, Uint8Array];
    putU32(view, at, k.length);
    bytes.set(k, at + 4);
    bytes.set(v, at + 4 + k.length);
  } else if (shape.type === RecordType.del) {
    bytes.set((encoded[0] as [Uint8Array, Uint8Array])[0], at);
  } else {
    putU32(view, at, ops.length);
    at += 4;
    ops.forEach((o, i) => {
      const [k, v] = encoded[i] as [Uint8Array, Uint8Array];
      bytes[at] = o.op === 'put' ? RecordType.put : RecordType.del;
      putU32(view, at + 1, k.length);
      putU32(view, at + 5, v.length);
      bytes.set(k, at + BATCH_OP_HEADER_BYTES);
      bytes.set(v, at + BATCH_OP_HEADER_BYTES + k.length);
      at += BATCH_OP_HEADER_BYTES + k.length + v.length;
    });
  }
  putU32(view, 0, crc32(bytes, 4));
  return bytes;
}

/** Decode a payload into ops; undefined when its inner lengths do not add up or its text is not UTF-8. */
function decodePayload(type: number, payload: Uint8Array): WriteOp[] | undefined {
  const view = viewOf(payload);
  if (type === RecordType.del) {
    const key = fromUtf8(payload);
    return key === undefined ? undefined : [{ op: 'del', key }];
  }
  if (type === RecordType.put) {
    if (payload.length < 4) return undefined;
    const keyBytes = view.getUint32(0, true);
    if (4 + keyBytes > payload.length) return undefined;
    const key = fromUtf8(payload.subarray(4, 4 + keyBytes));
    const value = fromUtf8(payload.subarray(4 + keyBytes));
    return key === undefined || value === undefined ? undefined : [{ op: 'put', key, value }];
  }
  if (type !== RecordType.batch || payload.length < 4) return undefined;
  const count = view.getUint32(0, true);
  const ops: WriteOp[] = [];
  let at = 4;
  // Bounded by the payload: every op takes at least BATCH_OP_HEADER_BYTES, so a damaged count cannot loop long.
  for (let i = 0; i < count; i++) {
    if (at + BATCH_OP_HEADER_BYTES > payload.length) return undefined;
    const op = payload[at];
    const keyBytes = view.getUint32(at + 1, true);
    const valueBytes = view.getUint32(at + 5, true);
    const end = at + BATCH_OP_HEADER_BYTES + keyBytes + valueBytes;
    if (
      end > payload.length ||
      (op !== RecordType.put && op !== RecordType.del) ||
      (op === RecordType.del && valueBytes !== 0)
    ) {
      return undefined;
    }
    const key = fromUtf8(
      payload.subarray(at + BATCH_OP_HEADER_BYTES, at + BATCH_OP_HEADER_BYTES + keyBytes),
    );
    const value = fromUtf8(payload.subarray(at + BATCH_OP_HEADER_BYTES + keyBytes, end));
    if (key === undefined || value === undefined) return undefined;
    ops.push(op === RecordType.put ? { op: 'put', key, value } : { op: 'del', key });
    at = end;
  }
  return at === payload.length && ops.length > 0 ? ops : undefined;
}

/** What one parse attempt at an offset found. */
export type ParseResult =
  | { readonly ok: true; readonly record: LogRecord }
  | {
      readonly ok: false;
      readonly reason: 'truncated-record' | 'bad-length' | 'bad-checksum' | 'bad-payload';
    };

/**
 * Parse the record at `offsetBytes`. `verifyChecksum` exists because structure and checksum are two
 * different questions; the engine always asks both, and the bug zoo shows what happens when one is skipped.
 */
export function parseRecordAt(
  bytes: Uint8Array,
  offsetBytes: number,
  verifyChecksum = true,
): ParseResult {
  const remaining = bytes.length - offsetBytes;
  // The writer died mid-header: a torn append, not corruption (the caller decides by what follows).
  if (remaining < RECORD_HEADER_BYTES) return { ok: false, reason: 'truncated-record' };
  const view = viewOf(bytes);
  const payloadBytes = view.getUint32(offsetBytes + 4, true);
  if (payloadBytes > RECORD_PAYLOAD_BYTES_MAX) return { ok: false, reason: 'bad-length' };
  const end = offsetBytes + RECORD_HEADER_BYTES + payloadBytes;
  // The header promises more bytes than exist: the writer died mid-payload, or the length is damaged.
  if (end > bytes.length) return { ok: false, reason: 'truncated-record' };
  if (verifyChecksum && view.getUint32(offsetBytes, true) !== crc32(bytes, offsetBytes + 4, end)) {
    return { ok: false, reason: 'bad-checksum' };
  }
  const lsn = getU64(view, offsetBytes + 8);
  const ops = decodePayload(
    bytes[offsetBytes + 16] as number,
    bytes.subarray(offsetBytes + RECORD_HEADER_BYTES, end),
  );
  if (lsn === undefined || ops === undefined) return { ok: false, reason: 'bad-payload' };
  return { ok: true, record: { lsn, ops, offsetBytes, lengthBytes: end - offsetBytes } };
}

/** True when the record at `offsetBytes` (of `lengthBytes` bytes) matches its stored CRC. */
export function recordChecksumOk(
  bytes: Uint8Array,
  offsetBytes: number,
  lengthBytes: number,
): boolean {
  if (offsetBytes + lengthBytes > bytes.length || lengthBytes < RECORD_HEADER_BYTES) return false;
  return (
    viewOf(bytes).getUint32(offsetBytes, true) ===
    crc32(bytes, offsetBytes + 4, offsetBytes + lengthBytes)
  );
}

/** The first offset after `from` holding an intact record with an LSN above `afterLsn`, or -1. */
export function findNextValid(
  bytes: Uint8Array,
  from: number,
  afterLsn: number,
  verifyChecksum = true,
): number {
  for (let at = from; at + RECORD_HEADER_BYTES <= bytes.length; at++) {
    const parsed = parseRecordAt(bytes, at, verifyChecksum);
    if (parsed.ok && parsed.record.lsn > afterLsn) return at;
  }
  return -1;
}

/** Everything a log holds, as far as it could be read. */
export interface LogReadResult {
  /** The header's base LSN, or undefined when the header is missing or damaged. */
  readonly baseLsn: number | undefined;
  /** Intact records in file order, each with an LSN above the one before. */
  readonly records: readonly LogRecord[];
  /** Every region not used, in file order. */
  readonly dropped: readonly Dropped[];
}

/**
 * Read a whole log. It never throws on bad bytes: damage becomes a Dropped entry. After damage it scans
 * ahead for the next intact record, so that each Dropped says whether damage is confined to the tail.
 */
export function readLog(bytes: Uint8Array, file: string, verifyChecksum = true): LogReadResult {
  const header = decodeWalHeader(bytes);
  const records: LogRecord[] = [];
  const dropped: Dropped[] = [];
  let lastLsn = header?.baseLsn ?? 0;
  let at = WAL_HEADER_BYTES;
  // After skipping damage, the next intact record may carry any higher LSN (records were lost in between).
  let resynced = false;
  if (header === undefined) {
    const next = bytes.length < WAL_HEADER_BYTES ? -1 : findNextValid(bytes, 0, 0, verifyChecksum);
    const reason = bytes.length < WAL_HEADER_BYTES ? 'missing-header' : 'bad-header';
    at = next === -1 ? bytes.length : next;
    dropped.push({ file, offsetBytes: 0, lengthBytes: at, reason, followedByValid: next !== -1 });
    resynced = true;
  }
  while (at < bytes.length) {
    const parsed = parseRecordAt(bytes, at, verifyChecksum);
    if (
      parsed.ok &&
      (parsed.record.lsn === lastLsn + 1 || (resynced && parsed.record.lsn > lastLsn))
    ) {
      records.push(parsed.record);
      lastLsn = parsed.record.lsn;
      at += parsed.record.lengthBytes;
      resynced = false;
      continue;
    }
    const reason = parsed.ok ? 'lsn-out-of-order' : parsed.reason;
    const next = findNextValid(bytes, at + 1, lastLsn, verifyChecksum);
    const end = next === -1 ? bytes.length : next;
    // No intact record after the damage: the writer died mid-append (or its unsynced bytes were lost).
    // An intact record after it: the middle of the log is damaged, which no crash of ours can produce.
    dropped.push({
      file,
      offsetBytes: at,
      lengthBytes: end - at,
      reason,
      followedByValid: next !== -1,
    });
    at = end;
    resynced = true;
  }
  return { baseLsn: header?.baseLsn, records, dropped };
}
