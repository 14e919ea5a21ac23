// Tests for execution.ts, maintenance.ts and options.ts: what each operation plans, step by step, and
// the argument checks every write passes through.
import { describe, expect, it } from 'vitest';
import { executeWrite } from '../../src/engine/execution.js';
import {
  planCompact,
  planSnapshot,
  planSync,
  shouldCompact,
} from '../../src/engine/maintenance.js';
import { WAL_HEADER_BYTES } from '../../src/engine/logging.js';
import { resolveOptions } from '../../src/engine/options.js';
import { FILES, describeStep } from '../../src/engine/plan.js';
import { initialState } from '../../src/engine/recovery.js';
import { transit, type EngineOptions, type EngineState } from '../../src/engine/state.js';

const ready = (o: Partial<EngineOptions> = {}): EngineState => ({
  ...transit(initialState(resolveOptions(o)), 'recovered'),
  walBytes: WAL_HEADER_BYTES,
});

describe('plans', () => {
  it('appends then fsyncs under sync always; only appends under sync none', () => {
    const t = executeWrite(ready(), [{ op: 'put', key: 'a', value: 'b' }]);
    expect(t.plan.map(describeStep)).toEqual([
      `append ${FILES.wal} @${WAL_HEADER_BYTES} +35`,
      `fsync ${FILES.wal}`,
    ]);
    expect(t.state).toMatchObject({
      lastLsn: 1,
      durableLsn: 1,
      walBytes: WAL_HEADER_BYTES + 35,
      writesSinceCompact: 1,
    });
    const none = executeWrite(ready({ sync: 'none' }), [{ op: 'del', key: 'a' }]);
    expect(none.plan.map((s) => s.kind)).toEqual(['append']);
    expect(none.state.durableLsn).toBe(0);
    expect(planSync(none.state).plan).toEqual([{ kind: 'fsync', file: FILES.wal }]);
    expect(planSync(t.state).plan).toEqual([]);
  });

  it('compacts by writing the snapshot durably before replacing the log', () => {
    const s = executeWrite(ready(), [{ op: 'put', key: 'a', value: 'b' }]).state;
    expect(planCompact(s).plan.map(describeStep)).toEqual([
      `create ${FILES.snapshotTmp}`,
      `append ${FILES.snapshotTmp} @0 +59`,
      `fsync ${FILES.snapshotTmp}`,
      `rename ${FILES.snapshotTmp} -> ${FILES.snapshot}`,
      'fsync-dir',
      `create ${FILES.walTmp}`,
      `append ${FILES.walTmp} @0 +${WAL_HEADER_BYTES}`,
      `fsync ${FILES.walTmp}`,
      `rename ${FILES.walTmp} -> ${FILES.wal}`,
      'fsync-dir',
    ]);
    expect(planCompact(s).state).toMatchObject({
      snapshotLsn: 1,
      walBaseLsn: 1,
      walBytes: WAL_HEADER_BYTES,
      writesSinceCompact: 0,
    });
    expect(planSnapshot(s).plan).toHaveLength(5);
  });

  it('triggers compaction on either threshold, counting each write once', () => {
    let s = ready({ compactWrites: 3 });
    for (let i = 0; i < 2; i++) s = executeWrite(s, [{ op: 'del', key: 'x' }]).state;
    expect(shouldCompact(s)).toBe(false);
    s = executeWrite(s, [{ op: 'del', key: 'x' }]).state;
    expect(shouldCompact(s)).toBe(true);
    expect(
      shouldCompact(
        executeWrite(ready({ compactWalBytes: WAL_HEADER_BYTES + 29 }), [{ op: 'del', key: 'x' }])
          .state,
      ),
    ).toBe(true);
  });

  it('refuses bad arguments with INVALID_ARGUMENT before planning anything', () => {
    const s = ready({ keyBytesMax: 4, valueBytesMax: 3, batchOpsMax: 2 });
    const bad: unknown[] = [
      [],
      [{ op: 'put', key: 'abcde', value: '' }],
      [{ op: 'put', key: 'a', value: 'abcd' }],
      [{ op: 'put', key: '\ud800', value: '' }],
      [{ op: 'del', key: 1 }],
      [{ op: 'nope', key: 'a' }],
      [
        { op: 'del', key: 'a' },
        { op: 'del', key: 'b' },
        { op: 'del', key: 'c' },
      ],
    ];
    for (const ops of bad) {
      expect(() => executeWrite(s, ops as never), JSON.stringify(ops)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(executeWrite(s, [{ op: 'put', key: 'é😀'.slice(0, 1), value: '' }]).result.lsn).toBe(1);
    expect(() => executeWrite(s, [null] as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(describeStep({ kind: 'truncate', file: 'f', sizeBytes: 3 })).toBe('truncate f to 3');
    expect(() => resolveOptions({ sync: 'sometimes' as never })).toThrow(/sync/);
    expect(() => resolveOptions({ recovery: 'hope' as never })).toThrow(/recovery/);
    expect(() => resolveOptions({ treeOrder: 2 })).toThrow(/treeOrder/);
  });
});
