// The byte layout of a log or snapshot, field by field, as the engine's own readers see it: what
// `kvlab inspect --hex` prints and what a visualizer cuts byte strips from. Torn and damaged
// regions are laid out too: the record-header fields that are there, then the rest as dropped
// bytes.

import { getGroups, U32_GROUP_BYTES, utf8 } from './bytes.js';
import { isV1Log, isV1Snapshot, readLogV1, readSnapshotV1 } from './format-v1.js';
import {
  BATCH_OP_HEADER_BYTES,
  decodeWalHeader,
  RECORD_AT,
  RECORD_HEADER_BYTES,
  readLog,
  WAL_MAGIC,
  type Dropped,
  type LogRecord,
} from './logging.js';
import {
  parseEntryAt,
  readSnapshot,
  SNAPSHOT_HEADER_BYTES,
  SNAPSHOT_MAGIC,
  TRAILER_BYTES,
} from './snapshot.js';

/** One field of a file: where it is, what it is, and for records which record it belongs to. */
export interface LayoutField {
  /** Where the field starts in the file. */
  readonly offsetBytes: number;
  /** The field's size in bytes. */
  readonly lengthBytes: number;
  /** The field's name in spec/format.md: `marker`, `crc`, `lsn`, `key`, ... */
  readonly field: string;
  /** The record's (or snapshot entry's) index in file order, for fields of a record. */
  readonly recordIndex?: number;
  /** The decoded value, or why the bytes were dropped. */
  readonly note?: string;
}

/** A header field after the marker: name, offset in the record or entry, width. */
type HeaderField = readonly [string, number, number];

/** The fields of a log record's header, in order, after the marker. */
const RECORD_HEADER_FIELDS: readonly HeaderField[] = [
  ['crc', RECORD_AT.crc, 5],
  ['length', RECORD_AT.length, 5],
  ['lsn', RECORD_AT.lsn, 8],
  ['syncedLsn', RECORD_AT.syncedLsn, 8],
  ['type', RECORD_AT.type, 1],
];

/** The fields of a snapshot entry's header, in order, after the marker. */
const ENTRY_HEADER_FIELDS: readonly HeaderField[] = [
  ['crc', 1, 5],
  ['keyLength', 6, 5],
  ['valueLength', 11, 5],
];

const show = (text: string): string =>
  JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** A field list builder: each push starts where the previous field ended. */
function fields(start: number, recordIndex?: number) {
  const out: LayoutField[] = [];
  let offset = start;
  const push = (field: string, lengthBytes: number, note?: string) => {
    out.push({
      offsetBytes: offset,
      lengthBytes,
      field,
      ...(recordIndex === undefined ? {} : { recordIndex }),
      ...(note === undefined ? {} : { note }),
    });
    offset += lengthBytes;
  };
  return { out, push };
}

/** The fields of one intact record. */
function recordFields(record: LogRecord, index: number): LayoutField[] {
  const { out, push } = fields(record.offsetBytes, index);
  push('marker', 1, '0xFF');
  push('crc', 5);
  push('length', 5, `${record.lengthBytes - RECORD_HEADER_BYTES}`);
  push('lsn', 8, `${record.lsn}`);
  push('syncedLsn', 8, `${record.syncedLsn}`);
  const only = record.ops[0];
  const type = record.ops.length > 1 ? 'BATCH' : only?.op === 'del' ? 'DEL' : 'PUT';
  push('type', 1, type);
  if (type === 'BATCH') push('count', 5, `${record.ops.length}`);
  for (const op of record.ops) {
    const key = utf8(op.key).length;
    const value = op.op === 'put' ? utf8(op.value).length : 0;
    if (type === 'BATCH') {
      push('op', 1, op.op);
      push('keyLength', 5, `${key}`);
      push('valueLength', BATCH_OP_HEADER_BYTES - 6, `${value}`);
    } else if (type === 'PUT') push('keyLength', 5, `${key}`);
    push('key', key, show(op.key));
    if (op.op === 'put') push('value', value, show(op.value));
  }
  return out;
}

/**
 * The fields of a dropped region: the header fields of a record that start in it, then the rest.
 */
function droppedFields(
  bytes: Uint8Array,
  region: Dropped,
  index: number,
  header: readonly HeaderField[],
): LayoutField[] {
  const end = region.offsetBytes + region.lengthBytes;
  const { out, push } = fields(region.offsetBytes, index);
  const note = `dropped: ${region.reason}`;
  let offset = region.offsetBytes;
  if (bytes[offset] === 0xff && !region.reason.endsWith('header')) {
    push('marker', 1, note);
    offset++;
    for (const [name, at, width] of header) {
      if (region.offsetBytes + at + width > end) break;
      push(name, width, note);
      offset += width;
    }
  }
  if (end > offset) push('dropped', end - offset, note);
  return out;
}

/** The log header's fields. */
function walHeaderFields(bytes: Uint8Array): LayoutField[] {
  const header = decodeWalHeader(bytes);
  if (header === undefined) return [];
  const { out, push } = fields(0);
  push('magic', 4, '"KVLW"');
  push('version', 5, '2');
  push('baseLsn', 8, `${header.baseLsn}`);
  push('crc', 5);
  return out;
}

/**
 * The layout of a v2 log, field by field, as readLog reads it; a v1 log is laid out as records
 * only.
 */
export function logLayout(bytes: Uint8Array): LayoutField[] {
  const v1 = isV1Log(bytes, WAL_MAGIC);
  const read = v1 ? readLogV1(bytes, 'log') : readLog(bytes, 'log');
  const parts: { offsetBytes: number; fields: (index: number) => LayoutField[] }[] = [
    ...read.records.map((r) => ({
      offsetBytes: r.offsetBytes,
      fields: (i: number) =>
        v1
          ? [
              {
                offsetBytes: r.offsetBytes,
                lengthBytes: r.lengthBytes,
                field: 'v1 record',
                recordIndex: i,
              },
            ]
          : recordFields(r, i),
    })),
    ...read.dropped.map((d) => ({
      offsetBytes: d.offsetBytes,
      fields: (i: number) => droppedFields(bytes, d, i, RECORD_HEADER_FIELDS),
    })),
  ];
  parts.sort((a, b) => a.offsetBytes - b.offsetBytes);
  const header = v1
    ? [{ offsetBytes: 0, lengthBytes: Math.min(20, bytes.length), field: 'v1 header' }]
    : walHeaderFields(bytes);
  return [...header, ...parts.flatMap((p, i) => p.fields(i))];
}

/** The snapshot header's fields. */
function snapshotHeaderFields(lsn: number, count: number): LayoutField[] {
  const { out, push } = fields(0);
  push('magic', 4, '"KVLS"');
  push('version', 5, '2');
  push('lsn', 8, `${lsn}`);
  push('count', 5, count === undefined ? 'unreadable' : `${count}`);
  push('crc', 5);
  return out;
}

/** The fields of one intact snapshot entry at `offset`. */
function entryFields(offset: number, key: string, value: string, index: number): LayoutField[] {
  const { out, push } = fields(offset, index);
  push('marker', 1, '0xFF');
  push('crc', 5);
  push('keyLength', 5, `${utf8(key).length}`);
  push('valueLength', 5, `${utf8(value).length}`);
  push('key', utf8(key).length, show(key));
  push('value', utf8(value).length, show(value));
  return out;
}

/** The layout of a v2 snapshot, field by field, as readSnapshot reads it. */
export function snapshotLayout(bytes: Uint8Array): LayoutField[] {
  if (isV1Snapshot(bytes, SNAPSHOT_MAGIC)) {
    const ok = readSnapshotV1(bytes, 'snapshot').dropped.length === 0;
    return [
      {
        offsetBytes: 0,
        lengthBytes: bytes.length,
        field: 'v1 snapshot',
        note: ok ? 'intact' : 'damaged',
      },
    ];
  }
  const read = readSnapshot(bytes, 'snapshot');
  const out: LayoutField[] = [];
  if (read.lsn !== undefined) out.push(...snapshotHeaderFields(read.lsn, countOf(bytes)));
  let offset = read.lsn === undefined ? 0 : SNAPSHOT_HEADER_BYTES;
  let index = 0;
  // Each turn lays out a region, an entry or the trailer, and moves past it: bounded by the file.
  while (offset < bytes.length) {
    const region = read.dropped.find((d) => d.offsetBytes === offset && d.lengthBytes > 0);
    const entry = region === undefined ? parseEntryAt(bytes, offset, true) : undefined;
    if (region !== undefined) {
      out.push(...droppedFields(bytes, region, index++, ENTRY_HEADER_FIELDS));
      offset += region.lengthBytes;
    } else if (entry !== undefined) {
      out.push(...entryFields(offset, entry.key, entry.value, index++));
      offset = entry.end;
    } else {
      out.push(...trailerFields(bytes, offset));
      break;
    }
  }
  return out;
}

/** The entry count of an intact snapshot header. */
function countOf(bytes: Uint8Array): number {
  return getGroups(bytes, 17, U32_GROUP_BYTES) ?? 0;
}

/** The trailer's fields, or the unread rest when it is not a whole trailer. */
function trailerFields(bytes: Uint8Array, offset: number): LayoutField[] {
  const { out, push } = fields(offset);
  const remaining = bytes.length - offset;
  const count = getGroups(bytes, offset + 4, U32_GROUP_BYTES);
  if (remaining !== TRAILER_BYTES) {
    push('unread', remaining);
    return out;
  }
  push('trailerMagic', 4, '"KVLE"');
  push('count', 5, count === undefined ? 'unreadable' : `${count}`);
  push('crc', 5);
  return out;
}
