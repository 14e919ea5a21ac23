// The Logging layer (KVStore v3: kvstore_log_put, kvstore_log_del, kvstore_log_header,
// kvstore_crc_check, and the parsing half of kvstore_replay_log): the write-ahead log's byte format
// v2, its encoder, and a reader that reports what it dropped and why instead of throwing (LevelDB's
// log_reader.cc).
//
// KVStore v3 wrote text lines `PUT <key> <value>|<crc>\n`; a key or value holding `|` or a newline
// could not round-trip. Format v1 wrote length-prefixed binary records, but after damage its reader
// scanned byte by byte for anything that parsed, and could land inside a user's value that held a
// record's bytes. Format v2 makes that impossible by construction: every record starts with the
// byte 0xFF, which valid UTF-8 never contains, and every integer of ours is written in 7-bit groups
// (each byte below 0x80), so 0xFF appears in a log only where a record begins. The reader resyncs
// only at a 0xFF. spec/format.md draws the layout and states the argument.

import {
  countHighBytes,
  fromUtf8,
  fromUtf8Pair,
  getGroups,
  getU32Groups,
  oneByteText,
  plainBytes,
  putGroups,
  putU32Groups,
  U32_GROUP_BYTES,
  U53_GROUP_BYTES,
  putUtf8,
  utf8Bytes,
} from './bytes.js';
import { crc32 } from './crc32.js';
import { assert, at } from './errors.js';

// The log, format v2 (spec/format.md draws it with a worked example):
//
//   header = magic "KVLW" (4) | version (5) | base LSN (8) | crc of bytes 0..16 (5)    = 22
//   record = 0xFF (1) | crc (5) | length (5) | lsn (8) | syncedLsn (8) | type (1)      = 28
//            then the payload (length bytes):
//   PUT    = key length (5) | key | value
//   DEL    = key
//   BATCH  = count (5) | count x (op (1) | key length (5) | value length (5) | key | value)
//
// Every integer is 7-bit groups (bytes.ts): no byte of it reaches 0x80. The crc covers length..end.

/** The byte every record (and every snapshot entry) starts with; valid UTF-8 never holds it. */
export const RECORD_MARKER = 0xff;
/** "KVLW": the first four bytes of every log. */
export const WAL_MAGIC = Uint8Array.of(0x4b, 0x56, 0x4c, 0x57);
/** The log format version this code writes. Version 1 is still read (strictly) and upgraded. */
export const WAL_VERSION = 2;

/** Largest value of a u32 field. */
const U32_MAX = 0xffff_ffff;
/** Log header: magic (4) + version (5) + base LSN (8) + CRC of the preceding 17 bytes (5). */
export const WAL_HEADER_BYTES = 4 + U32_GROUP_BYTES + U53_GROUP_BYTES + U32_GROUP_BYTES;
/**
 * Where each field of a record starts: marker (1), CRC (5), length (5), LSN (8), synced LSN (8),
 * type (1).
 */
export const RECORD_AT = { crc: 1, length: 6, lsn: 11, syncedLsn: 19, type: 27 } as const;
/**
 * Record header: marker (1) + CRC (5) + payload length (5) + LSN (8) + synced LSN (8) + type (1).
 */
export const RECORD_HEADER_BYTES = 1 + U32_GROUP_BYTES + U32_GROUP_BYTES + 2 * U53_GROUP_BYTES + 1;
/** A batch op's header inside a BATCH payload: op (1) + key length (5) + value length (5). */
export const BATCH_OP_HEADER_BYTES = 1 + U32_GROUP_BYTES + U32_GROUP_BYTES;
/**
 * Payload bytes no record may exceed, whatever the options: a damaged length field cannot ask for
 * more.
 */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;

/** Record types: one PUT, one DEL, or an atomic BATCH of both. */
const RecordType = { put: 1, del: 2, batch: 3 } as const;

/** One write inside a record. */
export type WriteOp = PutOp | DelOp;

/** Set `key` to `value`. */
export interface PutOp {
  /** The op's kind. */
  readonly op: 'put';
  /** The key. */
  readonly key: string;
  /** The value it gets. */
  readonly value: string;
}

/** Remove `key`. */
export interface DelOp {
  /** The op's kind. */
  readonly op: 'del';
  /** The key. */
  readonly key: string;
}

/** A decoded log record: all its ops apply together, under one LSN. */
export interface LogRecord {
  /** The record's LSN: one more than the record before it. */
  readonly lsn: number;
  /**
   * The newest LSN that was durable in the log when this record was written (v1 records: lsn - 1).
   */
  readonly syncedLsn: number;
  /** The writes, applied together. */
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
  | 'bad-marker'
  | 'truncated-record'
  | 'bad-length'
  | 'bad-checksum'
  | 'bad-payload'
  | 'lsn-out-of-order';

/** A region a reader did not use: where, how long, and why. */
export interface Dropped {
  /** The file the region is in. */
  readonly file: string;
  /** Where the region starts. */
  readonly offsetBytes: number;
  /** How many bytes it spans. */
  readonly lengthBytes: number;
  /** Why the reader dropped it. */
  readonly reason: DropReason;
  /** True when an intact record (or snapshot entry) follows the region in the file. */
  readonly followedByValid: boolean;
  /**
   * The LSN of the last intact record before the region (the base LSN when none; 0 in a snapshot).
   */
  readonly lsnBefore: number;
}

/** The encoded header of a log whose first record will carry LSN baseLsn + 1. */
export function encodeWalHeader(baseLsn: number): Uint8Array {
  const bytes = new Uint8Array(WAL_HEADER_BYTES);
  bytes.set(WAL_MAGIC, 0);
  putGroups(bytes, 4, WAL_VERSION, U32_GROUP_BYTES);
  putGroups(bytes, 9, baseLsn, U53_GROUP_BYTES);
  putGroups(bytes, 17, crc32(bytes, 0, 17), U32_GROUP_BYTES);
  return bytes;
}

/** The format version a log or snapshot says it has (the byte after the magic), or undefined. */
export function versionOf(bytes: Uint8Array, magic: Uint8Array): number | undefined {
  if (bytes.length < magic.length + 1) return undefined;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return undefined;
  return bytes[magic.length];
}

/** Decode a v2 log header; undefined when absent, damaged, or of another version. */
export function decodeWalHeader(bytes: Uint8Array): { baseLsn: number } | undefined {
  if (bytes.length < WAL_HEADER_BYTES || versionOf(bytes, WAL_MAGIC) !== WAL_VERSION)
    return undefined;
  const version = getGroups(bytes, 4, U32_GROUP_BYTES, U32_MAX);
  const baseLsn = getGroups(bytes, 9, U53_GROUP_BYTES);
  const crc = getGroups(bytes, 17, U32_GROUP_BYTES, U32_MAX);
  if (version !== WAL_VERSION || baseLsn === undefined || crc !== crc32(bytes, 0, 17))
    return undefined;
  return { baseLsn };
}

/**
 * The record type and payload size of `ops` (UTF-8 sizes counted, nothing encoded yet). `textBytes`,
 * when given, is the UTF-8 size of every key and value together, already counted by the caller.
 */
function payloadShape(
  ops: readonly WriteOp[],
  textBytes?: number,
): { type: number; bytes: number } {
  const only = ops[0];
  if (ops.length === 1 && only !== undefined) {
    if (only.op === 'del') return { type: RecordType.del, bytes: textBytes ?? utf8Bytes(only.key) };
    const text = textBytes ?? utf8Bytes(only.key) + utf8Bytes(only.value);
    return { type: RecordType.put, bytes: U32_GROUP_BYTES + text };
  }
  let bytes = U32_GROUP_BYTES + BATCH_OP_HEADER_BYTES * ops.length;
  if (textBytes !== undefined) return { type: RecordType.batch, bytes: bytes + textBytes };
  for (const o of ops) bytes += utf8Bytes(o.key) + (o.op === 'put' ? utf8Bytes(o.value) : 0);
  return { type: RecordType.batch, bytes };
}

/**
 * Write the payload of `ops` at `from` and return its size: the layouts in the comment of
 * encodeRecord. Keys and values
 * are encoded in place (putUtf8), where a Uint8Array per string and an object per op were most of
 * the garbage a write made.
 */
function writePayload(bytes: Uint8Array, from: number, type: number, ops: readonly WriteOp[]) {
  const first = at(ops, 0, 'first op');
  if (type === RecordType.del) return putUtf8(bytes, from, first.key);
  if (type === RecordType.put && first.op === 'put') {
    const k = putUtf8(bytes, from + U32_GROUP_BYTES, first.key);
    putU32Groups(bytes, from, k);
    return U32_GROUP_BYTES + k + putUtf8(bytes, from + U32_GROUP_BYTES + k, first.value);
  }
  putGroups(bytes, from, ops.length, U32_GROUP_BYTES);
  let offset = from + U32_GROUP_BYTES;
  for (const o of ops) {
    const keyAt = offset + BATCH_OP_HEADER_BYTES;
    const k = putUtf8(bytes, keyAt, o.key);
    const v = o.op === 'put' ? putUtf8(bytes, keyAt + k, o.value) : 0;
    bytes[offset] = o.op === 'put' ? RecordType.put : RecordType.del;
    putU32Groups(bytes, offset + 1, k);
    putU32Groups(bytes, offset + 1 + U32_GROUP_BYTES, v);
    offset = keyAt + k + v;
  }
  return offset - from;
}

/** Size of the slabs small records are cut from, and the largest record cut from one. */
const RECORD_SLAB_BYTES = 64 * 1024;
const SLAB_RECORD_BYTES_MAX = 4 * 1024;
let recordSlab = new ArrayBuffer(RECORD_SLAB_BYTES);
let recordSlabUsed = 0;

/**
 * Zeroed bytes for one record. A small record is a view on a shared slab rather than a Uint8Array of
 * its own: V8 gives every `new Uint8Array(n)` above 64 bytes its own backing store, about 0.4 µs each,
 * the largest cost of encoding a put. Each view gets bytes no other record ever had (the slab only
 * moves forward and is replaced when full), so a record stays unchanged for as long as anyone holds
 * it, as a plan's data must; a slab lives while any record cut from it does.
 */
function recordBuffer(bytes: number): Uint8Array {
  if (bytes > SLAB_RECORD_BYTES_MAX) return new Uint8Array(bytes);
  if (recordSlabUsed + bytes > RECORD_SLAB_BYTES) {
    recordSlab = new ArrayBuffer(RECORD_SLAB_BYTES);
    recordSlabUsed = 0;
  }
  const view = new Uint8Array(recordSlab, recordSlabUsed, bytes);
  recordSlabUsed += bytes;
  return view;
}

/**
 * Encode one record. PUT payload: key length (5) + key + value. DEL payload: key. BATCH payload: op
 * count (5), then per op: op (1: put, 2: del) + key length (5) + value length (5) + key + value.
 * `syncedLsn` is the newest LSN durable in the log as this record is written (under sync "always",
 * lsn - 1, the default); recovery uses it to tell unsynced damage from synced.
 */
export function encodeRecord(
  lsn: number,
  ops: readonly WriteOp[],
  syncedLsn = lsn - 1,
  textBytes?: number,
): Uint8Array {
  assert(ops.length > 0, 'a record holds at least one op');
  assert(syncedLsn >= 0 && syncedLsn < lsn, 'a record was written after what was synced');
  const shape = payloadShape(ops, textBytes);
  assert(shape.bytes <= RECORD_PAYLOAD_BYTES_MAX, 'record payload within the hard limit');
  const bytes = recordBuffer(RECORD_HEADER_BYTES + shape.bytes);
  bytes[0] = RECORD_MARKER;
  putU32Groups(bytes, RECORD_AT.length, shape.bytes);
  putGroups(bytes, RECORD_AT.lsn, lsn, U53_GROUP_BYTES);
  putGroups(bytes, RECORD_AT.syncedLsn, syncedLsn, U53_GROUP_BYTES);
  bytes[RECORD_AT.type] = shape.type;
  const written = writePayload(bytes, RECORD_HEADER_BYTES, shape.type, ops);
  // Paired with payloadShape's count, and with the reader: the one byte that may be 0xFF is the first.
  assert(written === shape.bytes, 'the payload fills the size counted');
  putU32Groups(bytes, RECORD_AT.crc, crc32(bytes, RECORD_AT.length));
  assert(bytes.indexOf(RECORD_MARKER, 1) === -1, 'no 0xFF inside a record');
  return bytes;
}

/**
 * Decode a BATCH payload; undefined when its inner lengths do not add up or its text is not UTF-8.
 */
function decodeBatch(payload: Uint8Array): WriteOp[] | undefined {
  const count = getGroups(payload, 0, U32_GROUP_BYTES, U32_MAX);
  if (count === undefined) return undefined;
  const ops: WriteOp[] = [];
  const pair = ['', ''];
  let offset = U32_GROUP_BYTES;
  // Bounded by the payload: every op takes at least BATCH_OP_HEADER_BYTES, so a damaged count
  // cannot loop long.
  for (let i = 0; i < count; i++) {
    const op = payload[offset];
    const keyBytes = getGroups(payload, offset + 1, U32_GROUP_BYTES, U32_MAX);
    const valueBytes = getGroups(payload, offset + 1 + U32_GROUP_BYTES, U32_GROUP_BYTES, U32_MAX);
    if (keyBytes === undefined || valueBytes === undefined) return undefined;
    const keyAt = offset + BATCH_OP_HEADER_BYTES;
    const end = keyAt + keyBytes + valueBytes;
    const wrongOp = op !== RecordType.put && (op !== RecordType.del || valueBytes !== 0);
    if (end > payload.length || wrongOp) return undefined;
    if (!fromUtf8Pair(payload, keyAt, keyAt + keyBytes, end, pair)) return undefined;
    const key = at(pair, 0, 'key');
    ops.push(
      op === RecordType.put ? { op: 'put', key, value: at(pair, 1, 'value') } : { op: 'del', key },
    );
    offset = end;
  }
  return offset === payload.length && ops.length > 0 ? ops : undefined;
}

/**
 * Decode a payload into ops; undefined when its inner lengths do not add up or its text is not
 * UTF-8.
 */
function decodePayload(type: number | undefined, payload: Uint8Array): WriteOp[] | undefined {
  if (type === RecordType.del) {
    const key = fromUtf8(payload);
    return key === undefined ? undefined : [{ op: 'del', key }];
  }
  if (type === RecordType.put) {
    const keyBytes = getGroups(payload, 0, U32_GROUP_BYTES, U32_MAX);
    if (keyBytes === undefined || U32_GROUP_BYTES + keyBytes > payload.length) return undefined;
    const pair = ['', ''];
    const keyEnd = U32_GROUP_BYTES + keyBytes;
    if (!fromUtf8Pair(payload, U32_GROUP_BYTES, keyEnd, payload.length, pair)) return undefined;
    return [{ op: 'put', key: at(pair, 0, 'key'), value: at(pair, 1, 'value') }];
  }
  return type === RecordType.batch ? decodeBatch(payload) : undefined;
}

/** What one parse attempt at an offset found. */
export type ParseResult =
  | { readonly ok: true; readonly record: LogRecord }
  | {
      readonly ok: false;
      readonly reason:
        | 'bad-marker'
        | 'truncated-record'
        | 'bad-length'
        | 'bad-checksum'
        | 'bad-payload';
    };

/**
 * How careful a reader is. kvlab always reads with CAREFUL; the switches exist because structure,
 * marker and checksum are different questions, and the bug zoo shows what skipping one costs.
 */
export interface ReadRules {
  /** Check each record's CRC. */
  readonly verifyChecksum: boolean;
  /** Require the 0xFF marker where a record starts, and resync only at a marker. */
  readonly markers: boolean;
}

/** The rules kvlab reads with. */
export const CAREFUL: ReadRules = { verifyChecksum: true, markers: true };

/** Parse the record at `offsetBytes`. */
export function parseRecordAt(
  bytes: Uint8Array,
  offsetBytes: number,
  rules: ReadRules = CAREFUL,
): ParseResult {
  if (rules.markers && bytes[offsetBytes] !== RECORD_MARKER)
    return { ok: false, reason: 'bad-marker' };
  // The writer died mid-header: a torn append, not corruption (the caller decides by what follows).
  if (bytes.length - offsetBytes < RECORD_HEADER_BYTES)
    return { ok: false, reason: 'truncated-record' };
  const field = (name: keyof typeof RECORD_AT, width: number, max?: number) =>
    getGroups(bytes, offsetBytes + RECORD_AT[name], width, max);
  const payloadBytes = field('length', U32_GROUP_BYTES, RECORD_PAYLOAD_BYTES_MAX);
  if (payloadBytes === undefined) return { ok: false, reason: 'bad-length' };
  const end = offsetBytes + RECORD_HEADER_BYTES + payloadBytes;
  // The header promises more bytes than exist: the writer died mid-payload, or the length is
  // damaged.
  if (end > bytes.length) return { ok: false, reason: 'truncated-record' };
  const crc = field('crc', U32_GROUP_BYTES, U32_MAX);
  if (rules.verifyChecksum && crc !== crc32(bytes, offsetBytes + RECORD_AT.length, end))
    return { ok: false, reason: 'bad-checksum' };
  const lsn = field('lsn', U53_GROUP_BYTES);
  const syncedLsn = field('syncedLsn', U53_GROUP_BYTES);
  const ops = decodePayload(
    bytes[offsetBytes + RECORD_AT.type],
    bytes.subarray(offsetBytes + RECORD_HEADER_BYTES, end),
  );
  if (lsn === undefined || syncedLsn === undefined || syncedLsn >= lsn || ops === undefined)
    return { ok: false, reason: 'bad-payload' };
  const record = { lsn, syncedLsn, ops, offsetBytes, lengthBytes: end - offsetBytes };
  return { ok: true, record };
}

/**
 * The first offset at or after `from` holding an intact record with an LSN above `afterLsn`, or -1.
 * Careful readers try only offsets holding the marker byte; each try moves forward, so this ends.
 */
function findNextValid(
  bytes: Uint8Array,
  from: number,
  afterLsn: number,
  rules: ReadRules = CAREFUL,
): number {
  let offset = rules.markers ? bytes.indexOf(RECORD_MARKER, from) : from;
  while (offset !== -1 && offset < bytes.length) {
    const parsed = parseRecordAt(bytes, offset, rules);
    if (parsed.ok && parsed.record.lsn > afterLsn) return offset;
    offset = rules.markers ? bytes.indexOf(RECORD_MARKER, offset + 1) : offset + 1;
  }
  return -1;
}

/** Everything a log holds, as far as it could be read. */
export interface LogReadResult {
  /** The format the file was read as: 2, or 1 when its v1 header is intact (format-v1.ts). */
  readonly version: number | undefined;
  /** The header's base LSN, or undefined when the header is missing or damaged. */
  readonly baseLsn: number | undefined;
  /** Intact records in file order, each with an LSN above the one before. */
  readonly records: readonly LogRecord[];
  /** Every region not used, in file order. */
  readonly dropped: readonly Dropped[];
}

/**
 * Read a whole v2 log. It never throws on bad bytes: damage becomes a Dropped entry. After damage
 * it resyncs at the next marker that starts an intact record, so that each Dropped says what
 * follows it.
 */
export function readLog(
  given: Uint8Array,
  file: string,
  rules: ReadRules = CAREFUL,
): LogReadResult {
  const bytes = plainBytes(given);
  const header = decodeWalHeader(bytes);
  const records: LogRecord[] = [];
  const dropped: Dropped[] = [];
  let lastLsn = header?.baseLsn ?? 0;
  let offset = WAL_HEADER_BYTES;
  // After skipping damage, the next intact record may carry any higher LSN (records were lost in
  // between).
  let resynced = false;
  const drop = (from: number, reason: DropReason, next: number) => {
    const end = next === -1 ? bytes.length : next;
    dropped.push({
      file,
      offsetBytes: from,
      lengthBytes: end - from,
      reason,
      followedByValid: next !== -1,
      lsnBefore: lastLsn,
    });
    resynced = true;
    return end;
  };
  if (header === undefined) {
    const short = bytes.length < WAL_HEADER_BYTES;
    offset = drop(0, short ? 'missing-header' : 'bad-header', findNextValid(bytes, 0, 0, rules));
  }
  // Each turn consumes a record or a dropped region of at least one byte: bounded by the file.
  while (offset < bytes.length) {
    const parsed = parseRecordAt(bytes, offset, rules);
    const lsn = parsed.ok ? parsed.record.lsn : -1;
    if (parsed.ok && (lsn === lastLsn + 1 || (resynced && lsn > lastLsn))) {
      records.push(parsed.record);
      lastLsn = lsn;
      offset += parsed.record.lengthBytes;
      resynced = false;
      continue;
    }
    const reason = parsed.ok ? 'lsn-out-of-order' : parsed.reason;
    offset = drop(offset, reason, findNextValid(bytes, offset + 1, lastLsn, rules));
  }
  // The format this reader reads the file as (a v1 file goes to format-v1.ts instead).
  return { version: WAL_VERSION, baseLsn: header?.baseLsn, records, dropped };
}

// ---- The fast path for a large intact log (recovery) ----

/** From this size on, recovery reads a log with loadLog's fast path first. */
const LARGE_LOG_BYTES = 256 * 1024;
/** Bytes of whole records whose text is decoded as one string (the reasons of snapshot.ts's). */
const LOG_REGION_BYTES = 1024 * 1024;

/**
 * Read a log as readLog does, fast when it is large and intact: records are checked one by one as
 * readLog checks them (marker, length, CRC, LSN order, payload structure), and the text of about
 * 1 MiB of records at a time is decoded as one string when the region's only bytes at or above 0x80
 * are the records' markers (all text ASCII); keys and values are slices of it. A decoder call per
 * record and the objects of each parse attempt were most of a large log's read. At the first
 * problem (a torn tail, damage, a record readLog would drop) the log is read again by readLog, so
 * every verdict and every Dropped is readLog's.
 */
export function loadLog(given: Uint8Array, file: string): LogReadResult {
  const bytes = plainBytes(given);
  const fast = bytes.length >= LARGE_LOG_BYTES ? readIntactLog(bytes) : undefined;
  return fast ?? readLog(bytes, file);
}

/** The records of one region: their headers, and per op its kind and where its text lies. */
class RegionOps {
  /** Per record: lsn, syncedLsn, offset, length, ops in it. */
  readonly records: number[] = [];
  /** Per op: 1 put or 2 del, key start, key end, value end (absolute offsets). */
  readonly ops: number[] = [];

  clear(): void {
    this.records.length = 0;
    this.ops.length = 0;
  }
}

/** The records of an intact v2 log, or undefined at the first thing readLog would not accept as is. */
function readIntactLog(bytes: Uint8Array): LogReadResult | undefined {
  const header = decodeWalHeader(bytes);
  if (header === undefined) return undefined;
  const records: LogRecord[] = [];
  const region = new RegionOps();
  let lastLsn = header.baseLsn;
  let offset = WAL_HEADER_BYTES;
  // Each turn of the inner loop takes a whole record (at least its header): bounded by the file.
  while (offset < bytes.length) {
    const regionAt = offset;
    region.clear();
    while (offset < bytes.length && offset - regionAt < LOG_REGION_BYTES) {
      const end = intactRecordEnd(bytes, offset, lastLsn + 1, region);
      if (end === -1) return undefined;
      lastLsn++;
      offset = end;
    }
    if (!regionRecords(bytes, regionAt, offset, region, records)) return undefined;
  }
  return { version: WAL_VERSION, baseLsn: header.baseLsn, records, dropped: [] };
}

/**
 * Where the record at `offset` ends when it is intact and carries `lsn` (its header and its ops'
 * cuts go into `region`), else -1: the checks of parseRecordAt and decodePayload, text aside.
 */
function intactRecordEnd(bytes: Uint8Array, offset: number, lsn: number, region: RegionOps) {
  if (bytes[offset] !== RECORD_MARKER || bytes.length - offset < RECORD_HEADER_BYTES) return -1;
  const payloadBytes = getU32Groups(bytes, offset + RECORD_AT.length);
  if (payloadBytes === -1 || payloadBytes > RECORD_PAYLOAD_BYTES_MAX) return -1;
  const at0 = offset + RECORD_HEADER_BYTES;
  const end = at0 + payloadBytes;
  if (end > bytes.length) return -1;
  if (getU32Groups(bytes, offset + RECORD_AT.crc) !== crc32(bytes, offset + RECORD_AT.length, end))
    return -1;
  const syncedLsn = getGroups(bytes, offset + RECORD_AT.syncedLsn, U53_GROUP_BYTES);
  if (getGroups(bytes, offset + RECORD_AT.lsn, U53_GROUP_BYTES) !== lsn) return -1;
  if (syncedLsn === undefined || syncedLsn >= lsn) return -1;
  const opsBefore = region.ops.length;
  const type = bytes[offset + RECORD_AT.type];
  if (type === RecordType.del) region.ops.push(RecordType.del, at0, end, end);
  else if (type === RecordType.put) {
    const keyBytes = getU32Groups(bytes, at0);
    if (keyBytes === -1 || U32_GROUP_BYTES + keyBytes > payloadBytes) return -1;
    const keyAt = at0 + U32_GROUP_BYTES;
    region.ops.push(RecordType.put, keyAt, keyAt + keyBytes, end);
  } else if (type !== RecordType.batch || !batchCuts(bytes, at0, end, region.ops)) return -1;
  const opCount = (region.ops.length - opsBefore) / 4;
  region.records.push(lsn, syncedLsn, offset, end - offset, opCount);
  return end;
}

/** The cuts of a BATCH payload bytes[from, to) into `ops`; false where decodeBatch would refuse it. */
function batchCuts(bytes: Uint8Array, from: number, to: number, ops: number[]): boolean {
  const count = getU32Groups(bytes, from);
  if (count < 1) return false;
  let offset = from + U32_GROUP_BYTES;
  // Bounded by the payload: every op takes at least BATCH_OP_HEADER_BYTES.
  for (let i = 0; i < count; i++) {
    if (offset + BATCH_OP_HEADER_BYTES > to) return false;
    const op = bytes[offset];
    const keyBytes = getU32Groups(bytes, offset + 1);
    const valueBytes = getU32Groups(bytes, offset + 1 + U32_GROUP_BYTES);
    if (keyBytes === -1 || valueBytes === -1) return false;
    const keyAt = offset + BATCH_OP_HEADER_BYTES;
    const end = keyAt + keyBytes + valueBytes;
    const wrongOp = op !== RecordType.put && (op !== RecordType.del || valueBytes !== 0);
    if (end > to || wrongOp) return false;
    ops.push(op, keyAt, keyAt + keyBytes, end);
    offset = end;
  }
  return offset === to;
}

/**
 * The region's records as LogRecords, appended to `records`; false when some text is not UTF-8.
 * Every record header byte but the marker is below 0x80, as is every inner length: when the region
 * holds exactly one byte at or above 0x80 per record, all of its text is ASCII and one string holds
 * it all, one unit per byte.
 */
function regionRecords(
  bytes: Uint8Array,
  from: number,
  to: number,
  region: RegionOps,
  records: LogRecord[],
): boolean {
  const r = region.records;
  const ascii = countHighBytes(bytes, from, to) === r.length / 5;
  const text = ascii ? oneByteText(bytes, from, to) : '';
  const pair = ['', ''];
  let op = 0;
  for (let i = 0; i < r.length; i += 5) {
    const ops: WriteOp[] = [];
    for (let n = at(r, i + 4, 'op count'); n > 0; n--, op += 4) {
      const kind = at(region.ops, op, 'op');
      const keyAt = at(region.ops, op + 1, 'key at');
      const keyEnd = at(region.ops, op + 2, 'key end');
      const end = at(region.ops, op + 3, 'value end');
      if (ascii) {
        pair[0] = text.slice(keyAt - from, keyEnd - from);
        pair[1] = text.slice(keyEnd - from, end - from);
      } else if (!fromUtf8Pair(bytes, keyAt, keyEnd, end, pair)) return false;
      const key = at(pair, 0, 'key');
      ops.push(
        kind === RecordType.put
          ? { op: 'put', key, value: at(pair, 1, 'value') }
          : { op: 'del', key },
      );
    }
    const lsn = at(r, i, 'lsn');
    const syncedLsn = at(r, i + 1, 'synced lsn');
    records.push({
      lsn,
      syncedLsn,
      ops,
      offsetBytes: at(r, i + 2, 'offset'),
      lengthBytes: at(r, i + 3, 'length'),
    });
  }
  return true;
}
