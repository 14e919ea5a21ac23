// Bug zoo, KVStore v3 mistake 1 (kvstore_put): compaction runs before the write is applied to memory.
import { ENGINE } from '../../src/engine/engine.js';
import { executeWrite } from '../../src/engine/execution.js';
import { planCompact, shouldCompact } from '../../src/engine/maintenance.js';
import type { BugVariant } from './variant.js';

export const compactBeforeApply: BugVariant = {
  name: 'compact-before-apply',
  summary: 'kvstore_put compacts before applying the write, so the compacted log misses it',
  origin: 'KVStore v3 mistake 1: kvstore_put calls kvstore_maybe_compact before kvstore_apply_put',
  mistake:
    'The seed logs a write, then runs maybe_compact, then applies the write to the B+ tree. When that write crosses the threshold, compaction rewrites the log from a memory that does not hold it yet, and replaces the log that did. The write is acknowledged, memory shows it, and the next open has lost it.',
  exposedBy: 'No fault at all: a write that triggers compaction, then a clean reopen.',
  fix: "The store adopts the write first; the automatic compaction's step (Engine.compactStep, which asks shouldCompact) runs after, on the new state (src/io/store.ts, Store.batch).",
  faults: { crash: 'none', ioError: false, damage: false },
  engine: {
    ...ENGINE,
    write(state, ops) {
      const t = executeWrite(state, ops);
      if (!shouldCompact(t.state)) return t;
      // KVStore v3's order: memory (state.tree) does not have the write yet when compaction reads it.
      const c = planCompact({ ...state, lastLsn: t.state.lastLsn, walBytes: t.state.walBytes });
      return {
        state: { ...c.state, tree: t.state.tree },
        result: t.result,
        plan: [...t.plan, ...c.plan],
      };
    },
  },
};
