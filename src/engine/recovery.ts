// The Recovery layer (seed: kvstore_recover, kvstore_load_snapshot, kvstore_replay_log, kvstore_open_log).
// Pure: the shell reads the directory and hands over the bytes; this decides what state they hold and
// which repairs to plan (remove tmp files, cut a torn tail, start a fresh log), by the rules of
// spec/guarantees.md for the chosen recovery mode.
//
// Seed mistakes fixed here:
// - the snapshot loader checked no CRC: readSnapshot checks every entry, the count and a file CRC;
// - a line without `|` anywhere was read as a clean end of the log: a damaged record followed by an intact
//   one is corruption, and only damage with nothing intact after it is a torn tail;
// - after a torn tail the log was reopened in append mode without being cut, so the next record was glued
//   onto the garbage: the recovery plan truncates the log to its intact prefix before any append;
// - the snapshot path was fixed ("data.snapshot", relative to the process): every name is in the store dir.

import { emptyTree, treeFromSorted } from './bptree.js';
import { applyOps } from './apply.js';
import { KvError } from './errors.js';
import {
  readLog,
  WAL_HEADER_BYTES,
  type Dropped,
  type LogReadResult,
  type LogRecord,
} from './logging.js';
import { planCompact, planNewLog } from './maintenance.js';
import { FILES, type Step, type Transition } from './plan.js';
import { readSnapshot, type SnapshotReadResult } from './snapshot.js';
import { transit, type EngineOptions, type EngineState, type RecoveryMode } from './state.js';

/** What the shell read from the store directory. */
export interface RecoveryInput {
  /** Every file name in the directory. */
  readonly names: readonly string[];
  /** The log's bytes, if the file exists. */
  readonly wal?: Uint8Array | undefined;
  /** The snapshot's bytes, if the file exists. */
  readonly snapshot?: Uint8Array | undefined;
}

/** The files after reading, before any decision: the seam where the bug zoo swaps in a careless reader. */
export interface LoadedFiles {
  readonly names: readonly string[];
  readonly wal: LogReadResult | undefined;
  readonly snapshot: SnapshotReadResult | undefined;
}

/** What recovery found and did. */
export interface RecoveryReport {
  readonly mode: RecoveryMode;
  /** LSN covered by the snapshot used (0: none). */
  readonly snapshotLsn: number;
  readonly snapshotEntries: number;
  /** Intact records in the log, and how many of them were replayed (those above the snapshot's LSN). */
  readonly walRecords: number;
  readonly replayed: number;
  /** The LSN the recovered state ends at. */
  readonly lastLsn: number;
  /** Every region of every file that was not used, and why. */
  readonly dropped: readonly Dropped[];
  /** The repairs planned, in words. */
  readonly repairs: readonly string[];
}

/** Read both files with the engine's careful readers. */
export function loadFiles(input: RecoveryInput): LoadedFiles {
  return {
    names: input.names,
    wal: input.wal === undefined ? undefined : readLog(input.wal, FILES.wal),
    snapshot:
      input.snapshot === undefined ? undefined : readSnapshot(input.snapshot, FILES.snapshot),
  };
}

function corrupted(detail: string, at: Dropped | undefined): KvError {
  return new KvError(
    'CORRUPTED',
    detail,
    at === undefined ? {} : { file: at.file, offsetBytes: at.offsetBytes },
  );
}

/** The log records a mode lets recovery use, or an error when the mode refuses the damage found. */
function usableRecords(log: LogReadResult, mode: RecoveryMode): readonly LogRecord[] {
  const first = log.dropped[0];
  if (first === undefined || mode === 'salvage') return log.records;
  if (log.baseLsn === undefined) throw corrupted(`the log's header is ${first.reason}`, first);
  if (mode === 'absolute')
    throw corrupted(
      `${first.reason} in the log (recovery mode "absolute" accepts no damage)`,
      first,
    );
  if (mode === 'tolerate-tail') {
    const middle = log.dropped.find((d) => d.followedByValid);
    // Damage with an intact record after it is not a torn append: something changed bytes that were durable.
    if (middle !== undefined)
      throw corrupted(
        `${middle.reason} in the middle of the log, followed by intact records`,
        middle,
      );
    return log.records;
  }
  // point-in-time: keep the records before the first damage, whatever follows it.
  return log.records.filter((r) => r.offsetBytes < first.offsetBytes);
}

interface Replayed {
  readonly state: EngineState;
  readonly replayed: number;
  /** The newest LSN present in the log as it will stand (base when it holds no record). */
  readonly walLastLsn: number;
}

/** Apply the records above the snapshot's LSN, requiring each to follow the one before (salvage excepted). */
function replay(
  base: EngineState,
  records: readonly LogRecord[],
  snapshotLsn: number,
  mode: RecoveryMode,
): Replayed {
  let tree = base.tree;
  let lastLsn = snapshotLsn;
  let replayed = 0;
  for (const record of records) {
    if (record.lsn <= snapshotLsn) continue; // already in the snapshot: compaction or a snapshot ran after it
    if (record.lsn !== lastLsn + 1 && mode !== 'salvage') {
      throw new KvError('CORRUPTED', `the log jumps from LSN ${lastLsn} to ${record.lsn}`, {
        file: FILES.wal,
        offsetBytes: record.offsetBytes,
      });
    }
    tree = applyOps(tree, record.ops);
    lastLsn = record.lsn;
    replayed++;
  }
  const walLastLsn =
    records.length > 0 ? (records[records.length - 1] as LogRecord).lsn : base.walBaseLsn;
  return { state: { ...base, tree, lastLsn, durableLsn: lastLsn }, replayed, walLastLsn };
}

/** The snapshot's entries and LSN, or an error when the mode refuses a damaged snapshot. */
function usableSnapshot(
  snapshot: SnapshotReadResult | undefined,
  mode: RecoveryMode,
): { lsn: number; entries: readonly (readonly [string, string])[] } {
  if (snapshot === undefined) return { lsn: 0, entries: [] };
  const damage = snapshot.dropped[0];
  if (damage !== undefined && mode !== 'salvage')
    throw corrupted(`the snapshot is damaged (${damage.reason})`, damage);
  return { lsn: snapshot.lsn ?? 0, entries: snapshot.entries };
}

/** What the repairs are decided from. */
interface RepairInput {
  readonly log: LogReadResult | undefined;
  /** The log records recovery used. */
  readonly records: readonly LogRecord[];
  /** Everything dropped from either file. */
  readonly dropped: readonly Dropped[];
  /** The log starts after the snapshot (only salvage gets this far with it). */
  readonly gap: boolean;
  readonly mode: RecoveryMode;
}

/**
 * The repairs that make the files match the recovered state before any write: rewrite both files after
 * salvage skipped damage; start a new log when there is none or the snapshot is newer than all of it;
 * otherwise cut what was dropped at the log's end. Always fsync what was read.
 */
function planRepairs(
  done: Replayed,
  input: RepairInput,
): { state: EngineState; steps: Step[]; repairs: string[] } {
  const { log, records, dropped } = input;
  if (input.mode === 'salvage' && (dropped.length > 0 || input.gap)) {
    // Damage was skipped, so the files no longer say what memory holds: rewrite both from memory.
    const compacted = planCompact({ ...done.state, phase: 'READY' });
    const repair = `rewrote the snapshot and the log from the ${done.state.tree.size} keys salvaged`;
    return {
      state: { ...compacted.state, phase: 'RECOVERING' },
      steps: [...compacted.plan],
      repairs: [repair],
    };
  }
  if (log === undefined || done.state.lastLsn > done.walLastLsn) {
    // No log yet (a new store), or a snapshot newer than every record left in the log (its unsynced tail
    // was lost): start a log after the snapshot, so the next record's LSN follows the one before it.
    const lsn = done.state.lastLsn;
    const repair =
      log === undefined
        ? 'created a new log'
        : `started a new log after LSN ${lsn}, the snapshot's`;
    return {
      state: { ...done.state, walBaseLsn: lsn, walBytes: WAL_HEADER_BYTES, writesSinceCompact: 0 },
      steps: planNewLog(lsn),
      repairs: [repair],
    };
  }
  const walBytes = records.length > 0 ? endOf(records) : WAL_HEADER_BYTES;
  const steps: Step[] = [];
  const repairs: string[] = [];
  if (log.dropped.length > 0) {
    steps.push({ kind: 'truncate', file: FILES.wal, sizeBytes: walBytes });
    repairs.push(
      `cut the log to ${walBytes} bytes, dropping ${sumLength(log.dropped)} damaged bytes at its end`,
    );
  }
  // What recovery read may sit in the page cache only (a killed process's unsynced writes); make it
  // durable before anyone is shown it, so that a later power loss cannot take back what was recovered.
  steps.push({ kind: 'fsync', file: FILES.wal });
  return { state: { ...done.state, walBytes }, steps, repairs };
}

/**
 * Decide the recovered state and the repair plan from files already read. Throws CORRUPTED (naming the
 * file and offset) when the recovery mode refuses what it found.
 */
export function recoverFrom(
  files: LoadedFiles,
  options: EngineOptions,
): Transition<RecoveryReport> {
  const mode = options.recovery;
  const repairs: string[] = [];
  const plan: Step[] = [];
  // A tmp file is a snapshot or log whose writer died before its rename: never trusted, always removed.
  for (const tmp of [FILES.snapshotTmp, FILES.walTmp]) {
    if (files.names.includes(tmp)) {
      plan.push({ kind: 'unlink', file: tmp });
      repairs.push(`removed ${tmp}, left by an interrupted snapshot or compaction`);
    }
  }
  const snap = usableSnapshot(files.snapshot, mode);
  const log = files.wal;
  if (log === undefined && files.snapshot !== undefined && mode !== 'salvage') {
    throw new KvError('CORRUPTED', 'the snapshot exists but the log is missing', {
      file: FILES.wal,
    });
  }
  const records = log === undefined ? [] : usableRecords(log, mode);
  const walBaseLsn = log?.baseLsn ?? snap.lsn;
  if (walBaseLsn > snap.lsn && mode !== 'salvage') {
    // The log starts after LSN walBaseLsn, so records (snapshot, walBaseLsn] exist nowhere.
    throw new KvError(
      'CORRUPTED',
      `the log starts after LSN ${walBaseLsn} but the snapshot covers only LSN ${snap.lsn}`,
      {
        file: FILES.wal,
        offsetBytes: 0,
      },
    );
  }
  const initial: EngineState = {
    phase: 'RECOVERING',
    options,
    tree: treeFromSorted(snap.entries, options.treeOrder),
    lastLsn: snap.lsn,
    durableLsn: snap.lsn,
    walBaseLsn,
    walBytes: 0,
    snapshotLsn: snap.lsn,
    writesSinceCompact: records.length,
  };
  const done = replay(initial, records, snap.lsn, mode);
  const dropped = [...(files.snapshot?.dropped ?? []), ...(log?.dropped ?? [])];
  const fixed = planRepairs(done, { log, records, dropped, gap: walBaseLsn > snap.lsn, mode });
  plan.push(...fixed.steps);
  repairs.push(...fixed.repairs);
  const state = fixed.state;
  plan.push({ kind: 'fsyncDir' });
  const report: RecoveryReport = {
    mode,
    snapshotLsn: snap.lsn,
    snapshotEntries: snap.entries.length,
    walRecords: log?.records.length ?? 0,
    replayed: done.replayed,
    lastLsn: state.lastLsn,
    dropped,
    repairs,
  };
  return { state: transit(state, 'recovered'), result: report, plan };
}

function endOf(records: readonly LogRecord[]): number {
  const last = records[records.length - 1] as LogRecord;
  return last.offsetBytes + last.lengthBytes;
}

function sumLength(dropped: readonly Dropped[]): number {
  return dropped.reduce((n, d) => n + d.lengthBytes, 0);
}

/** Recover from the raw bytes (seed: kvstore_recover). */
export function recover(input: RecoveryInput, options: EngineOptions): Transition<RecoveryReport> {
  return recoverFrom(loadFiles(input), options);
}

/** The state of a store before recovery has run: empty and RECOVERING. */
export function initialState(options: EngineOptions): EngineState {
  return {
    phase: 'RECOVERING',
    options,
    tree: emptyTree(options.treeOrder),
    lastLsn: 0,
    durableLsn: 0,
    walBaseLsn: 0,
    walBytes: 0,
    snapshotLsn: 0,
    writesSinceCompact: 0,
  };
}
