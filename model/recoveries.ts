// Recoveries by crash image, for the every-step checker: the same image recurs under many crash points
// and specs (a kill that cut nothing at step i and one that completed step i-1 leave the same disk; a
// power loss that drops every pending write leaves the durable disk, whatever was in flight). The real
// shell and engine recover deterministically from an image, so one recovery stands for every identical
// image of one history, and the oracle still judges each against its own model. No KVStore v3
// counterpart: the KVStore v3 had no checker.

import type { EngineState } from '../src/engine/state.js';
import type { RecoveryReport } from '../src/engine/recovery.js';
import type { Disk, FileImage, Syscall } from './disk.js';
import { fileInto, Hasher } from './explore/fingerprint.js';

/** What opening a store on an image left: the disk and the store's memory, or what openStore threw. */
export type KeptOpen =
  | {
      /** The disk once the open returned (its repairs made). */
      readonly disk: Disk;
      /** The store's memory after the open. */
      readonly state: EngineState;
      /** What the open reported of its recovery. */
      readonly recovery: RecoveryReport;
    }
  | {
      /** What openStore threw. */
      readonly error: unknown;
    };

/**
 * One recovery run to its end (open, then close) on a crash image, with every disk-changing call and the
 * disk just before it: each crash of that recovery, judged from one run.
 */
export interface RecoveryRun {
  /** Every call that changed the disk, in order. */
  readonly calls: readonly Syscall[];
  /** The disk just before each of those calls: a crash at call i leaves disksBefore[i]. */
  readonly disksBefore: readonly Disk[];
  /** The disk once the recovery finished (or refused). */
  readonly end: Disk;
}

/** Entries kept at most (then the cache starts over): bounds the memory one long history takes. */
const ENTRIES_MAX = 20_000;

/**
 * A 53-bit hash of all a process can reach on `disk`: the names and inode numbers of the listing and of
 * the durable listing, the pending directory ops, and every file they name. Inode numbers are mixed as
 * they are (recorded calls name inodes), so images equal but for numbering are two keys, never one.
 */
export function imageKey(disk: Disk, tag: string): number {
  const h = new Hasher().text(tag).u32(disk.nextInode);
  for (const [name, inode] of disk.entries)
    fileInto(h.text(name).u32(inode), disk.inodes.get(inode));
  h.u32(disk.durableEntries.size);
  for (const [name, inode] of disk.durableEntries)
    fileInto(h.text(name).u32(inode), disk.inodes.get(inode));
  h.u32(disk.pendingDirOps.length);
  for (const op of disk.pendingDirOps) {
    if (op.kind === 'link')
      fileInto(h.u32(1).text(op.name).u32(op.inode), disk.inodes.get(op.inode));
    else if (op.kind === 'unlink') h.u32(2).text(op.name);
    else h.u32(3).text(op.from).text(op.to);
  }
  return h.digest53();
}

/** Equal bytes: usually the same array (files are immutable values shared by many images). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equal files: durable bytes and pending ops (what a read sees follows from them). */
function sameFile(a: FileImage | undefined, b: FileImage | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (!sameBytes(a.durable, b.durable) || a.pending.length !== b.pending.length) return false;
  return a.pending.every((op, i) => {
    const other = b.pending[i];
    if (other === undefined || other.kind !== op.kind) return false;
    if (op.kind === 'truncate')
      return other.kind === 'truncate' && other.sizeBytes === op.sizeBytes;
    return (
      other.kind === 'write' &&
      other.offsetBytes === op.offsetBytes &&
      sameBytes(other.data, op.data)
    );
  });
}

/** Equal name → inode maps, each inode's file equal on both disks. */
function sameListing(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  da: Disk,
  db: Disk,
): boolean {
  if (a.size !== b.size) return false;
  for (const [name, inode] of a)
    if (b.get(name) !== inode || !sameFile(da.inodes.get(inode), db.inodes.get(inode)))
      return false;
  return true;
}

/**
 * Whether two images are equal in all imageKey hashes: what makes a cache hit exact, whatever the
 * hash's quality (a 53-bit hash of chosen bytes can collide; equal images cannot differ).
 */
export function sameImage(a: Disk, b: Disk): boolean {
  if (a === b) return true;
  if (a.nextInode !== b.nextInode || a.pendingDirOps.length !== b.pendingDirOps.length)
    return false;
  if (!sameListing(a.entries, b.entries, a, b)) return false;
  if (!sameListing(a.durableEntries, b.durableEntries, a, b)) return false;
  return a.pendingDirOps.every((op, i) => {
    const other = b.pendingDirOps[i];
    if (other === undefined) return false;
    if (op.kind === 'link')
      return (
        other.kind === 'link' &&
        other.name === op.name &&
        other.inode === op.inode &&
        sameFile(a.inodes.get(op.inode), b.inodes.get(other.inode))
      );
    if (op.kind === 'unlink') return other.kind === 'unlink' && other.name === op.name;
    return other.kind === 'rename' && other.from === op.from && other.to === op.to;
  });
}

/** A map from crash images (by imageKey, confirmed by sameImage) to what was made from them. */
class ByImage<T> {
  private readonly entries = new Map<
    number,
    { readonly image: Disk; readonly tag: string; readonly value: T }
  >();

  /** The value made from an image equal to `image` under `tag`, or the one `make` makes now. */
  get(image: Disk, tag: string, make: () => T): T {
    const key = imageKey(image, tag);
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.tag === tag && sameImage(hit.image, image)) return hit.value;
    if (this.entries.size >= ENTRIES_MAX) this.entries.clear();
    const value = make();
    // A collision (a different image under the same key) is made afresh and replaces the entry.
    this.entries.set(key, { image, tag, value });
    return value;
  }

  /** Forget every entry. */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * Recoveries of one history's crash images, under that history's options (the cache belongs to one
 * SystemConfig; `tag` tells the recovery modes apart, as the judge's point-in-time reopen asks).
 */
export class RecoveryCache {
  /** Opens: a hit is adopted as a new process on the disk the open left, with the same memory. */
  readonly opens = new ByImage<KeptOpen>();
  /** Recorded runs of recovery, for crashing it at each of its steps. */
  readonly runs = new ByImage<RecoveryRun>();

  /** Forget every entry: images rarely recur across operations, and kept ones cost the GC. */
  clear(): void {
    this.opens.clear();
    this.runs.clear();
  }
}
