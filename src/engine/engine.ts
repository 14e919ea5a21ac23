// The engine as one value: the pure functions the store calls, in one record. The store takes an Engine
// so that the checker's bug zoo (fuzz/zoo/) can hand it a variant with one mistake put back; the store
// itself, and every default path, only ever sees ENGINE.

import { executeWrite, type WriteResult } from './execution.js';
import type { WriteOp } from './logging.js';
import {
  planCompact,
  planCompactStep,
  planSnapshot,
  planSync,
  type MaintenanceResult,
} from './maintenance.js';
import type { Transition } from './plan.js';
import { recover, type RecoveryInput, type RecoveryReport } from './recovery.js';
import type { EngineOptions, EngineState } from './state.js';

/** The operations a store needs from an engine. Each is pure: (state, input) to (state, result, plan). */
export interface Engine {
  /** Recovery: the snapshot first, then the log; the repairs as a plan (KVStore v3: kvstore_recover). */
  readonly recover: (input: RecoveryInput, options: EngineOptions) => Transition<RecoveryReport>;
  /** A write of one or more ops as one record (KVStore v3: kvstore_exec_write). */
  readonly write: (state: EngineState, ops: readonly WriteOp[]) => Transition<WriteResult>;
  /** A snapshot of the whole state, through a tmp file (KVStore v3: kvstore_create_snapshot). */
  readonly snapshot: (state: EngineState) => Transition<MaintenanceResult>;
  /** Snapshot, then restart the log after it, all at once (KVStore v3: kvstore_compact). */
  readonly compact: (state: EngineState) => Transition<MaintenanceResult>;
  /** Make every acknowledged write durable (an fsync of the log when needed). */
  readonly sync: (state: EngineState) => Transition<MaintenanceResult>;
  /** The automatic compaction's step after every write: nothing, begin, or the next slice. */
  readonly compactStep: (state: EngineState) => Transition<MaintenanceResult>;
}

/** kvlab's engine. */
export const ENGINE: Engine = {
  recover,
  write: executeWrite,
  snapshot: planSnapshot,
  compact: planCompact,
  sync: planSync,
  compactStep: planCompactStep,
};
