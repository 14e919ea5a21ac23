// The Maintenance layer (seed: kvstore_maybe_compact, kvstore_compact, compact_write_cb,
// kvstore_create_snapshot): snapshots, compaction and sync.
//
// The seed's compaction rewrote the log from memory, renamed it over the old log, and only then wrote
// the snapshot. A crash between the two left the old snapshot and a log without the DEL records, and a
// deleted key came back. Ours writes the snapshot first (tmp, fsync, rename, directory fsync), so the
// memory image is durable before anything it replaces goes away; then it rewrites the log from memory as
// a fresh header whose base LSN says where the snapshot leaves off. At every step of that plan the disk
// holds either (old snapshot, old log) or (new snapshot, old log) or (new snapshot, new log), and each of
// those recovers to the same state: see spec/guarantees.md, "Compaction".

import { treeEntries } from './bptree.js';
import { encodeWalHeader, WAL_HEADER_BYTES } from './logging.js';
import { FILES, planReplaceFile, type Step, type Transition } from './plan.js';
import { encodeSnapshot } from './snapshot.js';
import { allow, type EngineState } from './state.js';

/** What a maintenance operation reports. */
export interface MaintenanceResult {
  /** The LSN now covered by the snapshot, or made durable by sync. */
  readonly lsn: number;
}

/** True when a threshold is reached (seed: the test in kvstore_maybe_compact). */
export function shouldCompact(state: EngineState): boolean {
  return (
    state.phase === 'READY' &&
    (state.walBytes >= state.options.compactWalBytes ||
      state.writesSinceCompact >= state.options.compactWrites)
  );
}

/** The steps that write the whole tree as the snapshot covering state.lastLsn. */
export function planSnapshotFile(state: EngineState): Step[] {
  const chunks = encodeSnapshot(state.lastLsn, state.tree.size, treeEntries(state.tree));
  return planReplaceFile(FILES.snapshotTmp, FILES.snapshot, chunks);
}

/** The steps that replace the log with an empty one starting after `baseLsn`. */
export function planNewLog(baseLsn: number): Step[] {
  return planReplaceFile(FILES.walTmp, FILES.wal, [encodeWalHeader(baseLsn)]);
}

/** Write a snapshot of memory; the log is left alone (seed: kvstore_create_snapshot). */
export function planSnapshot(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'maintain');
  const next: EngineState = { ...state, snapshotLsn: state.lastLsn, durableLsn: state.lastLsn };
  return { state: next, result: { lsn: state.lastLsn }, plan: planSnapshotFile(state) };
}

/** Snapshot first, then rewrite the log from memory (seed: kvstore_compact, in the fixed order). */
export function planCompact(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'maintain');
  return planRewrite(state);
}

/**
 * The compaction plan without the permission check, for recovery (which rewrites both files after
 * salvage, or to upgrade a v1 store) while the phase is still RECOVERING.
 */
export function planRewrite(state: EngineState): Transition<MaintenanceResult> {
  const next: EngineState = {
    ...state,
    snapshotLsn: state.lastLsn,
    durableLsn: state.lastLsn,
    walBaseLsn: state.lastLsn,
    walBytes: WAL_HEADER_BYTES,
    writesSinceCompact: 0,
  };
  return {
    state: next,
    result: { lsn: state.lastLsn },
    plan: [...planSnapshotFile(state), ...planNewLog(state.lastLsn)],
  };
}

/** Make every acknowledged write durable: an fsync of the log when sync is "none" and writes are pending. */
export function planSync(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'sync');
  const plan: Step[] = state.durableLsn < state.lastLsn ? [{ kind: 'fsync', file: FILES.wal }] : [];
  return { state: { ...state, durableLsn: state.lastLsn }, result: { lsn: state.lastLsn }, plan };
}
