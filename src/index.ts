// kvlab's public API (KVStore v3's kvstore.h): everything a program needs to use the store, and the
// pure engine for those who want to drive it themselves, as the checker does: each operation is
// (state, input) -> (new state, result, plan), and a StoreIo runs the plans. Nothing else in src/ is
// public.

// The store.
export { openStore, openStoreWith, Store, FsStoreIo } from './io/store.js';
export type {
  Entry,
  OpenWith,
  StepRunner,
  StoreIo,
  StoreMaker,
  StoreOptions,
  StoreStats,
} from './io/store.js';
export { PlanRunner } from './io/runner.js';
export type { OpenFile } from './io/runner.js';

// Filesystems and the directory lock.
export { adaptFs, memoryFileSystem, nodeFileSystem, systemErrorCode } from './io/fs.js';
export type {
  DirLock,
  FileIdentity,
  FileStat,
  FileSystem,
  LockMode,
  LockTaker,
  NodeLikeFs,
} from './io/fs.js';
export { acquireLock, kernelLocks, memoryLocks } from './io/lock.js';
export type { LockFs, LockPrimitive } from './io/lock.js';

// Errors.
export { ERROR_CODES, isKvError, KvError, strerror } from './engine/errors.js';
export type { ErrorCode, ErrorLocation } from './engine/errors.js';

// The pure engine: its operations, its state machine, its plans, its formats.
export { ENGINE } from './engine/engine.js';
export type { Engine } from './engine/engine.js';
export { ALLOWED, RECOVERY_MODES, TRANSITIONS } from './engine/state.js';
export type {
  Action,
  Compaction,
  EngineOptions,
  EngineState,
  Phase,
  PhaseEvent,
  RecoveryMode,
  SyncMode,
} from './engine/state.js';
export { DEFAULT_OPTIONS, LIMITS } from './engine/options.js';
export { describeStep, FILES } from './engine/plan.js';
export type {
  AppendStep,
  CreateStep,
  FsyncDirStep,
  FsyncStep,
  Plan,
  RenameStep,
  Step,
  StepKind,
  Transition,
  TruncateStep,
  UnlinkStep,
} from './engine/plan.js';
export type { DiscardedRecord, RecoveryInput, RecoveryReport } from './engine/recovery.js';
export type { WriteResult } from './engine/execution.js';
export type { MaintenanceResult } from './engine/maintenance.js';
export type { DelOp, Dropped, DropReason, LogRecord, PutOp, WriteOp } from './engine/logging.js';
export type { ScanRange, Tree } from './engine/bptree.js';
export { logLayout, snapshotLayout } from './engine/layout.js';
export type { LayoutField } from './engine/layout.js';
