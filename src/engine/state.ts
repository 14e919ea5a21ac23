// The State Machine layer (KVStore v3: kvstore_transit_state, kvstore_state_allow, kvstore_enter_failed).
// The transitions and the permissions are data tables; spec/states.md prints the same tables. This file
// is the one home of the phase: only transit() and enterFailed() below change it, and every other
// module (the engine's operations, the shell, recovery) asks them.
// FAILED is a state, not an exception: after a failed write, fsync or rename the in-memory state may be
// ahead of the disk, and an fsync is never retried (the fsyncgate lesson), so only close-and-reopen leaves it.

import type { Tree } from './bptree.js';
import { assert, KvError } from './errors.js';

/** The lifecycle states. KVStore v3's NORMAL is our READY; its REPLAY is our RECOVERING. */
export type Phase = 'RECOVERING' | 'READY' | 'COMPACTING' | 'FAILED' | 'CLOSED';

/** What moves the store from one phase to another. */
export type PhaseEvent = 'recovered' | 'begin-compaction' | 'end-compaction' | 'io-error' | 'close';

/** What a caller may ask for. */
export type Action = 'read' | 'write' | 'maintain' | 'sync' | 'close';

/**
 * The transition table: TRANSITIONS[from][event] is the next phase; a missing entry is an illegal event.
 * COMPACTING is the automatic compaction in progress: it begins after the write that crosses the
 * threshold, every later write adds one bounded slice, and it ends when the last slice has renamed the
 * new snapshot and log into place, or when an explicit snapshot() or compact() replaces it.
 */
export const TRANSITIONS: Readonly<Record<Phase, Partial<Readonly<Record<PhaseEvent, Phase>>>>> = {
  RECOVERING: { recovered: 'READY', 'io-error': 'FAILED', close: 'CLOSED' },
  READY: { 'begin-compaction': 'COMPACTING', 'io-error': 'FAILED', close: 'CLOSED' },
  COMPACTING: { 'end-compaction': 'READY', 'io-error': 'FAILED', close: 'CLOSED' },
  FAILED: { 'io-error': 'FAILED', close: 'CLOSED' },
  CLOSED: {},
};

/**
 * The permission table: which actions each phase allows. Reads serve memory, which only holds adopted
 * state. COMPACTING allows everything READY does: the compaction writes from the tree as it was when
 * it began (a persistent tree keeps that version for free), so later writes do not disturb it.
 */
export const ALLOWED: Readonly<Record<Phase, readonly Action[]>> = {
  RECOVERING: [],
  READY: ['read', 'write', 'maintain', 'sync', 'close'],
  COMPACTING: ['read', 'write', 'maintain', 'sync', 'close'],
  FAILED: ['read', 'close'],
  CLOSED: [],
};

/** The error code for a refused action in each phase: why the store said no. */
const REFUSAL: Readonly<Record<Phase, 'READONLY' | 'FAILED' | 'CLOSED'>> = {
  RECOVERING: 'READONLY',
  READY: 'READONLY',
  COMPACTING: 'READONLY',
  FAILED: 'FAILED',
  CLOSED: 'CLOSED',
};

/** Durability setting: fsync before acknowledging ("always"), or leave it to sync() and close() ("none"). */
export type SyncMode = 'always' | 'none';

/** WAL recovery modes, named after RocksDB's WALRecoveryMode. See spec/guarantees.md. */
export type RecoveryMode = 'tolerate-tail' | 'absolute' | 'point-in-time' | 'salvage';

/** Every recovery mode, in the order the docs list them. */
export const RECOVERY_MODES: readonly RecoveryMode[] = [
  'tolerate-tail',
  'absolute',
  'point-in-time',
  'salvage',
];

/** The engine's settings, all validated at open (see options in src/io/store.ts). */
export interface EngineOptions {
  /** Durability: fsync before acknowledging ("always") or leave it to sync() and close() ("none"). */
  readonly sync: SyncMode;
  /** What recovery does with damage to the log (spec/guarantees.md). */
  readonly recovery: RecoveryMode;
  /** Compact when the log reaches this many bytes (and compactWalPercent of the snapshot's size). */
  readonly compactWalBytes: number;
  /**
   * Compact only once the log is also this percentage of the snapshot's size, as LevelDB sizes each
   * level relative to the one below: rewriting a snapshot of S bytes then costs at most S / (this / 100)
   * bytes per byte logged, whatever the store's size.
   */
  readonly compactWalPercent: number;
  /** Compact after this many writes since the last compaction. */
  readonly compactWrites: number;
  /** Snapshot bytes the automatic compaction writes per later write (at least one entry). */
  readonly compactSliceBytes: number;
  /** The largest key, in UTF-8 bytes. */
  readonly keyBytesMax: number;
  /** The largest value, in UTF-8 bytes. */
  readonly valueBytesMax: number;
  /** The most ops one batch may hold. */
  readonly batchOpsMax: number;
  /** The B+ tree's order: children per branch at most. */
  readonly treeOrder: number;
}

/** Everything the engine knows. Immutable: every operation returns a new one. */
export interface EngineState {
  /** The lifecycle phase: changed only by transit() (the transition table). */
  readonly phase: Phase;
  /** The settings, validated at open. */
  readonly options: EngineOptions;
  /** The in-memory index: an immutable B+ tree, so that a failed plan leaves the old one valid. */
  readonly tree: Tree;
  /** LSN of the newest write applied to `tree` (0: none yet). */
  readonly lastLsn: number;
  /** Newest LSN known durable: fsynced in the log, or covered by a durable snapshot. */
  readonly durableLsn: number;
  /** The LSN the log's header says the log starts after. */
  readonly walBaseLsn: number;
  /** Size of the log file: where the next append goes. */
  readonly walBytes: number;
  /** The LSN covered by the durable snapshot (0: none). */
  readonly snapshotLsn: number;
  /** Writes since the last compaction (or since open). */
  readonly writesSinceCompact: number;
  /** Size of the durable snapshot file (0: none, or not known since open). */
  readonly snapshotBytes?: number | undefined;
  /** The automatic compaction in progress: present exactly when the phase is COMPACTING. */
  readonly compaction?: Compaction | undefined;
}

/**
 * An automatic compaction in progress. It writes the snapshot of `tree` (the tree as of `lsn`) to
 * kvlab.snap.tmp one slice per write, while every write since `lsn` goes to kvlab.wal and to
 * kvlab.wal.tmp (a log starting after `lsn`). The last slice makes both durable and renames them in.
 */
export interface Compaction {
  /** The tree when the compaction began: what the snapshot holds. */
  readonly tree: Tree;
  /** The LSN the snapshot covers. */
  readonly lsn: number;
  /** The last key written to the snapshot so far (undefined: none yet). */
  readonly lastKey: string | undefined;
  /** Entries written to the snapshot so far. */
  readonly entries: number;
  /** True once every entry and the trailer are written. */
  readonly complete: boolean;
  /** Size of kvlab.snap.tmp. */
  readonly snapTmpBytes: number;
  /** The running CRC of kvlab.snap.tmp's bytes: the file CRC the trailer ends with. */
  readonly snapCrc: number;
  /** Size of kvlab.wal.tmp: its header plus every record since `lsn`. */
  readonly walTmpBytes: number;
  /** Bytes appended to the tmp files since their last fsync: bounds the fsync at the end. */
  readonly unsyncedBytes: number;
  /** Writes logged since the compaction began (they become writesSinceCompact of the new log). */
  readonly writes: number;
}

/**
 * The next state for `event`, or INTERNAL when the table has no such transition (a bug, never a user
 * error). Entering COMPACTING takes the compaction it begins; leaving it drops the compaction, so that
 * "compaction present exactly in COMPACTING" holds by construction.
 */
export function transit(
  state: EngineState,
  event: PhaseEvent,
  compaction?: Compaction,
): EngineState {
  const next = TRANSITIONS[state.phase][event];
  if (next === undefined)
    throw new KvError('INTERNAL', `illegal transition: ${event} in ${state.phase}`);
  assert((next === 'COMPACTING') === (compaction !== undefined), `a compaction with ${event}`);
  return { ...state, phase: next, compaction };
}

/** Throw the phase's refusal unless it allows `action` (KVStore v3: kvstore_state_allow). */
export function allow(phase: Phase, action: Action): void {
  if (!ALLOWED[phase].includes(action)) {
    throw new KvError(REFUSAL[phase], `cannot ${action} while ${phase}`);
  }
}

/** Enter FAILED (KVStore v3: kvstore_enter_failed). Legal from every phase but CLOSED. */
export function enterFailed(state: EngineState): EngineState {
  return state.phase === 'FAILED' ? state : transit(state, 'io-error');
}
