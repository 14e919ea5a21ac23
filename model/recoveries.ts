// Recoveries by crash image, for the every-step checker: the same image recurs under many crash points
// and specs (a kill that cut nothing at step i and one that completed step i-1 leave the same disk; a
// power loss that drops every pending write leaves the durable disk, whatever was in flight). The real
// shell and engine recover deterministically from an image, so one recovery stands for every identical
// image of one history, and the oracle still judges each against its own model. No KVStore v3
// counterpart: the KVStore v3 had no checker.

import type { EngineState } from '../src/engine/state.js';
import type { RecoveryReport } from '../src/engine/recovery.js';
import type { Disk, Syscall } from './disk.js';
import { fileInto, Hasher } from './explore/fingerprint.js';

/** What opening a store on an image left: the disk and the store's memory, or what openStore threw. */
export type KeptOpen =
  | {
      readonly disk: Disk;
      readonly state: EngineState;
      readonly recovery: RecoveryReport;
    }
  | { readonly error: unknown };

/**
 * One recovery run to its end (open, then close) on a crash image, with every disk-changing call and the
 * disk just before it: each crash of that recovery, judged from one run.
 */
export interface RecoveryRun {
  readonly calls: readonly Syscall[];
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

/** A map from crash images (by imageKey) to what was made from them. */
class ByImage<T> {
  private readonly entries = new Map<number, T>();

  /** The value made from an image equal to `image` under `tag`, or the one `make` makes now. */
  get(image: Disk, tag: string, make: () => T): T {
    const key = imageKey(image, tag);
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    if (this.entries.size >= ENTRIES_MAX) this.entries.clear();
    const value = make();
    this.entries.set(key, value);
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
