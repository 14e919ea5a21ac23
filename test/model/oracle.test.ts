// Tests for model/model.ts and model/oracle.ts: which outcomes each fault allows, as spec/guarantees.md says.
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/engine/errors.js';
import { treePut, emptyTree } from '../../src/engine/bptree.js';
import { resolveOptions } from '../../src/engine/options.js';
import { initialState } from '../../src/engine/recovery.js';
import type { EngineState } from '../../src/engine/state.js';
import { KvModel } from '../../model/model.js';
import { damageOffset } from '../../model/damage.js';
import { damageFault } from '../../model/judge.js';
import { allowedAfter, failedReadsViolation, violation } from '../../model/oracle.js';
import {
  encodeRecord,
  encodeWalHeader,
  RECORD_HEADER_BYTES,
  WAL_HEADER_BYTES,
} from '../../src/engine/logging.js';
import { FILES } from '../../src/engine/plan.js';

function history(): KvModel {
  const m = new KvModel();
  m.ack(m.issue([{ op: 'put', key: 'a', value: '1' }]), true); // LSN 1, durable
  m.ack(m.issue([{ op: 'put', key: 'b', value: '2' }]), false); // LSN 2, acknowledged only
  m.issue([{ op: 'del', key: 'a' }]); // LSN 3, pending
  return m;
}

function state(lastLsn: number, entries: [string, string][]): EngineState {
  let tree = emptyTree(3);
  for (const [k, v] of entries) tree = treePut(tree, k, v);
  return { ...initialState(resolveOptions()), phase: 'READY', tree, lastLsn };
}

describe('the oracle', () => {
  const always = { sync: 'always', recovery: 'tolerate-tail' } as const;
  const none = { sync: 'none', recovery: 'tolerate-tail' } as const;

  it('allows after a kill every prefix that keeps the acknowledged writes', () => {
    const m = history();
    const allowed = allowedAfter(m, { kind: 'kill' }, always);
    expect(allowed).toMatchObject({ minLsn: 2, maxLsn: 3, mayRefuse: false });
    expect(
      violation(m, allowed, {
        state: state(2, [
          ['a', '1'],
          ['b', '2'],
        ]),
      }),
    ).toBeUndefined();
    expect(violation(m, allowed, { state: state(3, [['b', '2']]) })).toBeUndefined();
    expect(violation(m, allowed, { state: state(1, [['a', '1']]) })).toMatch(
      /outside the allowed 2..3/,
    );
    expect(
      violation(m, allowed, {
        state: state(3, [
          ['a', '1'],
          ['b', '2'],
        ]),
      }),
    ).toMatch(/not S\(3\)/);
    expect(violation(m, allowed, { error: new KvError('CORRUPTED', 'x') })).toMatch(/must succeed/);
  });

  it('keeps only durable writes after a power loss under sync none, and never refuses in tolerate-tail', () => {
    const m = history();
    expect(allowedAfter(m, { kind: 'power' }, none)).toMatchObject({
      minLsn: 1,
      mayRefuse: false,
      prefix: true,
    });
    expect(
      allowedAfter(m, { kind: 'power' }, { sync: 'none', recovery: 'absolute' }).mayRefuse,
    ).toBe(true);
    expect(
      allowedAfter(m, { kind: 'power' }, { sync: 'none', recovery: 'point-in-time' }),
    ).toMatchObject({ minLsn: 1, mayRefuse: false });
    expect(allowedAfter(m, { kind: 'power' }, { sync: 'none', recovery: 'salvage' }).prefix).toBe(
      false,
    );
  });

  it('requires CORRUPTED for structural damage, and judges salvage only by what was ever written', () => {
    const m = history();
    const structural = {
      kind: 'damage',
      structural: true,
      lsnBefore: 0,
      followedBySynced: false,
    } as const;
    expect(
      violation(m, allowedAfter(m, structural, always), {
        state: state(2, [
          ['a', '1'],
          ['b', '2'],
        ]),
      }),
    ).toMatch(/must refuse/);
    const salvage = allowedAfter(m, structural, { sync: 'always', recovery: 'salvage' });
    expect(violation(m, salvage, { state: state(9, [['b', '2']]) })).toBeUndefined();
    expect(violation(m, salvage, { state: state(9, [['b', '3']]) })).toMatch(/invented/);
  });

  it('settles on the recovered prefix and keeps the history below it', () => {
    const m = history();
    m.settle(2);
    expect(m.lastIssuedLsn).toBe(2);
    expect(m.stateAt(0)).toEqual(new Map());
    expect(m.nextLsn).toBe(3);
    expect(() => m.settle(5)).toThrow(/cannot settle/);
  });
});

describe('the oracle on a FAILED store', () => {
  it('wants the reads of the last state whose plan fully succeeded', () => {
    const m = history(); // S(2) = {a: 1, b: 2}; write 3 never returned
    expect(
      failedReadsViolation(m, [
        ['a', '1'],
        ['b', '2'],
      ]),
    ).toBeUndefined();
    expect(failedReadsViolation(m, [['b', '2']])).toMatch(/not S\(2\)/); // the failed delete adopted
    expect(failedReadsViolation(m, [['a', '1']])).toMatch(
      /the last state whose plan fully succeeded/,
    );
  });
});

describe('damage, judged by the bytes that changed', () => {
  const lsns = { snapshotLsn: 0, walBaseLsn: 0 };
  const wal = encodeWalHeader(17);

  it('sees no damage where the bytes were already what the damage wrote', () => {
    expect(damageFault(FILES.wal, wal, wal.slice(), lsns)).toBeUndefined();
  });

  it('classifies by the first and last byte that changed, not by where a zeroed run starts', () => {
    // A header whose last byte is 0 (a CRC group of zero bits), as the landed false alarm had.
    const base = Array.from({ length: 400 }, (_, i) => i).find(
      (lsn) => encodeWalHeader(lsn)[WAL_HEADER_BYTES - 1] === 0,
    );
    expect(base).toBeDefined();
    const record = new Uint8Array([...encodeWalHeader(base ?? 0), 1, 2, 3]);
    const zeroed = record.slice();
    zeroed.fill(0, WAL_HEADER_BYTES - 1, WAL_HEADER_BYTES + 1); // the header's last byte was already 0
    expect(record[WAL_HEADER_BYTES - 1]).toBe(0);
    expect(damageFault(FILES.wal, record, zeroed, lsns)).toMatchObject({ structural: false });
    const header = wal.slice();
    header[0] = (header[0] ?? 0) ^ 1;
    expect(damageFault(FILES.wal, wal, header, lsns)).toMatchObject({ structural: true });
    expect(damageFault(FILES.snapshot, wal, header, lsns)).toMatchObject({ structural: true });
  });
});

describe('damage aimed by structure', () => {
  it('hits the log header, or the chosen field of the chosen record', () => {
    const header = encodeWalHeader(0);
    const records = [encodeRecord(1, [{ op: 'put', key: 'a', value: 'xyz' }])];
    const wal = new Uint8Array([...header, ...(records[0] ?? [])]);
    const start = WAL_HEADER_BYTES;
    const last = wal.length - 1;
    expect(damageOffset(wal, FILES.wal, 5, { part: 'log-header' })).toBe(5);
    expect(damageOffset(wal, FILES.wal, 5, { part: 'record-first', record: 7 })).toBe(start);
    expect(damageOffset(wal, FILES.wal, 5, { part: 'record-last', record: 0 })).toBe(last);
    expect(damageOffset(wal, FILES.wal, 5, { part: 'record-header', record: 0 })).toBe(start + 5);
    const payload = damageOffset(wal, FILES.wal, 1, { part: 'record-payload', record: 0 });
    expect(payload).toBeGreaterThanOrEqual(start + RECORD_HEADER_BYTES);
    expect(payload).toBeLessThanOrEqual(last);
    expect(damageOffset(wal, FILES.snapshot, wal.length + 3, { part: 'log-header' })).toBe(3);
  });
});
