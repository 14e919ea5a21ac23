// Tests for the automatic compaction in slices (src/engine/maintenance.ts): its plans write the same
// snapshot bytes as encodeSnapshot, COMPACTING is observable between writes, the new log carries every
// record since the snapshot's LSN, the threshold follows the snapshot's size, and a store opened at any
// point of it holds every write.
import { describe, expect, it } from 'vitest';
import { emptyTree, treeEntries, treePut } from '../../src/engine/bptree.js';
import { concatBytes } from '../../src/engine/bytes.js';
import { executeWrite } from '../../src/engine/execution.js';
import { readLog } from '../../src/engine/logging.js';
import {
  planCompact,
  planCompactStep,
  planSnapshot,
  shouldCompact,
} from '../../src/engine/maintenance.js';
import { resolveOptions } from '../../src/engine/options.js';
import { FILES, type Plan } from '../../src/engine/plan.js';
import { initialState } from '../../src/engine/recovery.js';
import { encodeSnapshot, readSnapshot } from '../../src/engine/snapshot.js';
import { transit, type EngineOptions, type EngineState } from '../../src/engine/state.js';
import { memoryFileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';

const ready = (o: Partial<EngineOptions> = {}): EngineState => ({
  ...transit(initialState(resolveOptions(o)), 'recovered'),
  walBytes: 20,
});

/** Every byte a plan appends to `file`, in order (the file as the plan leaves it, from offset 0). */
function appended(plans: readonly Plan[], file: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const plan of plans)
    for (const step of plan) {
      if (step.kind === 'create' && step.file === file) parts.length = 0;
      if (step.kind === 'append' && step.file === file) parts.push(step.data);
    }
  return concatBytes(parts);
}

describe('compaction in slices', () => {
  it('writes the snapshot of the tree it began with, one slice per write, then swaps both files', () => {
    let s = ready({ compactWrites: 40, compactSliceBytes: 30, sync: 'none' });
    const plans: Plan[] = [];
    const write = (key: string): void => {
      const t = executeWrite(s, [{ op: 'put', key, value: `v${key}` }]);
      const step = planCompactStep(t.state);
      plans.push(t.plan, step.plan);
      s = step.state;
    };
    for (let i = 0; i < 40; i++) write(`k${String(i).padStart(2, '0')}`);
    expect(s.phase).toBe('COMPACTING');
    const begun = s.compaction;
    expect(begun?.lsn).toBe(40);
    const phases: string[] = [];
    for (let i = 0; s.phase === 'COMPACTING' && i < 100; i++) {
      write(`late${i}`);
      phases.push(s.phase);
    }
    expect(phases.length).toBeGreaterThan(3);
    expect(s).toMatchObject({
      phase: 'READY',
      snapshotLsn: 40,
      walBaseLsn: 40,
      durableLsn: s.lastLsn,
    });
    expect(s.compaction).toBeUndefined();
    const snap = appended(plans, FILES.snapshotTmp);
    const tree = begun?.tree ?? emptyTree();
    expect(snap).toEqual(concatBytes(encodeSnapshot(40, tree.size, treeEntries(tree))));
    expect(readSnapshot(snap, FILES.snapshot).entries).toHaveLength(40);
    const log = readLog(appended(plans, FILES.walTmp), FILES.wal);
    expect(log.baseLsn).toBe(40);
    expect(log.records.map((r) => r.lsn)).toEqual(
      Array.from({ length: s.lastLsn - 40 }, (_, i) => 41 + i),
    );
    expect(s.walBytes).toBe(appended(plans, FILES.walTmp).length);
    expect(s.writesSinceCompact).toBe(s.lastLsn - 40);
  });

  it('writes explicit snapshots in the chunks and bytes encodeSnapshot makes', () => {
    let s = ready();
    let tree = emptyTree();
    for (let i = 0; i < 3000; i++) tree = treePut(tree, `key${i}`, 'x'.repeat(i % 50));
    s = { ...s, tree, lastLsn: 9 };
    const chunks = planSnapshot(s)
      .plan.filter((step) => step.kind === 'append')
      .map((step) => (step.kind === 'append' ? step.data : new Uint8Array(0)));
    expect(chunks).toEqual(encodeSnapshot(9, tree.size, treeEntries(tree)));
  });

  it('lets an explicit compact() replace a compaction in progress', () => {
    let s = ready({ compactWrites: 2, compactSliceBytes: 1 });
    for (let i = 0; i < 2; i++)
      s = planCompactStep(executeWrite(s, [{ op: 'put', key: `k${i}`, value: 'v' }]).state).state;
    expect(s.phase).toBe('COMPACTING');
    const t = planCompact(s);
    expect(t.state.phase).toBe('READY');
    expect(t.plan[0]).toEqual({ kind: 'unlink', file: FILES.walTmp });
    expect(t.state).toMatchObject({ snapshotLsn: 2, walBaseLsn: 2, writesSinceCompact: 0 });
  });

  it('waits for the log to reach compactWalPercent of the snapshot', () => {
    const s = { ...ready({ compactWalBytes: 100, compactWalPercent: 50 }), walBytes: 300 };
    expect(shouldCompact({ ...s, snapshotBytes: 1000 })).toBe(false);
    expect(shouldCompact({ ...s, snapshotBytes: 600 })).toBe(true);
    expect(shouldCompact({ ...s, snapshotBytes: undefined })).toBe(true);
  });

  it('shows COMPACTING in stats, and reopens with every write at any point of it', () => {
    const fs = memoryFileSystem();
    const options = { fs, compactWrites: 5, compactSliceBytes: 8, sync: 'none' as const };
    let store = openStore('/db', options);
    const seen = new Set<string>();
    const expected = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 17}`;
      store.put(key, `v${i}`);
      expected.set(key, `v${i}`);
      seen.add(store.stats().phase);
      if (i % 7 === 6) {
        store.close(); // in the middle of a compaction, or not: the tmp files are removed on open
        store = openStore('/db', options);
        expect(Object.fromEntries(store.scan().map((e) => [e.key, e.value]))).toEqual(
          Object.fromEntries([...expected].sort(([a], [b]) => (a < b ? -1 : 1))),
        );
      }
    }
    expect([...seen].sort()).toEqual(['COMPACTING', 'READY']);
    store.close();
  });
});
