// The snapshot file format v2 (KVStore v3: snapshot_write_cb, the writing half of
// kvstore_create_snapshot, and kvstore_load_snapshot). KVStore v3's loader trusted its file and
// checked no CRC ("snapshot 是可信文件"); ours checks a CRC per entry, a count in the header and again
// in the trailer, and a CRC of the whole file, so that a truncated or rotten snapshot is detected
// instead of silently loading half the keys. Entries are framed like log records (logging.ts): each
// starts with the marker 0xFF, which no key, value or integer field can hold, so salvage resyncs at
// the next marker and keeps every intact entry after a damaged one. loadSnapshot reads an intact file
// in one fast pass (a large one by regions of text and one whole-file CRC, the entry CRCs read only
// when that fails) and falls back to readSnapshot, the careful reader, at the first problem.

import {
  compareKeys,
  concatBytes,
  countHighBytes,
  fromUtf8,
  fromUtf8Pair,
  getGroups,
  getU32Groups,
  oneByteText,
  plainBytes,
  putGroups,
  putU32Groups,
  putUtf8,
  U32_GROUP_BYTES,
  U53_GROUP_BYTES,
} from './bytes.js';
import { crc32, crc32Combine } from './crc32.js';
import { assert, at } from './errors.js';
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
  /** The format the file was read as: 2, or 1 when its v1 header is intact (format-v1.ts). */
  readonly version: number | undefined;
  /** The LSN the snapshot covers, or undefined when its header is damaged. */
  readonly lsn: number | undefined;
  /** Intact entries in key order. Complete only when `dropped` is empty. */
  readonly entries: readonly (readonly [string, string])[];
  /** What could not be used. Empty means the snapshot is whole. */
  readonly dropped: readonly Dropped[];
  /**
   * The same entries as two flat arrays, when loadSnapshot's fast path read them (then `entries` is
   * made only if asked for): a load of a million keys makes no array per entry.
   */
  readonly columns?: SnapshotColumns | undefined;
}

/** Entries as two flat arrays: keys[i] (strictly ascending) maps to values[i]. */
export interface SnapshotColumns {
  /** The keys, strictly ascending. */
  readonly keys: readonly string[];
  /** The value of each key, at the same index. */
  readonly values: readonly string[];
  /** True when every key is ASCII (a large file's fast path knows it), so JS `<` orders them. */
  readonly ascii?: boolean | undefined;
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
  slabs?: Slabs,
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
    const piece = encodeSnapshotEntries(iterator, bytesMax, fileCrc, lastKey, capacityBytes, slabs);
    fileCrc = piece.fileCrc;
    written += piece.count;
    lastKey = piece.lastKey;
    const tail = piece.ended ? [encodeSnapshotTrailer(count, fileCrc)] : [];
    // A middle piece is a chunk as it is: copying it into a fresh array was a tenth of a compaction.
    const alone = head.length === 0 && tail.length === 0;
    chunks.push(alone ? piece.bytes : concatBytes([...head, piece.bytes, ...tail]));
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
  // The format this reader reads the file as (a v1 file goes to format-v1.ts instead).
  const version = SNAPSHOT_VERSION;
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

/**
 * Read a snapshot as readSnapshot does, fast when it is intact: every entry's CRC and structure and the
 * whole-file CRC checked, the text decoded in long runs (readIntactLarge) or one decoder call per
 * entry, and the entries returned as `columns`. At the first problem it reads the file again with
 * readSnapshot, so every verdict and every Dropped is readSnapshot's.
 */
export function loadSnapshot(bytes: Uint8Array, file: string): SnapshotReadResult {
  const plain = plainBytes(bytes);
  return readIntact(plain) ?? readSnapshot(plain, file);
}

/** The entries of an intact v2 snapshot, or undefined at the first thing readSnapshot would drop. */
function readIntact(bytes: Uint8Array): SnapshotReadResult | undefined {
  const header = decodeHeader(bytes, true);
  if (header === undefined) return undefined;
  // Every entry takes at least its header: a count beyond that is damage (and bounds the arrays).
  if (header.count > (bytes.length - SNAPSHOT_HEADER_BYTES) / ENTRY_HEADER_BYTES) return undefined;
  if (bytes.length >= LARGE_FILE_BYTES) return readIntactLarge(bytes, header.lsn, header.count);
  const keys: string[] = [];
  const values: string[] = [];
  const pair = ['', ''];
  let fileCrc = crc32(bytes, 0, SNAPSHOT_HEADER_BYTES);
  let offset = SNAPSHOT_HEADER_BYTES;
  let previousAt = 0;
  let previousEnd = 0;
  // One turn per entry the header counts, each moving past at least a header: bounded by the file.
  for (let i = 0; i < header.count; i++) {
    const end = intactEntryEnd(bytes, offset);
    if (end === -1) return undefined;
    const keyAt = offset + ENTRY_HEADER_BYTES;
    const keyEnd = keyAt + getU32Groups(bytes, offset + 6);
    // Checked after reading as it was asserted before writing: keys strictly ascending. UTF-8 byte
    // order is compareKeys' order, and comparing the bytes in hand touches no string.
    if (i > 0 && compareUtf8(bytes, previousAt, previousEnd, keyAt, keyEnd) >= 0) return undefined;
    // A checker's snapshot of a few keys: one decoder call per entry costs less than any run.
    if (!fromUtf8Pair(bytes, keyAt, keyEnd, end, pair)) return undefined;
    keys.push(at(pair, 0, 'key'));
    values.push(at(pair, 1, 'value'));
    previousAt = keyAt;
    previousEnd = keyEnd;
    // The file's CRC over this entry: its first 6 bytes, then the entry's own CRC, combined.
    fileCrc = fileCrcOver(bytes, offset, end, fileCrc, getU32Groups(bytes, offset + 1));
    offset = end;
  }
  if (!trailerAt(bytes, offset, header.count, false)) return undefined;
  const stored = getGroups(bytes, offset + 9, U32_GROUP_BYTES, U32_MAX);
  if (stored !== crc32(bytes, offset, offset + 9, fileCrc)) return undefined;
  return intactResult(header.lsn, { keys, values });
}

/** From this size on a snapshot is read by regions (readIntactLarge); below, entry by entry. */
const LARGE_FILE_BYTES = 256 * 1024;
/**
 * Bytes of whole entries decoded as one string: over V8's 128 KiB limit for ordinary objects, so that
 * a region's string is never copied by the young generation's scavenger; and over the 1,031,913 bytes
 * from which Node.js makes a decoded string an external one: its text is then allocated outside the
 * heap, which was three times faster than a string of 896 KiB in the heap's large-object space (whose
 * allocations also started the heap's incremental marking early).
 */
const REGION_BYTES = 1024 * 1024;

/**
 * readIntact for a large file, in three passes that each run at memory speed:
 * 1. Structure, entry by entry: marker, lengths, bounds, and key order compared on the bytes.
 * 2. Text, a region of whole entries (about REGION_BYTES) at a time: when the region holds exactly as
 *    many bytes at or above 0x80 as entries (their markers), every key and value byte is ASCII, so
 *    the region decodes as one string, one unit per byte, headers included, and each key and value is
 *    a slice of it at its byte offsets. Otherwise each entry is decoded (and validated) on its own.
 * 3. The whole-file CRC in the trailer, over every byte before it, in one call.
 * Each entry's own CRC is checked in pass 1, as readSnapshot checks it: when both hold, every reader
 * (open, verify, inspect) gives the file the same verdict, whatever its size, even for a writer that
 * got an entry's CRC wrong but the file's right. When anything fails, the file is read again by
 * readSnapshot, which says which entries are damaged. The entry CRCs run in this file's JavaScript
 * loop (an entry is shorter than the native CRC's threshold); the whole-file pass is one long range,
 * which the runtime's native CRC (crc32.ts) takes at memory speed. spec/format.md states the same rule.
 */
function readIntactLarge(
  bytes: Uint8Array,
  lsn: number,
  count: number,
): SnapshotReadResult | undefined {
  const keys = new Array<string>(count);
  const values = new Array<string>(count);
  // Per entry of the region being read: where its key starts, where its key ends, where it ends.
  const cuts = new Int32Array(3 * (Math.ceil(REGION_BYTES / ENTRY_HEADER_BYTES) + 2));
  let offset = SNAPSHOT_HEADER_BYTES;
  let previousAt = 0;
  let previousEnd = 0;
  let i = 0;
  let ascii = true;
  // Each region takes at least one entry, each entry at least its header: bounded by the count.
  while (i < count) {
    const regionAt = offset;
    const first = i;
    for (; i < count && (i === first || offset - regionAt < REGION_BYTES); i++) {
      if (bytes[offset] !== RECORD_MARKER) return undefined;
      const keyBytes = getU32Groups(bytes, offset + 6);
      const valueBytes = getU32Groups(bytes, offset + 11);
      const entryCrc = getU32Groups(bytes, offset + 1);
      if (keyBytes === -1 || valueBytes === -1 || entryCrc === -1) return undefined;
      const keyAt = offset + ENTRY_HEADER_BYTES;
      const keyEnd = keyAt + keyBytes;
      const end = keyEnd + valueBytes;
      if (end > bytes.length) return undefined;
      // Every entry's own CRC, as readSnapshot checks it: a file whose whole-file CRC holds over an
      // entry with a wrong CRC (a writer's bug, never a crash's) must get one verdict from every reader.
      if (entryCrc !== crc32(bytes, offset + 6, end)) return undefined;
      // Checked after reading as it was asserted before writing: keys strictly ascending.
      if (i > 0 && compareUtf8(bytes, previousAt, previousEnd, keyAt, keyEnd) >= 0)
        return undefined;
      const c = 3 * (i - first);
      cuts[c] = keyAt;
      cuts[c + 1] = keyEnd;
      cuts[c + 2] = end;
      previousAt = keyAt;
      previousEnd = keyEnd;
      offset = end;
    }
    const text = decodeRegion(bytes, regionAt, offset, cuts, i - first, keys, values, first);
    if (text === 'invalid') return undefined;
    ascii &&= text === 'ascii';
  }
  if (!trailerAt(bytes, offset, count, false)) return undefined;
  const stored = getGroups(bytes, offset + 9, U32_GROUP_BYTES, U32_MAX);
  // The one CRC pass (see above): every byte before the trailer's CRC field.
  if (stored !== crc32(bytes, 0, offset + 9)) return undefined;
  return intactResult(lsn, { keys, values, ascii });
}

/**
 * The keys and values of the `n` entries of bytes[from, to) (cut at `cuts`), stored from index `into`:
 * 'ascii' when all of their text is, 'invalid' when some is not UTF-8, else 'utf8'.
 */
function decodeRegion(
  bytes: Uint8Array,
  from: number,
  to: number,
  cuts: Int32Array,
  n: number,
  keys: string[],
  values: string[],
  into: number,
): 'ascii' | 'utf8' | 'invalid' {
  // Each entry's marker is one byte at or above 0x80, and every other header byte is below: one more
  // such byte is text that is not ASCII (or a 0xFF where none belongs), and is decoded carefully.
  if (countHighBytes(bytes, from, to) === n) {
    // Offsets in the string are byte offsets: one unit per byte.
    const text = oneByteText(bytes, from, to);
    for (let e = 0; e < n; e++) {
      const c = 3 * e;
      const keyEnd = (cuts[c + 1] ?? 0) - from;
      keys[into + e] = text.slice((cuts[c] ?? 0) - from, keyEnd);
      values[into + e] = text.slice(keyEnd, (cuts[c + 2] ?? 0) - from);
    }
    return 'ascii';
  }
  const pair = ['', ''];
  for (let e = 0; e < n; e++) {
    const c = 3 * e;
    if (!fromUtf8Pair(bytes, cuts[c] ?? 0, cuts[c + 1] ?? 0, cuts[c + 2] ?? 0, pair))
      return 'invalid';
    keys[into + e] = at(pair, 0, 'key');
    values[into + e] = at(pair, 1, 'value');
  }
  return 'utf8';
}

/** Entries shorter than this are checksummed again for the file's CRC rather than combined. */
const SHORT_ENTRY_BYTES = 64;

/**
 * The file's CRC continued over the entry bytes[at, end), whose own CRC (bytes at + 6 to end) is
 * `entryCrc`: its first 6 bytes, then the entry's CRC combined in, so the bytes are read once.
 */
function fileCrcOver(
  bytes: Uint8Array,
  at: number,
  end: number,
  fileCrc: number,
  entryCrc: number,
) {
  // A short entry (a checker's) costs less to checksum again, in cache, than one 32-step product.
  if (end - at < SHORT_ENTRY_BYTES) return crc32(bytes, at, end, fileCrc);
  return crc32Combine(crc32(bytes, at, at + 6, fileCrc), entryCrc, end - at - 6);
}

/** Compare bytes[a, aEnd) with bytes[b, bEnd) as unsigned bytes (UTF-8 byte order). */
function compareUtf8(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = (bytes[a + i] ?? 0) - (bytes[b + i] ?? 0);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/** Where the intact entry at `offset` ends (marker, lengths, bytes present, CRC), else -1. */
function intactEntryEnd(bytes: Uint8Array, offset: number): number {
  if (bytes[offset] !== RECORD_MARKER) return -1;
  const keyBytes = getU32Groups(bytes, offset + 6);
  const valueBytes = getU32Groups(bytes, offset + 11);
  const crc = getU32Groups(bytes, offset + 1);
  if (keyBytes === -1 || valueBytes === -1 || crc === -1) return -1;
  const end = offset + ENTRY_HEADER_BYTES + keyBytes + valueBytes;
  return end <= bytes.length && crc === crc32(bytes, offset + 6, end) ? end : -1;
}

/** A whole snapshot's result: `entries` as pairs is made from the columns only when read. */
function intactResult(lsn: number, columns: SnapshotColumns): SnapshotReadResult {
  return new IntactSnapshot(lsn, columns);
}

/** A class, not an object literal with a getter: V8 makes those slowly, and this once per load. */
class IntactSnapshot implements SnapshotReadResult {
  readonly version = SNAPSHOT_VERSION;
  readonly dropped: readonly Dropped[] = [];
  private pairs: (readonly [string, string])[] | undefined;

  constructor(
    readonly lsn: number,
    readonly columns: SnapshotColumns,
  ) {}

  /** The entries as pairs, made on first use. */
  get entries(): readonly (readonly [string, string])[] {
    const { keys, values } = this.columns;
    this.pairs ??= keys.map((key, i): readonly [string, string] => [key, at(values, i, 'value')]);
    return this.pairs;
  }
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
  slabs?: Slabs,
): EncodedEntries {
  // Start at the caller's guess (small by default: a checker's store holds a few keys, and a zero-filled
  // 64 KiB buffer per slice was a fifth of its time) and double as needed.
  const startBytes = Math.min(bytesMax, capacityBytes) + 512;
  let out: Uint8Array = slabs === undefined ? new Uint8Array(startBytes) : slabs.take(startBytes);
  let at = 0;
  let count = 0;
  let lastKey = afterKey;
  let ended = false;
  let previousAt = -1; // where the previous key's bytes are in `out` (-1: in an earlier piece)
  let previousEnd = -1;
  while (at < bytesMax) {
    const next = entries.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const [key, value] = next.value;
    // A UTF-16 unit is at most 3 UTF-8 bytes: reserve that much, so encodeInto never runs short.
    const room = ENTRY_HEADER_BYTES + 3 * (key.length + value.length);
    if (at + room > out.length) out = grown(out, at + room);
    const end = putEntry(out, at, key, value);
    const keyAt = at + ENTRY_HEADER_BYTES;
    const keyEnd = keyAt + getU32Groups(out, at + 6);
    // Asserted on the bytes just written, which are in cache (UTF-8 byte order is compareKeys'
    // order); comparing the strings again cost a third of a compaction.
    const ordered =
      previousAt === -1
        ? lastKey === undefined || compareKeys(lastKey, key) < 0
        : compareUtf8(out, previousAt, previousEnd, keyAt, keyEnd) < 0;
    assert(ordered, 'snapshot entries are ordered');
    previousAt = keyAt;
    previousEnd = keyEnd;
    at = end;
    count++;
    lastKey = key;
  }
  // The file's CRC over the whole piece in one call, which the runtime's native CRC takes (crc32.ts)
  // at several times the speed of combining a million entry CRCs one by one (crc32Combine).
  return { bytes: out.subarray(0, at), count, lastKey, fileCrc: crc32(out, 0, at, fileCrc), ended };
}

/**
 * Hands out pieces of a few large buffers, for a snapshot's chunks. A compaction's plan holds the
 * whole file as chunks before the shell writes them; as 2,300 buffers of 80 KiB, their growth started
 * three full collections of the heap per compaction (V8 starts one each time memory outside the heap
 * grows by 64 MB), each 70–90 ms at a million keys. One buffer the size of the last snapshot starts
 * one.
 */
export class Slabs {
  private slab = new Uint8Array(0);
  private used = 0;

  /** `nextBytes`: the first buffer's size (the bytes expected); later ones double. */
  constructor(private nextBytes: number) {}

  /** A fresh, zeroed piece of `bytes` bytes. */
  take(bytes: number): Uint8Array {
    if (this.used + bytes > this.slab.length) {
      this.slab = new Uint8Array(Math.max(bytes, this.nextBytes));
      this.nextBytes *= 2;
      this.used = 0;
    }
    const piece = this.slab.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return piece;
  }
}

/**
 * Write one entry at `at` (room reserved): marker, CRC of bytes 6.., key length, value length, key,
 * value. Returns where it ends.
 */
function putEntry(out: Uint8Array, at: number, key: string, value: string): number {
  const k = putUtf8(out, at + ENTRY_HEADER_BYTES, key);
  const v = putUtf8(out, at + ENTRY_HEADER_BYTES + k, value);
  out[at] = RECORD_MARKER;
  putU32Groups(out, at + 6, k);
  putU32Groups(out, at + 11, v);
  const end = at + ENTRY_HEADER_BYTES + k + v;
  putU32Groups(out, at + 1, crc32(out, at + 6, end));
  return end;
}

function grown(bytes: Uint8Array, needBytes: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(needBytes, bytes.length * 2));
  bigger.set(bytes);
  return bigger;
}
