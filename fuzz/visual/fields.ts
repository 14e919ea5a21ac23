// A file's bytes cut at field boundaries by the real decoder: src/engine/layout.ts's logLayout and
// snapshotLayout, the same layout `kvlab inspect --hex` prints (marker, crc, length, lsn, syncedLsn,
// type, key, value; torn and damaged regions as the reader dropped them). It stands for the layout
// drawings of spec/format.md (KVStore v3's record struct); this file only names each record's fields.

import { FILES } from '../../src/engine/plan.js';
import { logLayout, snapshotLayout, type LayoutField } from '../../src/engine/layout.js';

/** One field: bytes start..end of the file, its name, and what the decoder made of it and its record. */
export interface Field {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly detail: string;
}

/** Each record's (or entry's) name, from the fields the decoder read: "record LSN 3 @22", "entry "k"". */
function recordNames(layout: readonly LayoutField[], isLog: boolean): Map<number, string> {
  const names = new Map<number, string>();
  const marker = new Map<number, number>();
  for (const f of layout) {
    if (f.recordIndex === undefined || f.note?.startsWith('dropped') === true) continue;
    if (f.field === 'marker') marker.set(f.recordIndex, f.offsetBytes);
    const at = marker.get(f.recordIndex) ?? f.offsetBytes;
    if (isLog && f.field === 'lsn') names.set(f.recordIndex, `record LSN ${f.note ?? '?'} @${at}`);
    if (!isLog && f.field === 'key') names.set(f.recordIndex, `entry ${f.note ?? '?'} @${at}`);
  }
  return names;
}

/** What the decoder made of one field: the part of the file, and its decoded value or why it was dropped. */
function detailOf(f: LayoutField, names: ReadonlyMap<number, string>, isLog: boolean): string {
  const whole = isLog ? 'log header' : f.field === 'unread' ? 'snapshot tail' : 'snapshot header';
  const part =
    f.recordIndex === undefined
      ? whole
      : (names.get(f.recordIndex) ?? `${isLog ? 'record' : 'entry'} ${f.recordIndex}`);
  return `${part}: ${f.field}${f.note === undefined ? '' : ` = ${f.note}`}`;
}

/** The fields of `file` holding `bytes`, in order, covering every byte. */
export function fieldsOf(file: string, bytes: Uint8Array): Field[] {
  if (bytes.length === 0) return [];
  const isLog = file === FILES.wal || file === FILES.walTmp;
  const isSnapshot = file === FILES.snapshot || file === FILES.snapshotTmp;
  const layout = isLog ? logLayout(bytes) : isSnapshot ? snapshotLayout(bytes) : [];
  // Whatever no decoder claimed (a header cut short, unknown files) still shows, as plain bytes.
  const names = recordNames(layout, isLog);
  const out: Field[] = [];
  let at = 0;
  for (const f of layout) {
    const start = f.offsetBytes;
    const end = Math.min(bytes.length, f.offsetBytes + f.lengthBytes);
    if (start > at) out.push({ start: at, end: start, name: 'bytes', detail: 'not decoded' });
    if (end > Math.max(at, start))
      out.push({
        start: Math.max(at, start),
        end,
        name: f.field,
        detail: detailOf(f, names, isLog),
      });
    at = Math.max(at, end);
  }
  if (at < bytes.length)
    out.push({ start: at, end: bytes.length, name: 'bytes', detail: 'not decoded' });
  return out;
}
