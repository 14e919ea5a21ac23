// The simulated kernel: the syscalls of src/io/fs.ts's NodeLikeFs over one directory of the immutable
// Disk (model/disk.ts). The real shell runs on it unchanged: adaptFs (short writes, fsync errors),
// PlanRunner, FsStoreIo, Store.close and openStore. It stands where Linux stands under KVStore v3's
// fopen/fwrite/fsync calls, and it is where faults enter: a crash at the n-th call that changes the
// disk, an EIO or ENOSPC there, or a short write.

import { got, KvError } from '../src/engine/errors.js';
import type { Step } from '../src/engine/plan.js';
import { adaptFs, type DirLock, type FileSystem, type NodeLikeFs } from '../src/io/fs.js';
import {
  applySyscall,
  failedSyscall,
  listing,
  readFile,
  stepOf,
  type Disk,
  type Syscall,
} from './disk.js';

/** Where the simulated store lives: the one directory the simulated disk holds. */
export const STORE_DIR = '/kvlab';

/**
 * Thrown inside the shell when the simulated process dies; carries the disk as it was at that moment.
 * A KvError, so the runner and the store pass it on as it is rather than wrap it in another error; it
 * carries no stack (a campaign throws tens of thousands a second, and nothing reads their stacks).
 */
export class SimCrash extends KvError {
  /** The disk with every call before the crashing one completed. */
  readonly diskBefore: Disk;
  /** The call in flight. */
  readonly call: Syscall;
  /** That call as the plan step it carries out. */
  readonly step: Step;
  /** Its index among the disk-changing calls since the trigger was armed. */
  readonly stepIndex: number;

  constructor(diskBefore: Disk, call: Syscall, stepIndex: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('IO', `simulated crash at step ${stepIndex}`);
    Error.stackTraceLimit = limit;
    this.diskBefore = diskBefore;
    this.call = call;
    this.step = stepOf(diskBefore, call);
    this.stepIndex = stepIndex;
  }
}

/** What to do when the armed call comes (counted among the calls that change the disk). */
export type Trigger =
  | { readonly kind: 'crash'; readonly atStep: number }
  | {
      readonly kind: 'fail';
      readonly atStep: number;
      readonly errno: 'EIO' | 'ENOSPC';
      readonly writtenBytes: number;
    }
  /** The first write at or after `atStep` writes only `writtenBytes` (at least one) and says so. */
  | { readonly kind: 'short'; readonly atStep: number; readonly writtenBytes: number };

type Handle = { readonly kind: 'file'; readonly inode: number } | { readonly kind: 'dir' };

function errno(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** One process's view of the simulated disk: its descriptors, its lock, and the fault armed. */
export class SimKernel implements NodeLikeFs {
  private readonly fds = new Map<number, Handle>();
  private nextFd = 3;
  private trigger: Trigger | undefined;
  private locked = false;
  private recording = false;
  /** Calls that changed the disk since the last arm(). */
  stepsRun = 0;
  /** Those calls, as plan steps, when arm() asked to record them. */
  trace: Step[] = [];
  /** The same calls as the syscalls themselves (the explorer crashes each one). */
  calls: Syscall[] = [];
  /** The disk just before each of those calls: where a crash at that call would have found it. */
  disksBefore: Disk[] = [];
  /** The crash, once it happened: the process is dead and every later call fails. */
  crashed: SimCrash | undefined;
  /** The failure injected, once it happened. */
  failedAt: { readonly step: Step; readonly stepIndex: number } | undefined;
  /**
   * Who watches every call that changed the disk or failed, with the disk after it: `kvlab replay`'s
   * trace (fuzz/visual/trace.ts) sets it through the adapter seam. Unlike arm()'s record, it outlives
   * arm(), so one watcher sees a whole process: its open, its operations, its close.
   */
  watcher: ((step: Step, disk: Disk, failed?: string) => void) | undefined;

  constructor(
    /** The disk now: replaced (never mutated) by every call that changes it. */
    public disk: Disk,
  ) {}

  /** Arm a trigger for the calls that follow (or disarm) and reset the counters; `record` keeps a trace. */
  arm(trigger: Trigger | undefined, record = false): void {
    this.trigger = trigger;
    this.recording = record;
    this.stepsRun = 0;
    this.trace = [];
    this.calls = [];
    this.disksBefore = [];
    this.crashed = undefined;
    this.failedAt = undefined;
  }

  private alive(): void {
    if (this.crashed !== undefined) throw this.crashed;
  }

  /** Carry out a call that changes the disk, unless the trigger says otherwise. Returns bytes written. */
  private change(call: Syscall): number {
    this.alive();
    const t = this.trigger;
    if (t !== undefined && this.stepsRun >= t.atStep) {
      if (t.kind === 'crash') {
        this.trigger = undefined;
        this.crashed = new SimCrash(this.disk, call, this.stepsRun);
        throw this.crashed;
      }
      if (t.kind === 'fail') {
        this.trigger = undefined;
        const step = stepOf(this.disk, call);
        this.disk = failedSyscall(this.disk, call, t.writtenBytes);
        this.failedAt = { step, stepIndex: this.stepsRun };
        const error = errno(t.errno, `simulated ${t.errno} on ${step.kind}`);
        this.watcher?.(step, this.disk, error.message);
        throw error;
      }
      if (call.kind === 'write' && call.data.length > 1) {
        this.trigger = undefined;
        const n = Math.max(1, Math.min(t.writtenBytes, call.data.length - 1));
        return this.complete({ ...call, data: call.data.subarray(0, n) });
      }
    }
    return this.complete(call);
  }

  private complete(call: Syscall): number {
    const step = this.recording || this.watcher !== undefined ? stepOf(this.disk, call) : undefined;
    if (this.recording && step !== undefined) {
      this.trace.push(step);
      this.calls.push(call);
      this.disksBefore.push(this.disk);
    }
    this.disk = applySyscall(this.disk, call);
    this.stepsRun++;
    if (step !== undefined) this.watcher?.(step, this.disk);
    return call.kind === 'write' ? call.data.length : 0;
  }

  private nameOf(path: string): string {
    if (!path.startsWith(`${STORE_DIR}/`)) throw errno('ENOENT', `${path} is outside ${STORE_DIR}`);
    return path.slice(STORE_DIR.length + 1);
  }

  private handle(fd: number): Handle {
    const h = this.fds.get(fd);
    if (h === undefined) throw errno('EBADF', `no descriptor ${fd}`);
    return h;
  }

  private inode(fd: number): number {
    const h = this.handle(fd);
    if (h.kind !== 'file') throw errno('EISDIR', 'a directory');
    return h.inode;
  }

  private fd(handle: Handle): number {
    const fd = this.nextFd++;
    this.fds.set(fd, handle);
    return fd;
  }

  /** The store directory always exists on the simulated disk. */
  mkdirSync(): undefined {
    this.alive();
    return undefined;
  }

  /** The names in the store directory. */
  readdirSync(path: string): string[] {
    this.alive();
    if (path !== STORE_DIR) throw errno('ENOENT', path);
    return listing(this.disk);
  }

  /** A file's bytes as the page cache holds them; ENOENT when missing. */
  readFileSync(path: string): Uint8Array {
    this.alive();
    const bytes = readFile(this.disk, this.nameOf(path));
    if (bytes === undefined) throw errno('ENOENT', path);
    return bytes;
  }

  /** Open the directory, a file ("r+"), or create one ("w" truncates, "wx" fails with EEXIST). */
  openSync(path: string, flags: string): number {
    this.alive();
    if (path === STORE_DIR) return this.fd({ kind: 'dir' });
    const name = this.nameOf(path);
    const existing = this.disk.entries.get(name);
    if (flags === 'wx' && existing !== undefined) throw errno('EEXIST', path);
    if (flags === 'w' || flags === 'wx') {
      this.change({ kind: 'create', name });
      return this.fd({ kind: 'file', inode: got(this.disk.entries, name, 'created file') });
    }
    if (existing === undefined) throw errno('ENOENT', path);
    return this.fd({ kind: 'file', inode: existing });
  }

  /** Write at `position` (pwrite): may be short when a short write is armed. Returns bytes taken. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
    const inode = this.inode(fd);
    const data = buffer.subarray(offset, offset + length);
    return this.change({ kind: 'write', inode, offsetBytes: position, data });
  }

  /** The open file's size, as a read sees it. */
  fstatSync(fd: number): { size: number; ino: number; dev: number; isDirectory(): boolean } {
    this.alive();
    const handle = this.handle(fd);
    if (handle.kind === 'dir') return { size: 0, ino: 0, dev: 1, isDirectory: () => true };
    const size = got(this.disk.inodes, handle.inode, 'inode').visible.length;
    return { size, ino: handle.inode, dev: 1, isDirectory: () => false };
  }

  /** A path's identity (inode, device), as the lock compares it with an open descriptor's. */
  statSync(path: string): { ino: number; dev: number } {
    this.alive();
    if (path === STORE_DIR) return { ino: 0, dev: 1 };
    const inode = this.disk.entries.get(this.nameOf(path));
    if (inode === undefined) throw errno('ENOENT', path);
    return { ino: inode, dev: 1 };
  }

  /** Make the file's data durable (a crash point, and where fsyncgate strikes on EIO). */
  fdatasyncSync(fd: number): void {
    this.change({ kind: 'fsync', inode: this.inode(fd) });
  }

  /** fsync a file, or the directory: its entries become durable. */
  fsyncSync(fd: number): void {
    const h = this.handle(fd);
    this.change(h.kind === 'dir' ? { kind: 'fsyncDir' } : { kind: 'fsync', inode: h.inode });
  }

  /** Cut or extend the file (a pending op until the next fsync). */
  ftruncateSync(fd: number, len: number): void {
    this.change({ kind: 'truncate', inode: this.inode(fd), sizeBytes: len });
  }

  /** Let go of a descriptor (changes nothing on disk). */
  closeSync(fd: number): void {
    this.alive();
    this.handle(fd);
    this.fds.delete(fd);
  }

  /** Rename within the directory (a pending directory op until the next directory fsync). */
  renameSync(from: string, to: string): void {
    const name = this.nameOf(from);
    if (!this.disk.entries.has(name)) throw errno('ENOENT', from);
    this.change({ kind: 'rename', from: name, to: this.nameOf(to) });
  }

  /** Remove a name (a pending directory op until the next directory fsync). */
  unlinkSync(path: string): void {
    const name = this.nameOf(path);
    if (!this.disk.entries.has(name)) throw errno('ENOENT', path);
    this.change({ kind: 'unlink', name });
  }

  /** The directory lock, as the kernel keeps it: held by this process until released or it dies. */
  lock(): DirLock {
    if (this.locked) throw new KvError('LOCKED', `${STORE_DIR} is locked by this process`);
    this.locked = true;
    let held = true;
    return {
      release: () => {
        held = false;
        this.locked = false;
      },
      valid: () => held,
    };
  }
}

/** The FileSystem the checker's stores run on: the real adapter over a simulated kernel. */
export type Adapter = (kernel: SimKernel) => FileSystem;

/** kvlab's adapter (src/io/fs.ts) over the kernel, with the kernel's lock. */
export const realAdapter: Adapter = (kernel) => adaptFs(kernel, () => kernel.lock());
