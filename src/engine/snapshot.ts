// The snapshot file format (seed: snapshot_write_cb, the writing half of kvstore_create_snapshot, and
// kvstore_load_snapshot). The seed's loader trusted its file and checked no CRC ("snapshot 是可信文件");
// ours checks a CRC per entry, a count in the header and again in the trailer, and a CRC of the whole file,
// so that a truncated or rotten snapshot is detected instead of silently loading half the keys.

import {
  compareKeys,
  concatBytes,
  fromUtf8,
  getU64,
  putU32,
  putU64,
  utf8,
  viewOf,
} from './bytes.js';
import { crc32 } from './crc32.js';
import { assert } from './errors.js';
import type { Dropped } from './logging.js';

/** "KVLS": the first four bytes of every snapshot. */
export const SNAPSHOT_MAGIC = 0x534c_564b;
/** "KVLE": the first four bytes of the trailer. */
export const TRAILER_MAGIC = 0x454c_564b;
/** The snapshot format version this code writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** Header: magic (4) + version (4) + LSN covered (8) + entry count (4) + CRC of the preceding 20 bytes (4). */
export const SNAPSHOT_HEADER_BYTES = 4 + 4 + 8 + 4 + 4;
/** Entry header: CRC of the rest of the entry (4) + key length (4) + value length (4). */
export const ENTRY_HEADER_BYTES = 4 + 4 + 4;
/** Trailer: magic (4) + entry count again (4) + CRC of every byte before this field (4). */
export const TRAILER_BYTES = 4 + 4 + 4;
/** Bytes per append step when writing a snapshot: bounds each write and gives the checker steps to tear. */
export const SNAPSHOT_CHUNK_BYTES = 64 * 1024;

/** A decoded snapshot. */
export interface SnapshotReadResult {
  /** The LSN the snapshot covers, or undefined when its header is damaged. */
  readonly lsn: number | undefined;
  /** Intact entries in key order. Complete only when `dropped` is empty. */
  readonly entries: readonly (readonly [string, string])[];
  /** What could not be used. Empty means the snapshot is whole. */
  readonly dropped: readonly Dropped[];
}

/**
 * Encode entries (already in key order, as a tree scan yields them) covering `lsn`, split into chunks
 * of about SNAPSHOT_CHUNK_BYTES. Memory holds the whole state anyway; the chunks bound each write.
 */
export function encodeSnapshot(
  lsn: number,
  count: number,
  entries: Iterable<readonly [string, string]>,
): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  const headerView = viewOf(header);
  putU32(headerView, 0, SNAPSHOT_MAGIC);
  putU32(headerView, 4, SNAPSHOT_VERSION);
  putU64(headerView, 8, lsn);
  putU32(headerView, 16, count);
  putU32(headerView, 20, crc32(header, 0, 20));
  let fileCrc = crc32(header);
  let pending: Uint8Array[] = [header];
  let pendingBytes = header.length;
  let written = 0;
  let previous: string | undefined;
  for (const [key, value] of entries) {
    assert(
      previous === undefined || compareKeys(previous, key) < 0,
      'snapshot entries are strictly ordered',
    );
    previous = key;
    const k = utf8(key);
    const v = utf8(value);
    const entry = new Uint8Array(ENTRY_HEADER_BYTES + k.length + v.length);
    const view = viewOf(entry);
    putU32(view, 4, k.length);
    putU32(view, 8, v.length);
    entry.set(k, ENTRY_HEADER_BYTES);
    entry.set(v, ENTRY_HEADER_BYTES + k.length);
    putU32(view, 0, crc32(entry, 4));
    fileCrc = crc32(entry, 0, entry.length, fileCrc);
    pending.push(entry);
    pendingBytes += entry.length;
    written++;
    if (pendingBytes >= SNAPSHOT_CHUNK_BYTES) {
      chunks.push(concatBytes(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  assert(written === count, `snapshot count ${count} matches the ${written} entries written`);
  const trailer = new Uint8Array(TRAILER_BYTES);
  const trailerView = viewOf(trailer);
  putU32(trailerView, 0, TRAILER_MAGIC);
  putU32(trailerView, 4, count);
  putU32(trailerView, 8, crc32(trailer, 0, 8, fileCrc));
  pending.push(trailer);
  chunks.push(concatBytes(pending));
  return chunks;
}

/** Parse one entry; undefined when it is cut short, fails its CRC, or is not UTF-8. */
export function parseEntryAt(
  bytes: Uint8Array,
  at: number,
  verifyChecksum: boolean,
): { key: string; value: string; end: number } | undefined {
  if (at + ENTRY_HEADER_BYTES > bytes.length) return undefined;
  const view = viewOf(bytes);
  const keyBytes = view.getUint32(at + 4, true);
  const valueBytes = view.getUint32(at + 8, true);
  const end = at + ENTRY_HEADER_BYTES + keyBytes + valueBytes;
  if (end > bytes.length) return undefined;
  if (verifyChecksum && view.getUint32(at, true) !== crc32(bytes, at + 4, end)) return undefined;
  const key = fromUtf8(bytes.subarray(at + ENTRY_HEADER_BYTES, at + ENTRY_HEADER_BYTES + keyBytes));
  const value = fromUtf8(bytes.subarray(at + ENTRY_HEADER_BYTES + keyBytes, end));
  return key === undefined || value === undefined ? undefined : { key, value, end };
}

/**
 * Read a snapshot. Never throws on bad bytes: the first problem becomes a Dropped entry and the intact
 * entries before it are kept (for salvage). `verifyChecksum` is false only in the bug zoo.
 */
export function readSnapshot(
  bytes: Uint8Array,
  file: string,
  verifyChecksum = true,
): SnapshotReadResult {
  const view = viewOf(bytes);
  const drop = (offsetBytes: number, reason: Dropped['reason']): Dropped => ({
    file,
    offsetBytes,
    lengthBytes: bytes.length - offsetBytes,
    reason,
    followedByValid: false,
  });
  if (bytes.length < SNAPSHOT_HEADER_BYTES)
    return { lsn: undefined, entries: [], dropped: [drop(0, 'missing-header')] };
  const headerOk =
    view.getUint32(0, true) === SNAPSHOT_MAGIC &&
    view.getUint32(4, true) === SNAPSHOT_VERSION &&
    (!verifyChecksum || view.getUint32(20, true) === crc32(bytes, 0, 20));
  const lsn = headerOk ? getU64(view, 8) : undefined;
  if (lsn === undefined) return { lsn: undefined, entries: [], dropped: [drop(0, 'bad-header')] };
  const count = view.getUint32(16, true);
  const entries: [string, string][] = [];
  let at = SNAPSHOT_HEADER_BYTES;
  // Bounded by count and by the file: each entry takes at least ENTRY_HEADER_BYTES.
  for (let i = 0; i < count; i++) {
    const entry = parseEntryAt(bytes, at, verifyChecksum);
    const previous = entries[entries.length - 1];
    if (entry === undefined)
      return {
        lsn,
        entries,
        dropped: [
          drop(at, at + ENTRY_HEADER_BYTES > bytes.length ? 'truncated-record' : 'bad-checksum'),
        ],
      };
    // Checked after reading as it was asserted before writing: keys strictly ascending.
    if (previous !== undefined && compareKeys(previous[0], entry.key) >= 0)
      return { lsn, entries, dropped: [drop(at, 'bad-payload')] };
    entries.push([entry.key, entry.value]);
    at = entry.end;
  }
  const trailerOk =
    bytes.length === at + TRAILER_BYTES &&
    view.getUint32(at, true) === TRAILER_MAGIC &&
    view.getUint32(at + 4, true) === count &&
    (!verifyChecksum || view.getUint32(at + 8, true) === crc32(bytes, 0, at + 8));
  if (!trailerOk)
    return {
      lsn,
      entries,
      dropped: [drop(at, bytes.length < at + TRAILER_BYTES ? 'truncated-record' : 'bad-length')],
    };
  return { lsn, entries, dropped: [] };
}

// The snapshot in pieces, for a compaction written in slices across later writes (maintenance.ts).
// Additive: the same bytes as encodeSnapshot, which stays as it is for now. The pieces differ from it in
// speed only: entries go into one growing buffer through TextEncoder.encodeInto (no per-entry arrays,
// no concatBytes), and the file CRC is carried between pieces.

const textEncoder = new TextEncoder();

/** The header of a snapshot covering `lsn` with `count` entries: the first bytes of the file. */
export function encodeSnapshotHeader(lsn: number, count: number): Uint8Array {
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  const view = viewOf(header);
  putU32(view, 0, SNAPSHOT_MAGIC);
  putU32(view, 4, SNAPSHOT_VERSION);
  putU64(view, 8, lsn);
  putU32(view, 16, count);
  putU32(view, 20, crc32(header, 0, 20));
  return header;
}

/** The trailer after `count` entries; `fileCrc` is the CRC of every byte before it. */
export function encodeSnapshotTrailer(count: number, fileCrc: number): Uint8Array {
  const trailer = new Uint8Array(TRAILER_BYTES);
  const view = viewOf(trailer);
  putU32(view, 0, TRAILER_MAGIC);
  putU32(view, 4, count);
  putU32(view, 8, crc32(trailer, 0, 8, fileCrc));
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
  // 64 KiB buffer per slice was a fifth of its time) and double as needed; one DataView per buffer.
  let out: Uint8Array = new Uint8Array(Math.min(bytesMax, capacityBytes) + 512);
  let view = viewOf(out);
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
    if (at + room > out.length) {
      out = grown(out, at + room);
      view = viewOf(out);
    }
    const k = putText(out, at + ENTRY_HEADER_BYTES, key);
    const v = putText(out, at + ENTRY_HEADER_BYTES + k, value);
    putU32(view, at + 4, k);
    putU32(view, at + 8, v);
    const end = at + ENTRY_HEADER_BYTES + k + v;
    putU32(view, at, crc32(out, at + 4, end));
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
