// The store: the public, synchronous API over the pure engine (KVStore v3: kvstore_create, kvstore_put,
// kvstore_del, kvstore_search, kvstore_destroy). Every call asks the engine for (state, result, plan),
// runs the plan through the PlanRunner, and adopts the new state only once the whole plan has succeeded.
// A failed step leaves the old state in memory and moves the store to FAILED; nothing is retried.

import { join } from 'node:path';
import { checkTree, treeDepth, treeEntries, treeGet, type ScanRange } from '../engine/bptree.js';
import { ENGINE, type Engine } from '../engine/engine.js';
import { KvError, assert, errorMessage } from '../engine/errors.js';
import type { WriteOp } from '../engine/logging.js';
import type { MaintenanceResult } from '../engine/maintenance.js';
import { resolveOptions } from '../engine/options.js';
import { FILES, type Plan, type Transition } from '../engine/plan.js';
import type { RecoveryInput, RecoveryReport } from '../engine/recovery.js';
import {
  ALLOWED,
  allow,
  enterFailed,
  transit,
  type Action,
  type EngineOptions,
  type EngineState,
  type Phase,
} from '../engine/state.js';
import {
  nodeFileSystem,
  systemErrorCode,
  type DirLock,
  type FileSystem,
  type LockMode,
} from './fs.js';
import { installNative } from './native.js';
import { PlanRunner } from './runner.js';

// The engine's decoding at native speed for every store this process opens (native.ts).
installNative();

/**
 * What a store needs from the world: read the directory, run a plan, let go. The real one is a
 * FileSystem with a lock and a PlanRunner (FsStoreIo). The checker runs that same FsStoreIo over a
 * simulated kernel (model/kernel.ts) that can crash or fail at any syscall.
 */
export interface StoreIo {
  /** The directory listing and the bytes recovery needs. */
  read(): RecoveryInput;
  /** Run every step of a plan in order; throw on the first failure. */
  run(plan: Plan): void;
  /** Close descriptors and release the directory. Never throws. */
  close(): void;
}

/** Options for openStore. Every field is optional; see spec/guarantees.md for what each setting promises. */
export interface StoreOptions extends Partial<EngineOptions> {
  /** The filesystem to use: the real disk by default, or memoryFileSystem(). */
  readonly fs?: FileSystem;
  /** Open without changing any file: recovery repairs stay in memory, and writes get READONLY. */
  readonly readOnly?: boolean;
}

/** One entry of a scan. */
export interface Entry {
  /** The key. */
  readonly key: string;
  /** Its value. */
  readonly value: string;
}

/** Counters and settings, as `kvlab stats` prints them. */
export interface StoreStats {
  /** The lifecycle phase (spec/states.md). */
  readonly phase: Phase;
  /** How many keys the store holds. */
  readonly keys: number;
  /** LSN of the newest write applied. */
  readonly lastLsn: number;
  /** Newest LSN known durable (fsynced in the log, or in a durable snapshot). */
  readonly durableLsn: number;
  /** The LSN the durable snapshot covers (0: none). */
  readonly snapshotLsn: number;
  /** The LSN the log starts after, as its header says. */
  readonly walBaseLsn: number;
  /** The log's size in bytes. */
  readonly walBytes: number;
  /** Writes since the last compaction (or since open). */
  readonly writesSinceCompact: number;
  /** Levels of the in-memory B+ tree (1: a lone leaf). */
  readonly treeDepth: number;
  /** The sync setting in force. */
  readonly sync: EngineOptions['sync'];
  /** The recovery mode in force. */
  readonly recovery: EngineOptions['recovery'];
  /** Why the store is FAILED, when it is. */
  readonly failure: string | undefined;
}

/** A key-value store on one directory. Synchronous; one per directory per process. */
export class Store {
  /** The engine state: replaced (never mutated) only when a plan fully succeeded. */
  protected state: EngineState;
  private failure: KvError | undefined;

  /** @internal Use openStore() or openStoreWith(). */
  constructor(
    /** Where plans run (protected: a Store variant in the checker's mutation tests reaches it). */
    protected readonly io: StoreIo,
    /** The engine that plans every operation. */
    protected readonly engine: Engine,
    state: EngineState,
    private readonly readOnly: boolean,
    /** What recovery found when the store was opened. */
    readonly recovery: RecoveryReport,
  ) {
    this.state = state;
  }

  /** The engine state: read-only, for tests and tools that check invariants. */
  get engineState(): EngineState {
    return this.state;
  }

  private check(action: Action): void {
    if (this.readOnly && (action === 'write' || action === 'maintain'))
      throw new KvError('READONLY', 'the store was opened read-only');
    try {
      allow(this.state.phase, action);
    } catch (e) {
      if (this.failure !== undefined && e instanceof KvError && e.code === 'FAILED') {
        throw new KvError(
          'FAILED',
          `the store failed earlier (${this.failure.message}); close and reopen it`,
          {},
          { cause: this.failure },
        );
      }
      throw e;
    }
  }

  /** Run a transition's plan; adopt its state only if every step succeeded. */
  private commit<R>(t: Transition<R>): R {
    try {
      this.io.run(t.plan);
    } catch (e) {
      // The disk may now hold part of the plan: memory keeps the last state known to match a durable prefix,
      // and FAILED stops every further write until a reopen runs recovery on what the disk really holds.
      this.failure = e instanceof KvError ? e : new KvError('IO', String(e), {}, { cause: e });
      this.state = enterFailed(this.state);
      throw this.failure;
    }
    this.state = t.state;
    return t.result;
  }

  /** The value under `key`, or undefined (KVStore v3: kvstore_search). */
  get(key: string): string | undefined {
    const { phase } = this.state;
    // READY and COMPACTING allow reads (state.ts's ALLOWED): the common case skips check()'s table.
    if (phase !== 'READY' && phase !== 'COMPACTING') this.check('read');
    if (typeof key !== 'string') throw new KvError('INVALID_ARGUMENT', 'key must be a string');
    return treeGet(this.state.tree, key);
  }

  /** Set `key` to `value`. Returns the write's LSN once it is durable under the sync setting. */
  put(key: string, value: string): number {
    return this.batch([{ op: 'put', key, value }]);
  }

  /** Remove `key` (a no-op for the data when absent, but still logged). Returns the write's LSN. */
  del(key: string): number {
    return this.batch([{ op: 'del', key }]);
  }

  /**
   * Apply puts and deletes as one record: after any crash, all of them or none. Returns the LSN.
   * Then the automatic compaction takes its step (begin, or one bounded slice: see maintenance.ts). If
   * that step fails, the write itself stays acknowledged (it is durable under the sync setting) and the
   * store is FAILED: the next call reports why.
   */
  batch(ops: readonly WriteOp[]): number {
    this.check('write');
    const { lsn } = this.commit(this.engine.write(this.state, ops));
    try {
      this.commit(this.engine.compactStep(this.state));
    } catch {
      // Recorded in this.failure; the store is FAILED and says so on the next call.
    }
    return lsn;
  }

  /** Entries with keys in [from, to), in UTF-8 byte order, at most `limit` of them. */
  scan(range: ScanRange = {}): Entry[] {
    this.check('read');
    // JavaScript callers can pass anything: null or a number would otherwise fail as a TypeError.
    if (typeof range !== 'object' || range === null)
      throw new KvError('INVALID_ARGUMENT', 'scan takes an object { from, to, limit }');
    for (const bound of [range.from, range.to]) {
      if (bound !== undefined && typeof bound !== 'string')
        throw new KvError('INVALID_ARGUMENT', 'scan bounds must be strings');
    }
    if (range.limit !== undefined && !(Number.isInteger(range.limit) && range.limit >= 0)) {
      throw new KvError('INVALID_ARGUMENT', 'scan limit must be a non-negative integer');
    }
    return Array.from(treeEntries(this.state.tree, range), ([key, value]) => ({ key, value }));
  }

  /** Run a maintenance operation; its phase, if it changes, is the engine's transition's to decide. */
  private maintain(make: (state: EngineState) => Transition<MaintenanceResult>): number {
    this.check('maintain');
    return this.commit(make(this.state)).lsn;
  }

  /** Write a snapshot of the whole state (tmp file, fsync, rename, directory fsync). Returns its LSN. */
  snapshot(): number {
    return this.maintain(this.engine.snapshot);
  }

  /**
   * Snapshot, then restart the log empty after it, all at once; an automatic compaction in progress is
   * replaced by it. Returns the LSN the snapshot covers.
   */
  compact(): number {
    return this.maintain(this.engine.compact);
  }

  /** Make every acknowledged write durable (needed only with sync "none"). Returns the durable LSN. */
  sync(): number {
    this.check('sync');
    if (this.readOnly) return this.state.durableLsn;
    return this.commit(this.engine.sync(this.state)).lsn;
  }

  /** Counters and settings. */
  stats(): StoreStats {
    const s = this.state;
    return {
      phase: s.phase,
      keys: s.tree.size,
      lastLsn: s.lastLsn,
      durableLsn: s.durableLsn,
      snapshotLsn: s.snapshotLsn,
      walBaseLsn: s.walBaseLsn,
      walBytes: s.walBytes,
      writesSinceCompact: s.writesSinceCompact,
      treeDepth: treeDepth(s.tree),
      sync: s.options.sync,
      recovery: s.options.recovery,
      failure: this.failure?.message,
    };
  }

  /**
   * Run the compaction in progress to its end, one slice per plan, as the writes after it would. Left
   * unfinished, its tmp files are removed by the next open, which then replays the whole log it was
   * about to retire (74 MB after a 1M-key bulk load: seconds); LevelDB's close likewise waits for its
   * background compaction. Each slice writes at least one entry: bounded by the tree's size.
   */
  private finishCompaction(): void {
    const slicesMax = (this.state.compaction?.tree.size ?? 0) + 2;
    for (let i = 0; this.state.phase === 'COMPACTING'; i++) {
      assert(i < slicesMax, 'a compaction ends within one slice per entry');
      this.commit(this.engine.compactStep(this.state));
    }
  }

  /** Problems with the in-memory tree's invariants (empty when sound). */
  checkInvariants(): string[] {
    return checkTree(this.state.tree);
  }

  /**
   * Finish an automatic compaction in progress, make pending writes durable (unless FAILED: an fsync
   * is never retried), release the lock, close.
   */
  close(): void {
    if (this.state.phase === 'CLOSED') return;
    try {
      this.finishCompaction();
      if (ALLOWED[this.state.phase].includes('sync') && !this.readOnly)
        this.commit(this.engine.sync(this.state));
    } finally {
      this.io.close();
      this.state = transit(this.state, 'close');
    }
  }
}

/** Run a read, turning a failure into IO naming the file (a subdirectory, no permission…). */
function readOrThrow<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new KvError('IO', `cannot read the store: ${errorMessage(e)}`, { file }, { cause: e });
  }
}

/** What FsStoreIo needs from a plan runner: PlanRunner, or a variant put in through this seam. */
export interface StepRunner {
  /** Run every step of a plan in order; throw on the first failure. */
  run(plan: Plan): void;
  /** Close every descriptor; never throws. */
  closeAll(): void;
}

/**
 * The real StoreIo: a FileSystem (node:fs, memfs, or the checker's simulated kernel under the same
 * adapter), a directory, its lock, and a PlanRunner. Every put, snapshot and recovery repair of a store
 * opened with openStore goes through run() here.
 */
export class FsStoreIo implements StoreIo {
  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly lock: DirLock,
    private readonly runner: StepRunner = new PlanRunner(fs, dir),
  ) {}

  /** The directory listing, and the log and snapshot bytes when they exist. */
  read(): RecoveryInput {
    const names = readOrThrow(this.dir, () => this.fs.readdir(this.dir));
    const file = (name: string): Uint8Array | undefined =>
      names.includes(name)
        ? readOrThrow(name, () => this.fs.readFile(join(this.dir, name)))
        : undefined;
    return { names, wal: file(FILES.wal), snapshot: file(FILES.snapshot) };
  }

  /** Run a plan through the runner. */
  run(plan: Plan): void {
    this.runner.run(plan);
  }

  /** Close the descriptors, then let go of the lock. */
  close(): void {
    this.runner.closeAll();
    this.lock.release();
  }
}

/** What builds a Store: the Store class, or a variant of it (the checker's mutation tests). */
export type StoreMaker = new (
  io: StoreIo,
  engine: Engine,
  state: EngineState,
  readOnly: boolean,
  recovery: RecoveryReport,
) => Store;

/** How openStoreWith opens: the engine to use (kvlab's by default) and whether to stay read-only. */
export interface OpenWith {
  /** The engine (kvlab's by default; the checker passes bug-zoo variants). */
  readonly engine?: Engine;
  /** Open without changing any file. */
  readonly readOnly?: boolean;
  /** How to build the StoreIo over the FileSystem (openStore only): FsStoreIo by default. */
  readonly io?: (fs: FileSystem, dir: string, lock: DirLock) => StoreIo;
  /** The Store class to build (Store by default). */
  readonly store?: StoreMaker;
}

/**
 * Open a store over any StoreIo: recover from what io.read() returns, run the repairs, return a READY
 * store. On failure io is closed and the error (CORRUPTED, IO…) is thrown.
 */
export function openStoreWith(
  io: StoreIo,
  options: EngineOptions,
  { engine = ENGINE, readOnly = false, store: Maker = Store }: OpenWith = {},
): Store {
  try {
    const t = engine.recover(io.read(), options);
    if (!readOnly) io.run(t.plan);
    return new Maker(io, engine, t.state, readOnly, t.result);
  } catch (e) {
    io.close();
    throw e;
  }
}

/**
 * Open (creating if needed) the store in `dir`: take the lock, recover (the snapshot, then the log above
 * it), run the repairs recovery planned, and return a READY store. Throws LOCKED, CORRUPTED (naming the
 * file and offset), IO or INVALID_ARGUMENT.
 *
 * With `readOnly`, nothing on disk changes: the directory must exist (else NOT_FOUND), no file is
 * created, the lock is shared, and recovery's repairs stay in memory. This works on read-only media.
 */
export function openStore(
  dir: string,
  options: StoreOptions = {},
  using: Pick<OpenWith, 'engine' | 'io' | 'store'> = {},
): Store {
  const { fs = nodeFileSystem, readOnly = false, ...engineOptions } = options;
  const resolved = resolveOptions(engineOptions);
  if (readOnly) return openReadOnly(fs, dir, resolved, using);
  try {
    fs.mkdir(dir);
  } catch (e) {
    throw new KvError(
      'IO',
      `cannot create the directory: ${errorMessage(e)}`,
      { file: dir },
      { cause: e },
    );
  }
  const lock = lockOrThrow(fs, dir, 'exclusive');
  return openStoreWith(openIo(fs, dir, lock, using), resolved, withParts(using));
}

/** The engine and Store class the caller chose, as openStoreWith takes them. */
function withParts(using: Pick<OpenWith, 'engine' | 'store'>): OpenWith {
  return {
    ...(using.engine === undefined ? {} : { engine: using.engine }),
    ...(using.store === undefined ? {} : { store: using.store }),
  };
}

/** The StoreIo over `fs`: FsStoreIo, or the one the caller builds (the checker's mutation tests). */
function openIo(fs: FileSystem, dir: string, lock: DirLock, using: Pick<OpenWith, 'io'>): StoreIo {
  return using.io === undefined ? new FsStoreIo(fs, dir, lock) : using.io(fs, dir, lock);
}

/** Take the directory's lock; an error that is not already a KvError becomes IO naming LOCK. */
function lockOrThrow(fs: FileSystem, dir: string, mode: LockMode): DirLock {
  try {
    return fs.lockDir(dir, mode);
  } catch (e) {
    if (e instanceof KvError) throw e;
    throw new KvError('IO', `cannot lock the store: ${errorMessage(e)}`, { file: FILES.lock });
  }
}

/** Whether `dir` is a directory we can list: NOT_FOUND when absent, IO when it is something else. */
function requireDir(fs: FileSystem, dir: string): void {
  try {
    fs.readdir(dir);
  } catch (e) {
    if (systemErrorCode(e) === 'ENOENT')
      throw new KvError('NOT_FOUND', `no store directory at ${dir}`);
    throw new KvError('IO', `cannot read the directory: ${errorMessage(e)}`, { file: dir });
  }
}

/**
 * A read-only open: shared lock, recovery in memory. When LOCK does not exist the lock is optimistic
 * (DirLock.valid): read, then check that no writer appeared meanwhile, and read again if one did.
 */
function openReadOnly(
  fs: FileSystem,
  dir: string,
  options: EngineOptions,
  using: Pick<OpenWith, 'engine' | 'io' | 'store'>,
): Store {
  requireDir(fs, dir);
  // Each retry means a writer created LOCK during our read; the next attempt takes the shared lock
  // on that LOCK, which cannot be invalidated, so the second attempt is the last one that can fail.
  for (let attempt = 0; attempt < 3; attempt++) {
    const lock = lockOrThrow(fs, dir, 'shared');
    const store = openStoreWith(openIo(fs, dir, lock, using), options, {
      ...withParts(using),
      readOnly: true,
    });
    if (lock.valid()) return store;
    store.close();
  }
  throw new KvError('LOCKED', `${dir} keeps changing hands while we read it`, { file: FILES.lock });
}
