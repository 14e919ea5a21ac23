// The shell's filesystem interface: the few synchronous calls a plan needs, and one adapter from the
// syscall level (NodeLikeFs) that serves node:fs (a real disk), memfs (an in-memory disk) and the
// checker's simulated kernel (model/kernel.ts). KVStore v3 called fopen, fprintf, fflush, fsync and
// rename directly; everything it did to a disk goes through here.

import * as nodeFs from 'node:fs';
import { Volume, createFsFromVolume } from 'memfs';
import { acquireLock, kernelLocks, memoryLocks } from './lock.js';

/** The calls the shell makes. Paths are absolute or relative to the process; `fsync` is a data sync. */
export interface FileSystem {
  /** Create a directory and its parents; no error when it exists. */
  mkdir(dir: string): void;
  /** File names in a directory. */
  readdir(dir: string): string[];
  /** A file's bytes, or undefined when it does not exist. */
  readFile(path: string): Uint8Array | undefined;
  /** Open a file: "r+" read-write, "w" create or truncate, "wx" create exclusively (EEXIST if present). */
  open(path: string, flags: 'r+' | 'w' | 'wx'): number;
  /** Write all of `data` at `positionBytes`. */
  write(fd: number, data: Uint8Array, positionBytes: number): void;
  /** The open file's size. */
  size(fd: number): number;
  /** Make the file's data (and its size) durable: fdatasync. */
  fsync(fd: number): void;
  /** Cut (or extend with zeros) the open file to `sizeBytes`. */
  truncate(fd: number, sizeBytes: number): void;
  /** Close a descriptor. */
  close(fd: number): void;
  /** Atomically replace `to` with `from` (rename(2)). */
  rename(from: string, to: string): void;
  /** Remove a file. */
  unlink(path: string): void;
  /** Make a directory's entries durable: open the directory and fsync it. */
  fsyncDir(dir: string): void;
  /**
   * Take the store directory's lock: exclusive for a writer, shared for a read-only open. Throws
   * KvError LOCKED when another holder excludes us. The lock ends with release() or with the process.
   */
  lockDir(dir: string, mode: LockMode): DirLock;
}

/** How a store holds its directory: one writer excludes everyone; readers exclude only writers. */
export type LockMode = 'exclusive' | 'shared';

/** A held directory lock. */
export interface DirLock {
  /** Let go of the lock. Safe to call twice. */
  release(): void;
  /**
   * True while the lock still excludes writers. Always true for a held lock until release(); for a
   * read-only open of a store whose LOCK file does not exist (none is created on read-only media), true
   * only while LOCK stays absent: a writer creates it before changing anything, so a reader that finds
   * it still absent after reading knows that what it read was not being changed.
   */
  valid(): boolean;
}

/** Which file a name or a descriptor is: two are the same file when both numbers agree. */
export interface FileIdentity {
  /** The inode number. */
  readonly ino: number | bigint;
  /** The device the inode lives on. */
  readonly dev: number | bigint;
}

/** What fstat tells about an open file. */
export interface FileStat extends FileIdentity {
  /** The file's size in bytes. */
  readonly size: number | bigint;
  /** True for a directory. */
  isDirectory(): boolean;
}

/**
 * The syscall level under the adapter: the subset of node:fs it uses. memfs implements it, and so does
 * the checker's simulated kernel, so the adapter's logic (short writes finished at the right offset,
 * errors from fsync surfaced) runs under crashes and I/O errors too.
 */
export interface NodeLikeFs {
  /** Create a directory and its parents. */
  mkdirSync(path: string, options: { recursive: true }): unknown;
  /** The names in a directory. */
  readdirSync(path: string): unknown[];
  /** A whole file's bytes (or text). */
  readFileSync(path: string): Uint8Array | string;
  /** Open a file with node's flag strings ('r', 'r+', 'w', 'wx'). */
  openSync(path: string, flags: string): number;
  /** Write `length` bytes of `buffer` from `offset` at file `position`; returns how many were written (maybe fewer). */
  writeSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  /** An open file's size, identity (inode, device) and kind. */
  fstatSync(fd: number): FileStat;
  /** A path's identity (inode, device). */
  statSync(path: string): FileIdentity;
  /** Make a file's data durable (fdatasync). */
  fdatasyncSync(fd: number): void;
  /** Make a file, or a directory's entries, durable (fsync). */
  fsyncSync(fd: number): void;
  /** Cut an open file to `len` bytes. */
  ftruncateSync(fd: number, len: number): void;
  /** Close a descriptor. */
  closeSync(fd: number): void;
  /** rename(2). */
  renameSync(from: string, to: string): void;
  /** unlink(2). */
  unlinkSync(path: string): void;
}

/** The code of a system error (ENOENT, EACCES, ENOSPC…), or undefined for anything else. */
export function systemErrorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

function isNotFound(e: unknown): boolean {
  return systemErrorCode(e) === 'ENOENT';
}

/**
 * Write all of `data` at `positionBytes`. A write may be short; finish it at the offset where it
 * stopped, rather than leave a hole the next append would glue onto. Bounded: every round advances.
 */
function writeAll(fs: NodeLikeFs, fd: number, data: Uint8Array, positionBytes: number): void {
  let done = 0;
  while (done < data.length) {
    const n = fs.writeSync(fd, data, done, data.length - done, positionBytes + done);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += n;
  }
}

/** How the adapter takes a directory's lock: LOCK under a lock primitive, or the checker's own. */
export type LockTaker = (dir: string, mode: LockMode) => DirLock;

/**
 * Adapt any node-fs-compatible module. `lock` decides how lockDir excludes: by default LOCK under an
 * in-process table (for an in-memory disk that only one process can see); nodeFileSystem passes the
 * kernel's locks, and the checker's simulated kernel its own.
 */
export function adaptFs(fs: NodeLikeFs, lock?: LockTaker): FileSystem {
  const locks = memoryLocks();
  const take: LockTaker = lock ?? ((dir, mode) => acquireLock(fs, locks, dir, mode));
  return {
    mkdir: (dir) => void fs.mkdirSync(dir, { recursive: true }),
    readdir: (dir) => fs.readdirSync(dir).map(String),
    readFile(path) {
      try {
        const data = fs.readFileSync(path);
        return typeof data === 'string'
          ? new TextEncoder().encode(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    open: (path, flags) => fs.openSync(path, flags),
    write: (fd, data, positionBytes) => writeAll(fs, fd, data, positionBytes),
    size: (fd) => Number(fs.fstatSync(fd).size),
    fsync: (fd) => fs.fdatasyncSync(fd),
    truncate: (fd, sizeBytes) => fs.ftruncateSync(fd, sizeBytes),
    close: (fd) => fs.closeSync(fd),
    rename: (from, to) => fs.renameSync(from, to),
    unlink: (path) => fs.unlinkSync(path),
    fsyncDir(dir) {
      // POSIX makes a rename or create durable only once the directory itself is fsynced.
      const fd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
    lockDir: (dir, mode) => take(dir, mode),
  };
}

/** The real disk, through node:fs. */
export const nodeFileSystem: FileSystem = adaptFs(nodeFs, (dir, mode) =>
  acquireLock(nodeFs, kernelLocks, dir, mode),
);

/** A fresh in-memory disk (memfs). Its fsync does nothing: use model/disk.ts to simulate crashes. */
export function memoryFileSystem(): FileSystem {
  return adaptFs(createFsFromVolume(new Volume()) as unknown as NodeLikeFs);
}
