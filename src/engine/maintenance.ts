// The Maintenance layer (KVStore v3: kvstore_maybe_compact, kvstore_compact, compact_write_cb,
// kvstore_create_snapshot): snapshots, compaction and sync.
//
// KVStore v3's compaction rewrote the log from memory, renamed it over the old log, and only then wrote
// the snapshot. A crash between the two left the old snapshot and a log without the DEL records, and a
// deleted key came back. Ours writes the snapshot first (tmp, fsync, rename, directory fsync), so the
// memory image is durable before anything it replaces goes away; then it replaces the log with one
// whose base LSN says where the snapshot leaves off. At every step the disk holds either (old snapshot,
// old log) or (new snapshot, old log) or (new snapshot, new log), and each of those recovers to the
// same state: see spec/guarantees.md, "Compaction".
//
// Two forms: compact() does it all in one plan; the automatic compaction does it in slices, one per
// later write, so that no write waits for a whole snapshot (spec/guarantees.md, "Compaction in
// slices"). A persistent tree makes the slices consistent for free: the compaction keeps the root it
// began with, and later writes build new roots beside it.

import { treeCursor } from './bptree.js';
import { concatBytes } from './bytes.js';
import { crc32 } from './crc32.js';
import { assert } from './errors.js';
import { encodeWalHeader, WAL_HEADER_BYTES } from './logging.js';
import { FILES, planReplaceFile, type Step, type Transition } from './plan.js';
import {
  encodeSnapshot,
  encodeSnapshotEntries,
  encodeSnapshotHeader,
  encodeSnapshotTrailer,
  SNAPSHOT_CHUNK_BYTES,
  Slabs,
} from './snapshot.js';
import { allow, transit, type Compaction, type EngineState } from './state.js';

/** What a maintenance operation reports. */
export interface MaintenanceResult {
  /** The LSN now covered by the snapshot, or made durable by sync. */
  readonly lsn: number;
}

/** A plan and the state it leaves, before any permission check: what the planning helpers return. */
export interface Planned {
  /** The state to adopt once the plan succeeded. */
  readonly state: EngineState;
  /** The steps to run first. */
  readonly plan: Step[];
}

/**
 * True when the automatic compaction should begin (KVStore v3: the test in kvstore_maybe_compact): after
 * compactWrites writes, or once the log reaches both compactWalBytes and compactWalPercent of the
 * snapshot's size.
 */
export function shouldCompact(state: EngineState): boolean {
  const o = state.options;
  const walBytesMax = Math.max(
    o.compactWalBytes,
    ((state.snapshotBytes ?? 0) * o.compactWalPercent) / 100,
  );
  return (
    state.phase === 'READY' &&
    (state.walBytes >= walBytesMax || state.writesSinceCompact >= o.compactWrites)
  );
}

/**
 * The whole tree as the snapshot covering state.lastLsn, in chunks of about SNAPSHOT_CHUNK_BYTES (the
 * header in the first, the trailer in the last), the same chunks and bytes as encodeSnapshot.
 */
function snapshotChunks(state: EngineState): Uint8Array[] {
  if (state.tree.size <= 1000)
    return encodeSnapshot(state.lastLsn, state.tree.size, treeCursor(state.tree), 4096);
  // A big tree fills whole chunks: each starts with room for one and is never grown. They come out
  // of slabs, the first as large as the last snapshot and a quarter more (the chunks' spare room):
  // see Slabs.
  const capacityBytes = SNAPSHOT_CHUNK_BYTES + 16 * 1024;
  const expectedBytes = ((state.snapshotBytes ?? 0) * 5) / 4;
  const slabs = new Slabs(Math.max(16 * 1024 * 1024, Math.ceil(expectedBytes)));
  return encodeSnapshot(
    state.lastLsn,
    state.tree.size,
    treeCursor(state.tree),
    capacityBytes,
    slabs,
  );
}

function sumBytes(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((n, c) => n + c.length, 0);
}

/** The steps that write the whole tree as the snapshot covering state.lastLsn. */
export function planSnapshotFile(state: EngineState): Step[] {
  return planReplaceFile(FILES.snapshotTmp, FILES.snapshot, snapshotChunks(state));
}

/** The steps that replace the log with an empty one starting after `baseLsn`. */
export function planNewLog(baseLsn: number): Step[] {
  return planReplaceFile(FILES.walTmp, FILES.wal, [encodeWalHeader(baseLsn)]);
}

/** The state after an explicit snapshot or compaction: one in progress is replaced, not finished. */
function settled(state: EngineState): EngineState {
  return state.phase === 'COMPACTING' ? transit(state, 'end-compaction') : state;
}

/** Steps that remove the tmp log of a compaction being replaced (its snapshot tmp is recreated). */
function dropTmpLog(state: EngineState): Step[] {
  return state.phase === 'COMPACTING' ? [{ kind: 'unlink', file: FILES.walTmp }] : [];
}

/** A snapshot of memory, with no permission check; the log is left alone. */
function snapshotPlan(state: EngineState): Planned {
  const chunks = snapshotChunks(state);
  const next: EngineState = {
    ...settled(state),
    snapshotLsn: state.lastLsn,
    durableLsn: state.lastLsn,
    snapshotBytes: sumBytes(chunks),
  };
  return {
    state: next,
    plan: [...dropTmpLog(state), ...planReplaceFile(FILES.snapshotTmp, FILES.snapshot, chunks)],
  };
}

/**
 * The state and steps of a whole compaction (snapshot first, then a new log after it), with no
 * permission check: planCompact calls it after checking the phase, and recovery's salvage repair calls
 * it while still RECOVERING, so that nobody has to patch a phase to get past allow(). In COMPACTING it
 * replaces the compaction in progress (its tmp files are recreated or removed).
 */
export function compactPlan(state: EngineState): Planned {
  const snap = snapshotPlan(state);
  const next: EngineState = {
    ...snap.state,
    walBaseLsn: state.lastLsn,
    walBytes: WAL_HEADER_BYTES,
    writesSinceCompact: 0,
  };
  return { state: next, plan: [...snap.plan, ...planNewLog(state.lastLsn)] };
}

/** Write a snapshot of memory; the log is left alone (KVStore v3: kvstore_create_snapshot). */
export function planSnapshot(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'maintain');
  return { ...snapshotPlan(state), result: { lsn: state.lastLsn } };
}

/** Snapshot first, then rewrite the log from memory (KVStore v3: kvstore_compact, in the fixed order). */
export function planCompact(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'maintain');
  return { ...compactPlan(state), result: { lsn: state.lastLsn } };
}

/** Make every acknowledged write durable: an fsync of the log when sync is "none" and writes are pending. */
export function planSync(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'sync');
  const plan: Step[] = state.durableLsn < state.lastLsn ? [{ kind: 'fsync', file: FILES.wal }] : [];
  return { state: { ...state, durableLsn: state.lastLsn }, result: { lsn: state.lastLsn }, plan };
}

// ---- The automatic compaction, in slices ----

/** Unsynced tmp bytes after which a slice also fsyncs the tmp files: bounds the fsync of the last one. */
function compactSyncBytes(state: EngineState): number {
  return 64 * state.options.compactSliceBytes;
}

/** Begin: remember the tree and its LSN; create both tmp files with their headers. */
function beginCompaction(state: EngineState): Planned {
  const header = encodeSnapshotHeader(state.lastLsn, state.tree.size);
  const walHeader = encodeWalHeader(state.lastLsn);
  const compaction: Compaction = {
    tree: state.tree,
    lsn: state.lastLsn,
    lastKey: undefined,
    entries: 0,
    complete: false,
    snapTmpBytes: header.length,
    snapCrc: crc32(header),
    walTmpBytes: walHeader.length,
    unsyncedBytes: header.length + walHeader.length,
    writes: 0,
  };
  const plan: Step[] = [
    { kind: 'create', file: FILES.snapshotTmp },
    { kind: 'append', file: FILES.snapshotTmp, offsetBytes: 0, data: header },
    { kind: 'create', file: FILES.walTmp },
    { kind: 'append', file: FILES.walTmp, offsetBytes: 0, data: walHeader },
  ];
  return { state: transit(state, 'begin-compaction', compaction), plan };
}

/**
 * One slice: the next entries of the snapshot, then the trailer once they run out. A slice is about
 * compactSliceBytes, and at least twice the mean record logged since the compaction began, so that the
 * snapshot outruns the log: a compaction ends within snapshot size / compactSliceBytes writes.
 */
function sliceOf(state: EngineState, c: Compaction): Planned {
  const entries = treeCursor(c.tree, c.lastKey);
  if (c.lastKey !== undefined) entries.next(); // the scan starts at lastKey itself, already written
  const meanRecordBytes = c.writes === 0 ? 0 : (c.walTmpBytes - WAL_HEADER_BYTES) / c.writes;
  const bytesMax = Math.max(state.options.compactSliceBytes, 2 * meanRecordBytes);
  const part = encodeSnapshotEntries(entries, bytesMax, c.snapCrc, c.lastKey, bytesMax + 16 * 1024);
  const count = c.entries + part.count;
  const trailer = part.ended ? encodeSnapshotTrailer(count, part.fileCrc) : new Uint8Array(0);
  const data = trailer.length === 0 ? part.bytes : concatBytes([part.bytes, trailer]);
  const plan: Step[] =
    data.length === 0
      ? []
      : [{ kind: 'append', file: FILES.snapshotTmp, offsetBytes: c.snapTmpBytes, data }];
  const next: Compaction = {
    ...c,
    lastKey: part.lastKey,
    entries: count,
    complete: part.ended,
    snapTmpBytes: c.snapTmpBytes + data.length,
    snapCrc: part.fileCrc,
    unsyncedBytes: c.unsyncedBytes + data.length,
  };
  assert(!part.ended || count === c.tree.size, `compaction wrote ${count} of ${c.tree.size} keys`);
  return { state: { ...state, compaction: next }, plan };
}

/** Fsync both tmp files when enough bytes wait, so that the last slice's fsyncs stay short. */
function syncTmps(state: EngineState, c: Compaction): Planned {
  if (c.unsyncedBytes < compactSyncBytes(state)) return { state, plan: [] };
  return {
    state: { ...state, compaction: { ...c, unsyncedBytes: 0 } },
    plan: [
      { kind: 'fsync', file: FILES.snapshotTmp },
      { kind: 'fsync', file: FILES.walTmp },
    ],
  };
}

/**
 * Finish: make the snapshot durable and rename it in, then the log that starts after its LSN (it holds
 * every record written since, appended as they came), so that at each step the files recover to the
 * same state.
 */
function finishCompaction(state: EngineState, c: Compaction): Planned {
  // Both tmp files are fsynced before the first directory fsync makes their names durable: a durable
  // name over bytes that are not would survive a power loss as an empty or torn kvlab.wal.tmp, which
  // recovery must then remove and may see again (both its unlink and its create can roll back).
  const plan: Step[] = [
    { kind: 'fsync', file: FILES.snapshotTmp },
    { kind: 'fsync', file: FILES.walTmp },
    { kind: 'rename', from: FILES.snapshotTmp, to: FILES.snapshot },
    { kind: 'fsyncDir' },
    { kind: 'rename', from: FILES.walTmp, to: FILES.wal },
    { kind: 'fsyncDir' },
  ];
  const next: EngineState = {
    ...transit(state, 'end-compaction'),
    snapshotLsn: c.lsn,
    snapshotBytes: c.snapTmpBytes,
    // The new log was fsynced whole: every record in it, up to lastLsn, is durable.
    durableLsn: state.lastLsn,
    walBaseLsn: c.lsn,
    walBytes: c.walTmpBytes,
    writesSinceCompact: c.writes,
  };
  return { state: next, plan };
}

/**
 * The automatic compaction's step after a write (KVStore v3: kvstore_maybe_compact): nothing; or begin one
 * and write its first slice; or write the next slice, finishing when the snapshot is complete. Runs as
 * its own plan after the write's, so a failure here leaves the write acknowledged.
 */
export function planCompactStep(state: EngineState): Transition<MaintenanceResult> {
  allow(state.phase, 'maintain');
  const result = { lsn: state.snapshotLsn };
  let begun: Planned = { state, plan: [] };
  if (state.compaction === undefined) {
    if (!shouldCompact(state)) return { state, result, plan: [] };
    begun = beginCompaction(state);
  }
  const c = begun.state.compaction;
  assert(c !== undefined, 'a compaction in COMPACTING');
  const slice = sliceOf(begun.state, c);
  const sc = slice.state.compaction;
  assert(sc !== undefined, 'a compaction after a slice');
  const done = sc.complete ? finishCompaction(slice.state, sc) : syncTmps(slice.state, sc);
  return {
    state: done.state,
    result: { lsn: done.state.snapshotLsn },
    plan: [...begun.plan, ...slice.plan, ...done.plan],
  };
}

/** A write during a compaction: its record also goes to the new log (kvlab.wal.tmp), in order. */
export function carryRecord(state: EngineState, record: Uint8Array): Planned {
  const c = state.compaction;
  if (c === undefined) return { state, plan: [] };
  const next: Compaction = {
    ...c,
    walTmpBytes: c.walTmpBytes + record.length,
    unsyncedBytes: c.unsyncedBytes + record.length,
    writes: c.writes + 1,
  };
  return {
    state: { ...state, compaction: next },
    plan: [{ kind: 'append', file: FILES.walTmp, offsetBytes: c.walTmpBytes, data: record }],
  };
}
