// The directory lock (KVStore v3 had none: two processes could append to one log and interleave
// records). A writer holds an exclusive kernel lock on DIR/LOCK, a read-only open a shared one, as
// LevelDB, RocksDB and SQLite do. The lock is an open-file-description lock (fcntl F_OFD_SETLK on
// Linux, through the fs-native-extensions package, which ships prebuilt binaries): the kernel drops it
// when the holder closes the file or dies, however it dies, so there is never a stale lock to judge or
// break, and exclusion holds under every interleaving because the kernel decides it atomically.
// LOCK is created once and never removed: removing it would let a second opener lock a new file of the
// same name while the first still holds the old one. Each lock is checked after it is taken to be on
// the file that the name LOCK designates now (same device and inode), which also catches a LOCK that
// someone removed by hand. A read-only open never creates a file: when LOCK does not exist, no writer
// has ever opened the store since LOCK was introduced, and the open reads optimistically, then checks
// that LOCK is still absent (see DirLock.valid and spec/guarantees.md, "The directory lock").

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { KvError, errorMessage } from '../engine/errors.js';
import { FILES } from '../engine/plan.js';
import {
  systemErrorCode,
  type DirLock,
  type FileIdentity,
  type FileStat,
  type LockMode,
} from './fs.js';

/** The few calls the lock needs from a node-fs-compatible module (node:fs and memfs both have them). */
export interface LockFs {
  /** Open LOCK ('r' for a reader, 'a' or 'wx' for a writer). */
  openSync(path: string, flags: string): number;
  /** Close LOCK's descriptor (which also drops the kernel lock). */
  closeSync(fd: number): void;
  /** LOCK's identity by name, to see that it was not replaced under us. */
  statSync(path: string): FileIdentity;
  /** LOCK's identity by descriptor, and whether it is a directory. */
  fstatSync(fd: number): Omit<FileStat, 'size'>;
}

/** A lock primitive on an open file: the kernel's, or an in-process table for an in-memory disk. */
export interface LockPrimitive {
  /** Lock the whole open file `fd` (found at `path`); false when another holder excludes us. */
  tryLock(fd: number, path: string, mode: LockMode): boolean;
  /** Let go of the lock on `fd`, before it is closed. */
  unlock(fd: number, path: string): void;
}

/** The shape of fs-native-extensions that kvlab uses. */
interface NativeLocks {
  tryLock(fd: number, options: { shared: boolean }): boolean;
  unlock(fd: number): void;
}

let native: NativeLocks | undefined;

/** Load the native addon on first use, so that in-memory stores never need it. */
function nativeLocks(): NativeLocks {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('fs-native-extensions');
    } catch (e) {
      throw new KvError('IO', `no kernel file lock on this platform: ${errorMessage(e)}`);
    }
  }
  if (native === undefined) throw new KvError('INTERNAL', 'fs-native-extensions did not load');
  return native;
}

/** Open-file-description locks through the kernel: held per open file, released when it closes. */
export const kernelLocks: LockPrimitive = {
  tryLock: (fd, _path, mode) => nativeLocks().tryLock(fd, { shared: mode === 'shared' }),
  unlock: (fd) => nativeLocks().unlock(fd),
};

/** In-process locks for an in-memory disk: the same rules, kept in a table keyed by path. */
export function memoryLocks(): LockPrimitive {
  const held = new Map<string, { mode: LockMode; fds: Set<number> }>();
  return {
    tryLock(fd, path, mode) {
      const entry = held.get(path);
      if (entry !== undefined && entry.fds.size > 0) {
        if (mode === 'exclusive' || entry.mode === 'exclusive') return false;
        entry.fds.add(fd);
        return true;
      }
      held.set(path, { mode, fds: new Set([fd]) });
      return true;
    },
    unlock(fd, path) {
      held.get(path)?.fds.delete(fd);
    },
  };
}

function sameFile(fs: LockFs, path: string, fd: number): boolean {
  try {
    const a = fs.statSync(path);
    const b = fs.fstatSync(fd);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false; // LOCK was removed after we opened it
  }
}

/** Open LOCK for the mode, or undefined when it is absent and the mode is shared. */
function openLockFile(fs: LockFs, dir: string, path: string, mode: LockMode): number | undefined {
  let fd: number;
  try {
    // A writer needs write access to lock exclusively, and creates LOCK; a reader only opens it.
    fd = fs.openSync(path, mode === 'exclusive' ? 'a+' : 'r');
  } catch (e) {
    const code = systemErrorCode(e);
    if (code === 'ENOENT' && mode === 'shared') return undefined;
    if (code === 'EISDIR') throw new KvError('IO', 'LOCK is a directory', { file: FILES.lock });
    if (code === 'ENOENT') throw new KvError('NOT_FOUND', `no store directory at ${dir}`);
    throw new KvError('IO', `cannot open the lock: ${errorMessage(e)}`, { file: FILES.lock });
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new KvError('IO', 'LOCK is a directory', { file: FILES.lock });
  }
  return fd;
}

/** A lock-file-absent shared open: valid while LOCK stays absent, since a writer creates it first. */
function absentLock(fs: LockFs, path: string): DirLock {
  return {
    release() {},
    valid() {
      try {
        fs.statSync(path);
        return false;
      } catch {
        return true;
      }
    },
  };
}

/**
 * Take the lock on `dir`: exclusive for a writer, shared for a read-only open. Throws LOCKED when
 * another holder excludes us, IO when LOCK cannot be opened (a directory, no permission, a full disk).
 */
export function acquireLock(
  fs: LockFs,
  locks: LockPrimitive,
  dir: string,
  mode: LockMode,
): DirLock {
  const path = join(dir, FILES.lock);
  // LOCK is replaced only if someone removes it by hand between our open and our lock; three tries
  // outlast any such accident, and a fourth failure says so instead of looping.
  for (let attempt = 0; attempt < 3; attempt++) {
    const fd = openLockFile(fs, dir, path, mode);
    if (fd === undefined) return absentLock(fs, path);
    if (!locks.tryLock(fd, path, mode)) {
      fs.closeSync(fd);
      const who = mode === 'exclusive' ? 'another process' : 'a writer';
      throw new KvError('LOCKED', `${dir} is in use by ${who}`, { file: FILES.lock });
    }
    if (!sameFile(fs, path, fd)) {
      locks.unlock(fd, path);
      fs.closeSync(fd);
      continue;
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        locks.unlock(fd, path);
        fs.closeSync(fd);
      },
      valid: () => !released,
    };
  }
  throw new KvError('LOCKED', `${dir}: LOCK keeps being replaced while we lock it`, {
    file: FILES.lock,
  });
}
