// The lesson's engine, first draft (spec/lessons/write-your-own-engine.md): a log-only key-value engine
// as pure functions returning plans, with one classic mistake: it acknowledges a write before fsyncing it.
// It stands for KVStore v3's kvstore_put at its simplest: fprintf a record, return OK.

import {
  applyOps,
  emptyTree,
  encodeRecord,
  encodeWalHeader,
  FILES,
  readLog,
  WAL_HEADER_BYTES,
  type Engine,
  type EngineOptions,
  type EngineState,
  type MaintenanceResult,
  type Plan,
  type RecoveryReport,
  type Transition,
} from '../api.js';

const LOG = FILES.wal;

/** The engine's state after replaying up to `lastLsn`, the log being `walBytes` long. */
function ready(
  options: EngineOptions,
  tree: EngineState['tree'],
  lastLsn: number,
  walBytes: number,
): EngineState {
  // No snapshot and no compaction: their fields stay at zero.
  const unused = { walBaseLsn: 0, snapshotLsn: 0, writesSinceCompact: 0 };
  return { ...unused, phase: 'READY', options, tree, lastLsn, durableLsn: lastLsn, walBytes };
}

function report(options: EngineOptions, records: number, lastLsn: number): RecoveryReport {
  const base = { snapshotLsn: 0, snapshotEntries: 0, dropped: [], discarded: [], repairs: [] };
  return { ...base, mode: options.recovery, walRecords: records, replayed: records, lastLsn };
}

/** Make every write so far durable. */
function flush(state: EngineState): Transition<MaintenanceResult> {
  return { state, result: { lsn: state.lastLsn }, plan: [{ kind: 'fsync', file: LOG }] };
}

/** A first draft of a log-only engine. */
export const logOnlyBroken: Engine = {
  recover(input, options): Transition<RecoveryReport> {
    const log = input.wal === undefined ? undefined : readLog(input.wal, LOG);
    if (input.wal === undefined || log?.baseLsn === undefined) {
      // No log, or one whose header never made it to disk: start an empty one.
      const header = encodeWalHeader(0);
      const plan: Plan = [
        { kind: 'create', file: LOG },
        { kind: 'append', file: LOG, offsetBytes: 0, data: header },
        { kind: 'fsync', file: LOG },
        { kind: 'fsyncDir' },
      ];
      const state = ready(options, emptyTree(options.treeOrder), 0, WAL_HEADER_BYTES);
      return { state, result: report(options, 0, 0), plan };
    }
    let tree = emptyTree(options.treeOrder);
    let end = WAL_HEADER_BYTES;
    for (const r of log.records) {
      tree = applyOps(tree, r.ops);
      end = r.offsetBytes + r.lengthBytes;
    }
    const lastLsn = log.records[log.records.length - 1]?.lsn ?? 0;
    // Cut a torn tail, so that the next record goes right after the last intact one.
    const cut: Plan = [
      { kind: 'truncate', file: LOG, sizeBytes: end },
      { kind: 'fsync', file: LOG },
    ];
    const plan = end < input.wal.length ? cut : [];
    return {
      state: ready(options, tree, lastLsn, end),
      result: report(options, log.records.length, lastLsn),
      plan,
    };
  },
  write(state, ops) {
    const lsn = state.lastLsn + 1;
    const data = encodeRecord(lsn, ops);
    const plan: Plan = [{ kind: 'append', file: LOG, offsetBytes: state.walBytes, data }];
    const tree = applyOps(state.tree, ops);
    return {
      state: { ...state, tree, lastLsn: lsn, walBytes: state.walBytes + data.length },
      result: { lsn },
      plan,
    };
  },
  // A log-only engine has no snapshot: sync, snapshot and compact all just fsync the log.
  sync: flush,
  snapshot: flush,
  compact: flush,
  // Nor any automatic compaction: after a write there is nothing more to do.
  compactStep: (state) => ({ state, result: { lsn: state.lastLsn }, plan: [] }),
};
