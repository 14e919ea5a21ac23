// Issue 8's done-when test, on the real disk (node:fs, a temp directory): a value that holds a
// valid encoded record with a higher LSN, in every embedding we can make, is put; the log is then
// cut at every length between the state before and after that put (a kill tearing the append), and
// the store is opened in every mode. tolerate-tail, point-in-time and salvage must open with the
// state before the put; absolute may refuse; no mode may ever show a key that was not written.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKvError } from '../../src/engine/errors.js';
import { encodeRecord, encodeWalHeader } from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';
import type { RecoveryMode } from '../../src/engine/state.js';
import { openStore } from '../../src/io/store.js';
import { asLatin1, asUtf8, HIDDEN_KEY } from '../../model/values.js';

const root = mkdtempSync(join(tmpdir(), 'kvlab-record-in-value-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A format v1 record (kvlab 0.1): CRC, length, LSN as u32/u64 little-endian, type, PUT payload. */
function v1Record(lsn: number, key: string, value: string): Uint8Array {
  const k = new TextEncoder().encode(key);
  const v = new TextEncoder().encode(value);
  const bytes = new Uint8Array(17 + 4 + k.length + v.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, 4 + k.length + v.length, true);
  view.setUint32(8, lsn, true);
  bytes[16] = 1;
  view.setUint32(17, k.length, true);
  bytes.set(k, 21);
  bytes.set(v, 21 + k.length);
  return bytes; // its CRC is left 0: v1 readers would check it, v2 readers never get that far
}

/** Every embedding of a record with a higher LSN (after the put's LSN 3) into a value. */
function embeddings(): [string, string][] {
  const hidden = [{ op: 'put' as const, key: HIDDEN_KEY, value: 'evil' }];
  const out: [string, string][] = [];
  for (const lsn of [4, 1_000_000]) {
    const record = encodeRecord(lsn, hidden, lsn - 1);
    const tail = asUtf8(record.subarray(1));
    out.push(
      [`latin1 code units, LSN ${lsn}`, `..${asLatin1(record)}..`],
      [`marker replaced by "x", LSN ${lsn}`, `x${tail}..`],
      [`marker dropped, at the value's start, LSN ${lsn}`, `${tail}..`],
      [`after a log header, LSN ${lsn}`, `${asUtf8(encodeWalHeader(lsn - 1))}${tail}..`],
      [`v1 record bytes, LSN ${lsn}`, `${asLatin1(v1Record(lsn, HIDDEN_KEY, 'evil'))}..`],
    );
  }
  return out;
}

const OPENS: readonly (readonly [RecoveryMode, boolean])[] = [
  ['tolerate-tail', true],
  ['point-in-time', true],
  ['salvage', true],
  ['absolute', true],
  ['tolerate-tail', false],
];
const BEFORE = [
  { key: 'a', value: '1' },
  { key: 'b', value: '2' },
];

describe('a value that holds a record, torn at every cut, on the real disk', () => {
  it.each(embeddings())('%s', (what, value) => {
    const dir = join(root, what.replace(/[^a-z0-9]+/gi, '-'));
    const s = openStore(dir);
    s.put('a', '1');
    s.put('b', '2');
    const beforeBytes = statSync(join(dir, FILES.wal)).size;
    s.put('k', value);
    s.close();
    const wal = join(dir, FILES.wal);
    const afterBytes = statSync(wal).size;
    expect(readFileSync(wal).subarray(beforeBytes).indexOf(0xff, 1)).toBe(-1); // one marker only
    const cutDir = join(dir, 'cut');
    for (let cut = beforeBytes; cut < afterBytes; cut++) {
      rmSync(cutDir, { recursive: true, force: true }); // a directory holding the torn log alone
      mkdirSync(cutDir);
      copyFileSync(wal, join(cutDir, FILES.wal));
      truncateSync(join(cutDir, FILES.wal), cut);
      // Every mode read-only first (it changes no file), then the default mode writable: it
      // repairs.
      for (const [mode, readOnly] of OPENS) {
        let store: ReturnType<typeof openStore> | undefined;
        try {
          store = openStore(cutDir, { recovery: mode, readOnly });
        } catch (e) {
          const refused = mode === 'absolute' && isKvError(e, 'CORRUPTED');
          expect(refused, `${mode} at ${cut}: ${e}`).toBe(true);
          continue;
        }
        expect(store.scan({}), `${mode} at cut ${cut}`).toEqual(BEFORE);
        expect(store.get(HIDDEN_KEY), `${mode} at cut ${cut}`).toBeUndefined();
        store.close();
      }
    }
  });
});
