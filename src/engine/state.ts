// The State Machine layer (seed: kvstore_transit_state, kvstore_state_allow, kvstore_enter_failed).
// The transitions and the permissions are data tables; spec/states.md prints the same tables.
// FAILED is a state, not an exception: after a failed write, fsync or rename the in-memory state may be
// ahead of the disk, and an fsync is never retried (the fsyncgate lesson), so only close-and-reopen leaves it.

import type { Tree } from './bptree.js';
import { KvError } from './errors.js';

/** The lifecycle states. The seed's NORMAL is our READY; its REPLAY is our RECOVERING. */
export type Phase = 'RECOVERING' | 'READY' | 'COMPACTING' | 'FAILED' | 'CLOSED';

/** What moves the store from one phase to another. */
export type PhaseEvent =
  | 'recovered'
  | 'begin-maintenance'
  | 'end-maintenance'
  | 'io-error'
  | 'close';

/** What a caller may ask for. */
export type Action = 'read' | 'write' | 'maintain' | 'sync' | 'close';

/** The transition table: TRANSITIONS[from][event] is the next phase; a missing entry is an illegal event. */
export const TRANSITIONS: Readonly<Record<Phase, Partial<Readonly<Record<PhaseEvent, Phase>>>>> = {
  RECOVERING: { recovered: 'READY', 'io-error': 'FAILED', close: 'CLOSED' },
  READY: { 'begin-maintenance': 'COMPACTING', 'io-error': 'FAILED', close: 'CLOSED' },
  COMPACTING: { 'end-maintenance': 'READY', 'io-error': 'FAILED' },
  FAILED: { 'io-error': 'FAILED', close: 'CLOSED' },
  CLOSED: {},
};

/** The permission table: which actions each phase allows. Reads serve memory, which only holds adopted state. */
export const ALLOWED: Readonly<Record<Phase, readonly Action[]>> = {
  RECOVERING: [],
  READY: ['read', 'write', 'maintain', 'sync', 'close'],
  COMPACTING: ['read'],
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
  readonly sync: SyncMode;
  readonly recovery: RecoveryMode;
  /** Compact when the log reaches this many bytes. */
  readonly compactWalBytes: number;
  /** Compact after this many writes since the last compaction. */
  readonly compactWrites: number;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly batchOpsMax: number;
  readonly treeOrder: number;
}

/** Everything the engine knows. Immutable: every operation returns a new one. */
export interface EngineState {
  readonly phase: Phase;
  readonly options: EngineOptions;
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
}

/** The next state for `event`, or INTERNAL when the table has no such transition (a bug, never a user error). */
export function transit(state: EngineState, event: PhaseEvent): EngineState {
  const next = TRANSITIONS[state.phase][event];
  if (next === undefined)
    throw new KvError('INTERNAL', `illegal transition: ${event} in ${state.phase}`);
  return { ...state, phase: next };
}

/** Throw the phase's refusal unless it allows `action` (seed: kvstore_state_allow). */
export function allow(phase: Phase, action: Action): void {
  if (!ALLOWED[phase].includes(action)) {
    throw new KvError(REFUSAL[phase], `cannot ${action} while ${phase}`);
  }
}

/** Enter FAILED (seed: kvstore_enter_failed). Legal from every phase but CLOSED. */
export function enterFailed(state: EngineState): EngineState {
  return state.phase === 'FAILED' ? state : transit(state, 'io-error');
}
