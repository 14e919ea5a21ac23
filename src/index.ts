// kvlab's public API: everything a program needs to use the store, and the pure engine for those who
// want to drive it themselves (the checker does). Nothing else in src/ is public.

export { openStore, Store } from './io/store.js';
export type { Entry, StoreOptions, StoreStats } from './io/store.js';
export { memoryFileSystem, nodeFileSystem, adaptFs } from './io/fs.js';
export type { DirLock, FileSystem, LockMode, NodeLikeFs } from './io/fs.js';
export { kernelLocks, memoryLocks } from './io/lock.js';
export type { LockFs, LockPrimitive } from './io/lock.js';
export { KvError, ERROR_CODES, strerror, isKvError } from './engine/errors.js';
export type { ErrorCode, ErrorLocation } from './engine/errors.js';
export type { WriteOp, Dropped, DropReason, LogRecord } from './engine/logging.js';
export type { ScanRange } from './engine/bptree.js';
export type { RecoveryReport } from './engine/recovery.js';
export type { Phase, SyncMode, RecoveryMode, EngineOptions } from './engine/state.js';
export { RECOVERY_MODES, TRANSITIONS, ALLOWED } from './engine/state.js';
export { DEFAULT_OPTIONS, LIMITS } from './engine/options.js';
export { FILES } from './engine/plan.js';
export type { Plan, Step } from './engine/plan.js';
