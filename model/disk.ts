// The simulated disk: one directory of files, as immutable data, that can be crashed between any two
// syscalls. It stands for the disk under KVStore v3's fopen/fprintf/fflush/fsync/rename calls; the
// simulated kernel (model/kernel.ts) turns the shell's syscalls into the Syscall values below.
//
// FAULT MODEL (also spec/crash-model.md)
// - Files. Each file keeps its durable bytes (as of its last fsync) apart from the writes and truncates
//   made since (pending). Reads see durable + pending applied in order: the page cache.
// - Directory. The entries a listing shows are kept apart from the durable entries (as of the last
//   directory fsync) and the creates, renames and unlinks made since (pending directory ops).
// - kill (the process dies; the kernel and the page cache live on): every completed call stays, and
//   stays as durable as it was: unsynced bytes remain unsynced, so a later power loss can still lose
//   them unless someone (recovery) fsyncs them. The call in flight may be torn: a write in flight
//   leaves a prefix of its bytes (nothing, one byte, half, all but one, or all). Every other call is
//   atomic: it happened or it did not.
// - power (the machine loses power): only fsynced file data and fsynced directory entries are certain.
//   Each pending write, independently, survives, is lost, is cut at any byte, or keeps its length while
//   its bytes become zeros or garbage (ALICE; SQLite's crash VFS; FoundationDB's simulator). A lost write
//   below a kept one leaves zeros (a hole). Each pending truncate is kept or lost. Each pending directory
//   op, independently, is kept or rolled back, in order; an op whose source no longer exists is skipped:
//   files created since the last directory fsync may vanish, and renames may roll back (LevelDB's and
//   RocksDB's fault-injection filesystems).
// - I/O error: a chosen call fails with EIO or ENOSPC. A failing append may have written a prefix of its
//   bytes. A failing fsync drops the file's unsynced writes from the page cache: Linux may mark the dirty
//   pages clean after a writeback error, so the data is gone and a retried fsync succeeds with nothing to
//   write (PostgreSQL's "fsyncgate"). Any other failing call has no effect. The program goes on.
// - damage: between runs, a bit flipped or a run of bytes zeroed in a durable file.
// Not modelled: a write landing at the wrong place, bytes changing in a file nobody wrote (other than
// damage), reordering of data within one fsynced file (fsync is a barrier), and metadata journaling
// stronger than the above (real filesystems are often kinder, never harsher).
//
// Everything is immutable (ReadonlyMap, frozen arrays of Uint8Array never mutated after creation), so a
// crash image costs microseconds: memfs has no cheap copy (about 135 µs a volume, measured here).

import { at, got } from '../src/engine/errors.js';
import type { Step } from '../src/engine/plan.js';

/** A write or truncate not yet fsynced. */
export type PendingOp =
  | { readonly kind: 'write'; readonly offsetBytes: number; readonly data: Uint8Array }
  | { readonly kind: 'truncate'; readonly sizeBytes: number };

/** One file: durable bytes, pending ops, and what a read sees now. */
export interface FileImage {
  readonly durable: Uint8Array;
  readonly pending: readonly PendingOp[];
  readonly visible: Uint8Array;
}

/** A directory change not yet made durable. */
export type DirOp =
  | { readonly kind: 'link'; readonly name: string; readonly inode: number }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | { readonly kind: 'unlink'; readonly name: string };

/** The whole disk. */
export interface Disk {
  readonly inodes: ReadonlyMap<number, FileImage>;
  /** What a listing shows now. */
  readonly entries: ReadonlyMap<string, number>;
  /** What a power loss keeps for sure. */
  readonly durableEntries: ReadonlyMap<string, number>;
  readonly pendingDirOps: readonly DirOp[];
  readonly nextInode: number;
}

/**
 * A Disk from its parts: a literal, not a spread of the old disk (a spread cost about a microsecond,
 * and the checker makes a disk for every call that changes one).
 */
function diskOf(
  inodes: ReadonlyMap<number, FileImage>,
  entries: ReadonlyMap<string, number>,
  durableEntries: ReadonlyMap<string, number>,
  pendingDirOps: readonly DirOp[],
  nextInode: number,
): Disk {
  return { inodes, entries, durableEntries, pendingDirOps, nextInode };
}

/** A disk with no files. */
export const EMPTY_DISK: Disk = {
  inodes: new Map(),
  entries: new Map(),
  durableEntries: new Map(),
  pendingDirOps: [],
  nextInode: 1,
};

/** A step the disk cannot perform: the plan is wrong (a bug in the engine), never a simulated fault. */
export class DiskError extends Error {
  readonly code = 'EBADPLAN';
}

/**
 * How far each buffer the disk allocated for appends to a long file is claimed: every byte below the
 * mark belongs to some file's bytes (a view) and never changes again. An append at the end of a view
 * that ends at the mark writes into the spare room past it, which no view sees, so every older value
 * stays as it was and the append costs its own bytes, not a copy of the whole file (long values made
 * those copies the disk's largest cost in a campaign).
 */
const claimedBytes = new WeakMap<ArrayBufferLike, number>();

/**
 * Files shorter than this are copied on append, as before: the copy is cheap, and the checker's forks
 * append to one common past so often that spare room (and the weak map's entries) would cost more.
 */
const APPEND_ROOM_MIN_BYTES = 4096;

/** `bytes` with `data` appended: in the spare room after it when it ends at its buffer's mark. */
function appended(bytes: Uint8Array, data: Uint8Array): Uint8Array {
  const size = bytes.length + data.length;
  if (bytes.length < APPEND_ROOM_MIN_BYTES) return grow(bytes, size, data);
  const { buffer, byteOffset } = bytes;
  const end = byteOffset + bytes.length;
  if (claimedBytes.get(buffer) === end && end + data.length <= buffer.byteLength) {
    const out = new Uint8Array(buffer, byteOffset, size);
    out.set(data, bytes.length);
    claimedBytes.set(buffer, end + data.length);
    return out;
  }
  // Half as much again of spare room: appends to a long file cost amortized O(their bytes).
  const room = new ArrayBuffer(size + (size >>> 1));
  const out = new Uint8Array(room, 0, size);
  out.set(bytes);
  out.set(data, bytes.length);
  claimedBytes.set(room, size);
  return out;
}

/** Bytes after applying one pending op. */
function applyOp(bytes: Uint8Array, op: PendingOp): Uint8Array {
  if (op.kind === 'truncate')
    return op.sizeBytes <= bytes.length ? bytes.slice(0, op.sizeBytes) : grow(bytes, op.sizeBytes);
  if (op.offsetBytes === bytes.length) return appended(bytes, op.data);
  const end = op.offsetBytes + op.data.length;
  const out = end <= bytes.length ? bytes.slice() : grow(bytes, end);
  out.set(op.data, op.offsetBytes);
  return out;
}

/** `bytes` cut or extended to `sizeBytes` (and `tail` written at their end), in a new buffer. */
function grow(bytes: Uint8Array, sizeBytes: number, tail?: Uint8Array): Uint8Array {
  const out = new Uint8Array(sizeBytes); // the gap reads as zeros: a hole
  out.set(bytes.subarray(0, Math.min(bytes.length, sizeBytes)));
  if (tail !== undefined) out.set(tail, bytes.length);
  return out;
}

function inodeOf(disk: Disk, name: string): number {
  const inode = disk.entries.get(name);
  if (inode === undefined) throw new DiskError(`no file ${name}`);
  return inode;
}

function fileOf(disk: Disk, inode: number): FileImage {
  const file = disk.inodes.get(inode);
  if (file === undefined) throw new DiskError(`no inode ${inode}`);
  return file;
}

function withFile(disk: Disk, inode: number, file: FileImage): Disk {
  const inodes = new Map(disk.inodes).set(inode, file);
  return diskOf(inodes, disk.entries, disk.durableEntries, disk.pendingDirOps, disk.nextInode);
}

function withPending(disk: Disk, inode: number, op: PendingOp): Disk {
  const file = fileOf(disk, inode);
  return withFile(disk, inode, {
    durable: file.durable,
    pending: [...file.pending, op],
    visible: applyOp(file.visible, op),
  });
}

function withDirOp(
  disk: Disk,
  op: DirOp,
  entries: Map<string, number>,
  inodes: ReadonlyMap<number, FileImage> = disk.inodes,
  nextInode: number = disk.nextInode,
): Disk {
  const pendingDirOps = [...disk.pendingDirOps, op];
  return diskOf(inodes, entries, disk.durableEntries, pendingDirOps, nextInode);
}

/**
 * One call that changes the disk, as the simulated kernel issues it. Files are named by inode where a
 * descriptor names them (a descriptor follows its file through a rename), by name where a path does.
 */
export type Syscall =
  | { readonly kind: 'create'; readonly name: string }
  | {
      readonly kind: 'write';
      readonly inode: number;
      readonly offsetBytes: number;
      readonly data: Uint8Array;
    }
  | { readonly kind: 'truncate'; readonly inode: number; readonly sizeBytes: number }
  | { readonly kind: 'fsync'; readonly inode: number }
  | { readonly kind: 'fsyncDir' }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | { readonly kind: 'unlink'; readonly name: string };

/** Create `name` (open with O_CREAT|O_TRUNC): a new inode and a pending link, or truncate it to zero. */
function create(disk: Disk, name: string): Disk {
  const existing = disk.entries.get(name);
  if (existing !== undefined)
    return withPending(disk, existing, { kind: 'truncate', sizeBytes: 0 });
  const inode = disk.nextInode;
  const empty: FileImage = { durable: new Uint8Array(), pending: [], visible: new Uint8Array() };
  const entries = new Map(disk.entries).set(name, inode);
  const inodes = new Map(disk.inodes).set(inode, empty);
  return withDirOp(disk, { kind: 'link', name, inode }, entries, inodes, inode + 1);
}

function renamed(disk: Disk, from: string, to: string): Disk {
  const inode = inodeOf(disk, from);
  const entries = new Map(disk.entries);
  entries.delete(from);
  entries.set(to, inode);
  return withDirOp(disk, { kind: 'rename', from, to }, entries);
}

function unlinked(disk: Disk, name: string): Disk {
  inodeOf(disk, name);
  const entries = new Map(disk.entries);
  entries.delete(name);
  return withDirOp(disk, { kind: 'unlink', name }, entries);
}

/** The disk after one completed syscall. Throws DiskError when the call is impossible. */
export function applySyscall(disk: Disk, call: Syscall): Disk {
  switch (call.kind) {
    case 'create':
      return create(disk, call.name);
    case 'write':
      return withPending(disk, call.inode, {
        kind: 'write',
        offsetBytes: call.offsetBytes,
        data: call.data,
      });
    case 'truncate':
      return withPending(disk, call.inode, { kind: 'truncate', sizeBytes: call.sizeBytes });
    case 'fsync': {
      const file = fileOf(disk, call.inode);
      return withFile(disk, call.inode, {
        durable: file.visible,
        pending: [],
        visible: file.visible,
      });
    }
    case 'fsyncDir':
      return diskOf(disk.inodes, disk.entries, disk.entries, [], disk.nextInode);
    case 'rename':
      return renamed(disk, call.from, call.to);
    case 'unlink':
      return unlinked(disk, call.name);
  }
}

/** The name `inode` has now, for stories and coverage (an unlinked file keeps a descriptor only). */
function nameOf(disk: Disk, inode: number): string {
  for (const [name, i] of disk.entries) if (i === inode) return name;
  return '(unlinked)';
}

/** A syscall as the plan step it carries out, for coverage labels and stories. */
export function stepOf(disk: Disk, call: Syscall): Step {
  switch (call.kind) {
    case 'create':
      return { kind: 'create', file: call.name };
    case 'write':
      return {
        kind: 'append',
        file: nameOf(disk, call.inode),
        offsetBytes: call.offsetBytes,
        data: call.data,
      };
    case 'truncate':
      return { kind: 'truncate', file: nameOf(disk, call.inode), sizeBytes: call.sizeBytes };
    case 'fsync':
      return { kind: 'fsync', file: nameOf(disk, call.inode) };
    case 'fsyncDir':
      return call;
    case 'rename':
      return call;
    case 'unlink':
      return { kind: 'unlink', file: call.name };
  }
}

/** A plan step as the syscall that carries it out (by name: the disk resolves names to inodes). */
export function syscallOf(disk: Disk, step: Step): Syscall {
  switch (step.kind) {
    case 'create':
      return { kind: 'create', name: step.file };
    case 'append':
      return { ...step, kind: 'write', inode: inodeOf(disk, step.file) };
    case 'truncate':
      return { kind: 'truncate', inode: inodeOf(disk, step.file), sizeBytes: step.sizeBytes };
    case 'fsync':
      return { kind: 'fsync', inode: inodeOf(disk, step.file) };
    case 'fsyncDir':
      return step;
    case 'rename':
      return step;
    case 'unlink':
      return { kind: 'unlink', name: step.file };
  }
}

/**
 * The disk after one completed plan step (tests and stories speak in steps). An append must land at
 * the file's end, as the runner promises. Throws DiskError when the step is impossible.
 */
export function applyStep(disk: Disk, step: Step): Disk {
  if (step.kind === 'append') {
    const size = fileOf(disk, inodeOf(disk, step.file)).visible.length;
    if (size !== step.offsetBytes)
      throw new DiskError(
        `append to ${step.file} at ${step.offsetBytes}, but it holds ${size} bytes`,
      );
  }
  return applySyscall(disk, syscallOf(disk, step));
}

/** File names, as a listing shows them. */
export function listing(disk: Disk): string[] {
  return [...disk.entries.keys()].sort();
}

/** A file's bytes as a read sees them, or undefined. */
export function readFile(disk: Disk, name: string): Uint8Array | undefined {
  const inode = disk.entries.get(name);
  return inode === undefined ? undefined : fileOf(disk, inode).visible;
}

/** A rebooted disk holding exactly `files` (name to bytes), all durable. */
function rebooted(files: ReadonlyMap<string, Uint8Array>): Disk {
  const inodes = new Map<number, FileImage>();
  const entries = new Map<string, number>();
  let inode = 1;
  for (const [name, bytes] of files) {
    inodes.set(inode, { durable: bytes, pending: [], visible: bytes });
    entries.set(name, inode++);
  }
  return { inodes, entries, durableEntries: entries, pendingDirOps: [], nextInode: inode };
}

/**
 * After a kill: every completed call stays, as the page cache holds it, and nothing more becomes
 * durable than was: the disk is the same value (only the dead process's descriptors are gone, and
 * they live in the kernel, not here).
 */
export function killImage(disk: Disk): Disk {
  return disk;
}

/** What becomes of one pending write after a power loss. */
export type WriteFate =
  | { readonly kind: 'keep' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'cut'; readonly bytes: number }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'garbage'; readonly seed: number };

/** The choices a power loss makes. Called once per pending op, in order, per file. */
export interface PowerChoices {
  /** The fate of the i-th pending write of the file (its length given). */
  writeFate(lengthBytes: number, index: number): WriteFate;
  /** Whether the i-th pending truncate survives. */
  truncateSurvives(index: number): boolean;
  /** Whether the i-th pending directory op survives. */
  dirOpSurvives(index: number): boolean;
}

/** Deterministic pseudo-random bytes (an LCG): what "garbage" means, reproducibly. */
export function garbage(lengthBytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  let x = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < lengthBytes; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The bytes of one file after a power loss, by the choices made for each of its pending ops. */
function survivingBytes(file: FileImage, choices: PowerChoices): Uint8Array {
  let bytes = file.durable;
  let writes = 0;
  let truncates = 0;
  for (const op of file.pending) {
    if (op.kind === 'truncate') {
      if (choices.truncateSurvives(truncates++)) bytes = applyOp(bytes, op);
      continue;
    }
    const fate = choices.writeFate(op.data.length, writes++);
    const data =
      fate.kind === 'keep'
        ? op.data
        : fate.kind === 'cut'
          ? op.data.subarray(0, Math.min(fate.bytes, op.data.length))
          : fate.kind === 'zeros'
            ? new Uint8Array(op.data.length)
            : fate.kind === 'garbage'
              ? garbage(op.data.length, fate.seed)
              : undefined;
    if (data !== undefined && data.length > 0)
      bytes = applyOp(bytes, { kind: 'write', offsetBytes: op.offsetBytes, data });
  }
  return bytes;
}

/** After a power loss: durable data and entries, plus whatever pending ops `choices` lets survive. */
export function powerImage(disk: Disk, choices: PowerChoices): Disk {
  const entries = new Map(disk.durableEntries);
  disk.pendingDirOps.forEach((op, i) => {
    if (!choices.dirOpSurvives(i)) return;
    if (op.kind === 'link') entries.set(op.name, op.inode);
    else if (op.kind === 'unlink') entries.delete(op.name);
    else {
      const inode = entries.get(op.from);
      if (inode === undefined) return; // its source rolled back: the rename cannot have happened
      entries.delete(op.from);
      entries.set(op.to, inode);
    }
  });
  const files = new Map<string, Uint8Array>();
  for (const [name, inode] of entries)
    files.set(name, survivingBytes(fileOf(disk, inode), choices));
  return rebooted(files);
}

/**
 * The disk after a syscall that failed with an I/O error: a write may have written a prefix of its
 * bytes (never all); a failed fsync drops the file's unsynced writes (fsyncgate); any other call had
 * no effect.
 */
export function failedSyscall(disk: Disk, call: Syscall, writtenBytes: number): Disk {
  if (call.kind === 'fsync') {
    const file = disk.inodes.get(call.inode);
    if (file === undefined) return disk;
    return withFile(disk, call.inode, {
      durable: file.durable,
      pending: [],
      visible: file.durable,
    });
  }
  if (call.kind !== 'write' || writtenBytes <= 0) return disk;
  const kept = Math.min(writtenBytes, call.data.length - 1);
  return kept <= 0 ? disk : applySyscall(disk, { ...call, data: call.data.subarray(0, kept) });
}

/** failedSyscall for a plan step (by name). */
export function failedStep(disk: Disk, step: Step, writtenBytes: number): Disk {
  const inode = 'file' in step ? disk.entries.get(step.file) : undefined;
  if ('file' in step && inode === undefined) return disk;
  return failedSyscall(disk, syscallOf(disk, step), writtenBytes);
}

/** A durable file damaged between runs: `mask` XORed into the byte at `offsetBytes`, or a run zeroed. */
export function damage(
  disk: Disk,
  name: string,
  offsetBytes: number,
  how: { readonly xor: number } | { readonly zeroBytes: number },
): Disk {
  const bytes = readFile(disk, name);
  if (bytes === undefined || offsetBytes >= bytes.length)
    throw new DiskError(`cannot damage ${name} at ${offsetBytes}`);
  const out = bytes.slice();
  if ('xor' in how) out[offsetBytes] = at(out, offsetBytes, 'damaged byte') ^ how.xor;
  else out.fill(0, offsetBytes, Math.min(out.length, offsetBytes + how.zeroBytes));
  const files = new Map(
    [...disk.entries].map(([n, inode]): [string, Uint8Array] => [
      n,
      n === name ? out : got(disk.inodes, inode, 'inode').visible,
    ]),
  );
  return rebooted(files);
}
