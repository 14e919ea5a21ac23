// The snapshot file format v2 (KVStore v3: snapshot_write_cb, the writing half of
// kvstore_create_snapshot, and kvstore_load_snapshot). KVStore v3's loader trusted its file and
// checked no CRC ("snapshot 是可信文件"); ours checks a CRC per entry, a count in the header and again
// in the trailer, and a CRC of the whole file, so that a truncated or rotten snapshot is detected
// instead of silently loading half the keys. Entries are framed like log records (logging.ts): each
// starts with the marker 0xFF, which no key, value or integer field can hold, so salvage resyncs at
// the next marker and keeps every intact entry after a damaged one.

import {
  compareKeys,
  concatBytes,
  fromUtf8,
  getGroups,
  putGroups,
  U32_GROUP_BYTES,
  U53_GROUP_BYTES,
} from './bytes.js';
import { crc32 } from './crc32.js';
import { assert } from './errors.js';
import { RECORD_MARKER, versionOf, type Dropped, type DropReason } from './logging.js';

// The snapshot, format v2 (spec/format.md):
//
//   header  = magic "KVLS" (4) | version (5) | lsn (8) | count (5) | crc of bytes 0..21 (5) = 27
//   entry   = 0xFF (1) | crc (5) | key length (5) | value length (5)  = 16, then key, value
//             (count entries, keys strictly ascending)
//   trailer = magic "KVLE" (4) | count (5) | crc of every byte before this field (5)       = 14
//
// Integers are 7-bit groups, as in the log, so 0xFF starts entries and nothing else.

/** "KVLS": the first four bytes of every snapshot. */
export const SNAPSHOT_MAGIC = Uint8Array.of(0x4b, 0x56, 0x4c, 0x53);
/** "KVLE": the first four bytes of the trailer. */
const TRAILER_MAGIC = Uint8Array.of(0x4b, 0x56, 0x4c, 0x45);
/**
 * The snapshot format version this code writes. Version 1 is still read (strictly) and upgraded.
 */
const SNAPSHOT_VERSION = 2;

const U32_MAX = 0xffff_ffff;
/**
 * Header: magic (4) + version (5) + LSN covered (8) + entry count (5) + CRC of the preceding 22
 * bytes (5).
 */
export const SNAPSHOT_HEADER_BYTES = 4 + U32_GROUP_BYTES + U53_GROUP_BYTES + 2 * U32_GROUP_BYTES;
/**
 * Entry header: marker (1) + CRC of the rest of the entry (5) + key length (5) + value length (5).
 */
export const ENTRY_HEADER_BYTES = 1 + 3 * U32_GROUP_BYTES;
/** Trailer: magic (4) + entry count again (5) + CRC of every byte before this field (5). */
export const TRAILER_BYTES = 4 + 2 * U32_GROUP_BYTES;
/**
 * Bytes per append step when writing a snapshot: bounds each write and gives the checker steps to
 * tear.
 */
export const SNAPSHOT_CHUNK_BYTES = 64 * 1024;

/** A decoded snapshot. */
export interface SnapshotReadResult {
  /** The format version the file says it has (undefined when its magic is wrong). */
  readonly version: number | undefined;
  /** The LSN the snapshot covers, or undefined when its header is damaged. */
  readonly lsn: number | undefined;
  /** Intact entries in key order. Complete only when `dropped` is empty. */
  readonly entries: readonly (readonly [string, string])[];
  /** What could not be used. Empty means the snapshot is whole. */
  readonly dropped: readonly Dropped[];
}

function encodeHeader(lsn: number, count: number): Uint8Array {
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  header.set(SNAPSHOT_MAGIC, 0);
  putGroups(header, 4, SNAPSHOT_VERSION, U32_GROUP_BYTES);
  putGroups(header, 9, lsn, U53_GROUP_BYTES);
  putGroups(header, 17, count, U32_GROUP_BYTES);
  putGroups(header, 22, crc32(header, 0, 22), U32_GROUP_BYTES);
  return header;
}

/**
 * Encode entries (already in key order, as a tree scan yields them) covering `lsn`, split into
 * chunks of about SNAPSHOT_CHUNK_BYTES. Memory holds the whole state anyway; the chunks bound each
 * write.
 */
export function encodeSnapshot(
  lsn: number,
  count: number,
  entries: Iterable<readonly [string, string]> | Iterator<readonly [string, string]>,
  capacityBytes?: number,
): Uint8Array[] {
  const header = encodeSnapshotHeader(lsn, count);
  const iterator = Symbol.iterator in entries ? entries[Symbol.iterator]() : entries;
  const chunks: Uint8Array[] = [];
  let fileCrc = crc32(header);
  let written = 0;
  let lastKey: string | undefined;
  for (;;) {
    // The header rides with the first piece and the trailer with the last: one append each.
    const head = chunks.length === 0 ? [header] : [];
    const bytesMax = SNAPSHOT_CHUNK_BYTES - (head.length === 0 ? 0 : header.length);
    const piece = encodeSnapshotEntries(iterator, bytesMax, fileCrc, lastKey, capacityBytes);
    fileCrc = piece.fileCrc;
    written += piece.count;
    lastKey = piece.lastKey;
    const tail = piece.ended ? [encodeSnapshotTrailer(count, fileCrc)] : [];
    chunks.push(concatBytes([...head, piece.bytes, ...tail]));
    if (piece.ended) break;
  }
  assert(written === count, `snapshot count ${count} matches the ${written} entries written`);
  return chunks;
}

/**
 * Parse one entry; undefined when it lacks its marker, is cut short, fails its CRC, or is not
 * UTF-8.
 */
export function parseEntryAt(
  bytes: Uint8Array,
  offset: number,
  verifyChecksum: boolean,
): { key: string; value: string; end: number } | undefined {
  if (bytes[offset] !== RECORD_MARKER) return undefined;
  const keyBytes = getGroups(bytes, offset + 6, U32_GROUP_BYTES, U32_MAX);
  const valueBytes = getGroups(bytes, offset + 11, U32_GROUP_BYTES, U32_MAX);
  if (keyBytes === undefined || valueBytes === undefined) return undefined;
  const keyAt = offset + ENTRY_HEADER_BYTES;
  const end = keyAt + keyBytes + valueBytes;
  if (end > bytes.length) return undefined;
  const crc = getGroups(bytes, offset + 1, U32_GROUP_BYTES, U32_MAX);
  if (verifyChecksum && crc !== crc32(bytes, offset + 6, end)) return undefined;
  const key = fromUtf8(bytes.subarray(keyAt, keyAt + keyBytes));
  const value = fromUtf8(bytes.subarray(keyAt + keyBytes, end));
  return key === undefined || value === undefined ? undefined : { key, value, end };
}

/** The decoded v2 header, or undefined when it is missing or damaged. */
function decodeHeader(bytes: Uint8Array, verifyChecksum: boolean) {
  if (bytes.length < SNAPSHOT_HEADER_BYTES) return undefined;
  const version = getGroups(bytes, 4, U32_GROUP_BYTES, U32_MAX);
  const lsn = getGroups(bytes, 9, U53_GROUP_BYTES);
  const count = getGroups(bytes, 17, U32_GROUP_BYTES, U32_MAX);
  const crc = getGroups(bytes, 22, U32_GROUP_BYTES, U32_MAX);
  const crcOk = !verifyChecksum || crc === crc32(bytes, 0, 22);
  if (versionOf(bytes, SNAPSHOT_MAGIC) !== SNAPSHOT_VERSION || version !== SNAPSHOT_VERSION)
    return undefined;
  return lsn === undefined || count === undefined || !crcOk ? undefined : { lsn, count };
}

/**
 * True when the trailer for `count` entries sits at `offset` and ends the file (and its CRC holds).
 */
function trailerAt(bytes: Uint8Array, offset: number, count: number, verifyChecksum: boolean) {
  if (bytes.length !== offset + TRAILER_BYTES) return false;
  for (let i = 0; i < TRAILER_MAGIC.length; i++)
    if (bytes[offset + i] !== TRAILER_MAGIC[i]) return false;
  const crc = getGroups(bytes, offset + 9, U32_GROUP_BYTES, U32_MAX);
  return (
    getGroups(bytes, offset + 4, U32_GROUP_BYTES, U32_MAX) === count &&
    (!verifyChecksum || crc === crc32(bytes, 0, offset + 9))
  );
}

/**
 * The next marker at or after `from` that starts an intact entry with a key above `after`, or -1.
 */
function nextEntry(bytes: Uint8Array, from: number, after: string | undefined, verify: boolean) {
  // Each try moves to a later marker: bounded by the file.
  for (
    let at = bytes.indexOf(RECORD_MARKER, from);
    at !== -1;
    at = bytes.indexOf(RECORD_MARKER, at + 1)
  ) {
    const entry = parseEntryAt(bytes, at, verify);
    if (entry !== undefined && (after === undefined || compareKeys(after, entry.key) < 0))
      return at;
  }
  return -1;
}

/**
 * Read a v2 snapshot. Never throws on bad bytes: each damaged region becomes a Dropped entry, and
 * the reader resyncs at the next marker starting an intact entry, so every intact entry is kept
 * (for salvage). `verifyChecksum` is false only in the bug zoo.
 */
export function readSnapshot(
  bytes: Uint8Array,
  file: string,
  verifyChecksum = true,
): SnapshotReadResult {
  const drop = (offsetBytes: number, end: number, reason: DropReason, next: boolean): Dropped => {
    const lengthBytes = end - offsetBytes;
    return { file, offsetBytes, lengthBytes, reason, followedByValid: next, lsnBefore: 0 };
  };
  const header = decodeHeader(bytes, verifyChecksum);
  const version = versionOf(bytes, SNAPSHOT_MAGIC);
  if (header === undefined) {
    const reason = bytes.length < SNAPSHOT_HEADER_BYTES ? 'missing-header' : 'bad-header';
    return {
      version,
      lsn: undefined,
      entries: [],
      dropped: [drop(0, bytes.length, reason, false)],
    };
  }
  const entries: [string, string][] = [];
  const dropped: Dropped[] = [];
  let offset = SNAPSHOT_HEADER_BYTES;
  // Each turn consumes an entry or a dropped region of at least one byte: bounded by the file.
  while (offset < bytes.length) {
    if (dropped.length === 0 && entries.length === header.count) break;
    if (trailerAt(bytes, offset, header.count, false)) break;
    const previous = entries[entries.length - 1]?.[0];
    const entry = parseEntryAt(bytes, offset, verifyChecksum);
    // Checked after reading as it was asserted before writing: keys strictly ascending.
    if (entry !== undefined && (previous === undefined || compareKeys(previous, entry.key) < 0)) {
      entries.push([entry.key, entry.value]);
      offset = entry.end;
      continue;
    }
    const reason = entry === undefined ? entryProblem(bytes, offset) : 'bad-payload';
    const next = nextEntry(bytes, offset + 1, previous, verifyChecksum);
    const end = next === -1 ? trailerStart(bytes, offset, header.count) : next;
    dropped.push(drop(offset, end, reason, next !== -1));
    offset = end;
  }
  const end = readEnd(bytes, offset, header.count, verifyChecksum);
  const last = dropped[dropped.length - 1];
  const covered = last !== undefined && last.offsetBytes + last.lengthBytes >= bytes.length;
  if (end !== undefined && (dropped.length === 0 || (end !== 'bad-checksum' && !covered)))
    dropped.push(drop(offset, bytes.length, end, false));
  else if (dropped.length === 0 && entries.length !== header.count)
    dropped.push(drop(offset, offset, 'bad-length', false)); // the trailer came early
  return { version, lsn: header.lsn, entries, dropped };
}

/** Where the intact trailer starts, if one ends the file after `from`; else the end of the file. */
function trailerStart(bytes: Uint8Array, from: number, count: number): number {
  const start = bytes.length - TRAILER_BYTES;
  return start >= from && trailerAt(bytes, start, count, false) ? start : bytes.length;
}

/**
 * What is wrong with the end of the file at `offset`, where the entries ended: undefined when the
 * trailer is there and (when asked) its whole-file CRC holds.
 */
function readEnd(bytes: Uint8Array, offset: number, count: number, verify: boolean) {
  if (!trailerAt(bytes, offset, count, false))
    return offset + TRAILER_BYTES > bytes.length ? 'truncated-record' : 'bad-length';
  return trailerAt(bytes, offset, count, verify) ? undefined : 'bad-checksum';
}

/** Why the entry at `offset` does not parse, in the log's words. */
function entryProblem(bytes: Uint8Array, offset: number): DropReason {
  if (bytes[offset] !== RECORD_MARKER) return 'bad-marker';
  const keyBytes = getGroups(bytes, offset + 6, U32_GROUP_BYTES, U32_MAX) ?? 0;
  const valueBytes = getGroups(bytes, offset + 11, U32_GROUP_BYTES, U32_MAX) ?? 0;
  const end = offset + ENTRY_HEADER_BYTES + keyBytes + valueBytes;
  return end > bytes.length ? 'truncated-record' : 'bad-checksum';
}

// The snapshot in pieces, for a compaction written in slices across later writes (maintenance.ts).
// Additive: the same bytes as encodeSnapshot, which stays as it is for now. The pieces differ from it in
// speed only: entries go into one growing buffer through TextEncoder.encodeInto (no per-entry arrays,
// no concatBytes), and the file CRC is carried between pieces.

const textEncoder = new TextEncoder();

/** The header of a snapshot covering `lsn` with `count` entries: the first bytes of the file. */
export function encodeSnapshotHeader(lsn: number, count: number): Uint8Array {
  return encodeHeader(lsn, count);
}

/** The trailer after `count` entries; `fileCrc` is the CRC of every byte before it. */
export function encodeSnapshotTrailer(count: number, fileCrc: number): Uint8Array {
  const trailer = new Uint8Array(TRAILER_BYTES);
  trailer.set(TRAILER_MAGIC, 0);
  putGroups(trailer, 4, count, U32_GROUP_BYTES);
  putGroups(trailer, 9, crc32(trailer, 0, 4 + U32_GROUP_BYTES, fileCrc), U32_GROUP_BYTES);
  return trailer;
}

/** What encodeSnapshotEntries wrote. */
export interface EncodedEntries {
  /** The encoded entries, back to back. */
  readonly bytes: Uint8Array;
  /** How many entries, and the last key among them (undefined: none). */
  readonly count: number;
  readonly lastKey: string | undefined;
  /** The file CRC continued over `bytes`. */
  readonly fileCrc: number;
  /** True when `entries` ran out (false: it stopped at bytesMax with entries left to pull). */
  readonly ended: boolean;
}

/**
 * Encode entries pulled from `entries` (strictly ascending, after `afterKey`) until the bytes reach
 * `bytesMax` or the iterator ends; at least one entry when there is one. `fileCrc` is the CRC of the
 * file so far. The bytes are what encodeSnapshot writes for the same entries. `capacityBytes` is the
 * buffer to start with: the bytes expected, when the caller knows them.
 */
export function encodeSnapshotEntries(
  entries: Iterator<readonly [string, string]>,
  bytesMax: number,
  fileCrc: number,
  afterKey: string | undefined,
  capacityBytes = 4096,
): EncodedEntries {
  // Start at the caller's guess (small by default: a checker's store holds a few keys, and a zero-filled
  // 64 KiB buffer per slice was a fifth of its time) and double as needed.
  let out: Uint8Array = new Uint8Array(Math.min(bytesMax, capacityBytes) + 512);
  let at = 0;
  let count = 0;
  let lastKey = afterKey;
  let ended = false;
  while (at < bytesMax) {
    const next = entries.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const [key, value] = next.value;
    assert(lastKey === undefined || compareKeys(lastKey, key) < 0, 'snapshot entries are ordered');
    // A UTF-16 unit is at most 3 UTF-8 bytes: reserve that much, so encodeInto never runs short.
    const room = ENTRY_HEADER_BYTES + 3 * (key.length + value.length);
    if (at + room > out.length) out = grown(out, at + room);
    // One entry, written in place: marker, CRC of bytes 6.., key length, value length, key, value.
    const k = putText(out, at + ENTRY_HEADER_BYTES, key);
    const v = putText(out, at + ENTRY_HEADER_BYTES + k, value);
    out[at] = RECORD_MARKER;
    putGroups(out, at + 6, k, U32_GROUP_BYTES);
    putGroups(out, at + 11, v, U32_GROUP_BYTES);
    const end = at + ENTRY_HEADER_BYTES + k + v;
    putGroups(out, at + 1, crc32(out, at + 6, end), U32_GROUP_BYTES);
    at = end;
    count++;
    lastKey = key;
  }
  const bytes = out.subarray(0, at);
  return { bytes, count, lastKey, fileCrc: crc32(bytes, 0, at, fileCrc), ended };
}

/**
 * Write `text` as UTF-8 at `offsetBytes`; returns the bytes written. ASCII is copied unit by unit
 * (most keys and values), which costs less than encodeInto's call and the subarray it needs.
 */
function putText(out: Uint8Array, offsetBytes: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80)
      return i + textEncoder.encodeInto(text.slice(i), out.subarray(offsetBytes + i)).written;
    out[offsetBytes + i] = c;
  }
  return n;
}

function grown(bytes: Uint8Array, needBytes: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(needBytes, bytes.length * 2));
  bigger.set(bytes);
  return bigger;
}
