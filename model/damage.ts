// Damage between runs, as the damage command aims it (KVStore v3 had no defence against a flipped bit):
// anywhere in a file by offset, or by structure: the log's header, or a chosen field of a chosen
// record, so that damage which must hit one particular record is not left to a uniform draw.

import { at } from '../src/engine/errors.js';
import { RECORD_HEADER_BYTES, readLog, WAL_HEADER_BYTES } from '../src/engine/logging.js';
import { FILES } from '../src/engine/plan.js';

/** The damage a damage command does. */
export type DamageHow = { readonly xor: number } | { readonly zeroBytes: number };

/** Where a damage command aims: a byte of the log header, or a part of the n-th record of the log. */
export type DamageTarget =
  | { readonly part: 'log-header' }
  | {
      readonly part: 'record-first' | 'record-header' | 'record-payload' | 'record-last';
      readonly record: number;
    };

/** The offset a damage command hits: by structure (a record, a field), or anywhere by `pick`. */
export function damageOffset(
  bytes: Uint8Array,
  file: string,
  pick: number,
  target: DamageTarget | undefined,
): number {
  if (target === undefined || file !== FILES.wal) return pick % bytes.length;
  const records = readLog(bytes, file).records;
  if (target.part === 'log-header' || records.length === 0)
    return pick % Math.min(bytes.length, WAL_HEADER_BYTES);
  const r = at(records, target.record % records.length, 'damaged record');
  const header = Math.min(RECORD_HEADER_BYTES, r.lengthBytes);
  const last = r.offsetBytes + r.lengthBytes - 1;
  switch (target.part) {
    case 'record-first':
      return r.offsetBytes;
    case 'record-last':
      return last;
    case 'record-header':
      return r.offsetBytes + (pick % header);
    case 'record-payload':
      // An empty payload (a record that is all header) has only its last byte to aim at.
      return Math.min(last, r.offsetBytes + header + (pick % Math.max(1, r.lengthBytes - header)));
  }
}
