// A file's bytes cut at field boundaries by the real decoders (readLog, readSnapshot): header, CRC,
// length, LSN, type, key, value. It stands for the layout drawings of spec/format.md (KVStore v3's
// record struct). Kept to this one small function so the v2 layout can replace it in one place.

import { FILES } from '../../src/engine/plan.js';
import {
  BATCH_OP_HEADER_BYTES,
  RECORD_HEADER_BYTES,
  readLog,
  WAL_HEADER_BYTES,
  type LogRecord,
} from '../../src/engine/logging.js';
import {
  ENTRY_HEADER_BYTES,
  readSnapshot,
  SNAPSHOT_HEADER_BYTES,
  TRAILER_BYTES,
} from '../../src/engine/snapshot.js';

/** One field: bytes start..end of the file, its name, and what the decoder made of the record it is in. */
export interface Field {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly detail: string;
}

/** Fixed-size fields laid end to end from `start`, clipped to `limit`. */
function fixed(
  start: number,
  limit: number,
  parts: readonly (readonly [string, number])[],
  detail: string,
): Field[] {
  const out: Field[] = [];
  let at = start;
  for (const [name, size] of parts) {
    if (at >= limit) break;
    const end = Math.min(limit, at + size);
    out.push({ start: at, end, name, detail });
    at = end;
  }
  return out;
}

const u32 = (bytes: Uint8Array, at: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);

const RECORD_HEADER: readonly (readonly [string, number])[] = [
  ['crc', 4],
  ['len', 4],
  ['lsn', 8],
  ['type', 1],
];

/** The payload fields of one intact record: put (klen, key, value), del (key), batch (count, ops). */
function payloadFields(bytes: Uint8Array, r: LogRecord, detail: string): Field[] {
  const start = r.offsetBytes + RECORD_HEADER_BYTES;
  const end = r.offsetBytes + r.lengthBytes;
  const only = r.ops[0];
  if (r.ops.length === 1 && only?.op === 'del') return [{ start, end, name: 'key', detail }];
  if (r.ops.length === 1 && bytes[r.offsetBytes + 16] === 1) {
    const keyEnd = start + 4 + u32(bytes, start);
    return fixed(
      start,
      end,
      [
        ['klen', 4],
        ['key', keyEnd - start - 4],
        ['value', end - keyEnd],
      ],
      detail,
    );
  }
  const out = fixed(start, end, [['count', 4]], detail);
  let at = start + 4;
  for (let i = 0; i < r.ops.length && at < end; i++) {
    const keyBytes = u32(bytes, at + 1);
    const valueBytes = u32(bytes, at + 5);
    const parts: [string, number][] = [
      ['op', 1],
      ['klen', 4],
      ['vlen', 4],
      ['key', keyBytes],
      ['value', valueBytes],
    ];
    out.push(...fixed(at, end, parts, detail).filter((f) => f.end > f.start));
    at += BATCH_OP_HEADER_BYTES + keyBytes + valueBytes;
  }
  return out;
}

function describeRecord(r: LogRecord): string {
  const ops = r.ops.map((o) =>
    o.op === 'put'
      ? `put ${JSON.stringify(o.key)}=${JSON.stringify(o.value)}`
      : `del ${JSON.stringify(o.key)}`,
  );
  return `record LSN ${r.lsn} @${r.offsetBytes} (${r.lengthBytes} bytes): ${ops.join(', ')}`;
}

function logFields(file: string, bytes: Uint8Array): Field[] {
  const log = readLog(bytes, file);
  const header =
    log.baseLsn === undefined ? 'log header: unreadable' : `log header: base LSN ${log.baseLsn}`;
  const out = fixed(
    0,
    Math.min(bytes.length, WAL_HEADER_BYTES),
    [
      ['magic', 4],
      ['version', 4],
      ['base lsn', 8],
      ['crc', 4],
    ],
    header,
  );
  const pieces: Field[] = [];
  for (const r of log.records) {
    const detail = describeRecord(r);
    pieces.push(
      ...fixed(r.offsetBytes, r.offsetBytes + RECORD_HEADER_BYTES, RECORD_HEADER, detail),
    );
    pieces.push(...payloadFields(bytes, r, detail));
  }
  for (const d of log.dropped) {
    if (d.offsetBytes < WAL_HEADER_BYTES) continue;
    const detail = `dropped by the reader (${d.reason}${d.followedByValid ? ', an intact record follows' : ', nothing intact after it'})`;
    const end = d.offsetBytes + d.lengthBytes;
    const head = fixed(d.offsetBytes, end, RECORD_HEADER, detail).map((f) => ({
      ...f,
      name: `${f.name}?`,
    }));
    const rest = head[head.length - 1]?.end ?? d.offsetBytes;
    pieces.push(...head, ...(rest < end ? [{ start: rest, end, name: 'payload?', detail }] : []));
  }
  return [...out, ...pieces.sort((a, b) => a.start - b.start)];
}

function snapshotFields(file: string, bytes: Uint8Array): Field[] {
  const snap = readSnapshot(bytes, file);
  const header =
    snap.lsn === undefined
      ? 'snapshot header: unreadable'
      : `snapshot header: LSN ${snap.lsn}, ${snap.entries.length} entries read`;
  const out = fixed(
    0,
    Math.min(bytes.length, SNAPSHOT_HEADER_BYTES),
    [
      ['magic', 4],
      ['version', 4],
      ['lsn', 8],
      ['count', 4],
      ['crc', 4],
    ],
    header,
  );
  let at = SNAPSHOT_HEADER_BYTES;
  for (const [key, value] of snap.entries) {
    const keyBytes = u32(bytes, at + 4);
    const valueBytes = u32(bytes, at + 8);
    const detail = `entry ${JSON.stringify(key)}=${JSON.stringify(value)} @${at}`;
    out.push(
      ...fixed(
        at,
        bytes.length,
        [
          ['crc', 4],
          ['klen', 4],
          ['vlen', 4],
          ['key', keyBytes],
          ['value', valueBytes],
        ],
        detail,
      ).filter((f) => f.end > f.start),
    );
    at += ENTRY_HEADER_BYTES + keyBytes + valueBytes;
  }
  const dropped = snap.dropped[0];
  if (dropped !== undefined && dropped.offsetBytes >= at)
    out.push({
      start: Math.max(at, dropped.offsetBytes),
      end: bytes.length,
      name: '?',
      detail: `unreadable (${dropped.reason})`,
    });
  else if (at < bytes.length)
    out.push(
      ...fixed(
        at,
        bytes.length,
        [
          ['trailer', 4],
          ['count', 4],
          ['crc', 4],
        ],
        `trailer (${TRAILER_BYTES} bytes)`,
      ),
    );
  return out;
}

/** The fields of `file` holding `bytes`, in order, covering every byte (a stand-in for the v2 layout). */
export function fieldsOf(file: string, bytes: Uint8Array): Field[] {
  if (bytes.length === 0) return [];
  const isLog = file === FILES.wal || file === FILES.walTmp;
  const isSnapshot = file === FILES.snapshot || file === FILES.snapshotTmp;
  const fields = isLog ? logFields(file, bytes) : isSnapshot ? snapshotFields(file, bytes) : [];
  // Whatever no decoder claimed (a header cut short, unknown files) still shows, as plain bytes.
  const out: Field[] = [];
  let at = 0;
  for (const f of fields) {
    if (f.start > at) out.push({ start: at, end: f.start, name: 'bytes', detail: 'not decoded' });
    if (f.end > Math.max(at, f.start)) out.push({ ...f, start: Math.max(at, f.start) });
    at = Math.max(at, f.end);
  }
  if (at < bytes.length)
    out.push({ start: at, end: bytes.length, name: 'bytes', detail: 'not decoded' });
  return out;
}
