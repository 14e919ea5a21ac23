// Fingerprints for the explorer (TLC's fingerprint set): a 64-bit hash of a canonical serialization of
// what determines every future of a state: the disk (durable bytes, pending writes and directory ops,
// inode numbers renamed by first appearance), the store's memory (engine state, B+ tree shape included)
// and the part of the model's history the oracle can still ask about. No KVStore v3 counterpart: the
// KVStore v3 had no checker. Two independent 32-bit lanes; n states collide with probability about n²/2^65.

import type { Tree } from '../../src/engine/bptree.js';
import type { EngineState } from '../../src/engine/state.js';
import type { Disk, FileImage } from '../disk.js';
import type { KvModel } from '../model.js';

/** An incremental 64-bit hash (two 32-bit multiply-xorshift lanes, cyrb53's mixing). */
export class Hasher {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  /**
   * Mix one integer in [0, 2^32). The shift after each multiply folds the high bits back down: a
   * multiply alone carries bit 31 of its input straight to bit 31 of its output, so two inputs that
   * differed only in that bit of two words (two bytes' 0x80 bits) would hash the same.
   */
  u32(n: number): this {
    const h1 = Math.imul(this.h1 ^ n, 2654435761);
    const h2 = Math.imul(this.h2 ^ n, 1597334677);
    this.h1 = h1 ^ (h1 >>> 15);
    this.h2 = h2 ^ (h2 >>> 15);
    return this;
  }

  /** Mix a non-negative safe integer (an LSN, a size). */
  int(n: number): this {
    return this.u32(n >>> 0).u32(Math.floor(n / 0x1_0000_0000) >>> 0);
  }

  /** Mix bytes, length first so that concatenations differ. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    const words = b.length & ~3;
    // Four bytes per mix: the bytes of every crash image pass through here.
    for (let i = 0; i < words; i += 4)
      this.u32(
        ((b[i] ?? 0) |
          ((b[i + 1] ?? 0) << 8) |
          ((b[i + 2] ?? 0) << 16) |
          ((b[i + 3] ?? 0) << 24)) >>>
          0,
      );
    for (let i = words; i < b.length; i++) this.u32(b[i] ?? 0);
    return this;
  }

  /** Mix a string's UTF-16 code units, length first. */
  text(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.u32(s.charCodeAt(i));
    return this;
  }

  /** The two lanes, finally mixed. */
  private final(): [number, number] {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return [h1 >>> 0, h2 >>> 0];
  }

  /** The hash, as a 16-digit hex string (a Set key). */
  digest(): string {
    const [h1, h2] = this.final();
    return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
  }

  /** 53 bits of the hash, as a number (a cheaper Map key than the digest). */
  digest53(): number {
    const [h1, h2] = this.final();
    return h1 * 0x20_0000 + (h2 & 0x1f_ffff);
  }
}

/** Mix one file: durable bytes and pending ops (what a read sees follows from them). */
export function fileInto(h: Hasher, file: FileImage | undefined): void {
  if (file === undefined) {
    h.u32(0xffff_ffff);
    return;
  }
  h.bytes(file.durable).u32(file.pending.length);
  for (const op of file.pending) {
    if (op.kind === 'truncate') h.u32(1).int(op.sizeBytes);
    else h.u32(2).int(op.offsetBytes).bytes(op.data);
  }
}

/**
 * Mix a disk: entries by name, then durable entries, then pending directory ops. Inodes are numbered by
 * first appearance in that order, so two disks that differ only in inode numbers hash the same.
 */
export function diskInto(h: Hasher, disk: Disk): Hasher {
  const ids = new Map<number, number>();
  const idOf = (inode: number): number => {
    let id = ids.get(inode);
    if (id === undefined) {
      id = ids.size;
      ids.set(inode, id);
      fileInto(h, disk.inodes.get(inode));
    }
    return id;
  };
  const sorted = (m: ReadonlyMap<string, number>): [string, number][] =>
    [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const map of [disk.entries, disk.durableEntries]) {
    const list = sorted(map);
    h.u32(list.length);
    for (const [name, inode] of list) h.text(name).u32(idOf(inode));
  }
  h.u32(disk.pendingDirOps.length);
  for (const op of disk.pendingDirOps) {
    if (op.kind === 'link') h.u32(1).text(op.name).u32(idOf(op.inode));
    else if (op.kind === 'unlink') h.u32(2).text(op.name);
    else h.u32(3).text(op.from).text(op.to);
  }
  return h;
}

/**
 * How a disk numbers its inodes. The fingerprint ignores the numbering, but the syscalls a recovery
 * records name inodes: a cached recovery is reused only on an image numbered the same way.
 */
export function numbering(disk: Disk): string {
  const names = [...disk.entries, ...disk.durableEntries].map(
    ([name, inode]) => `${name}=${inode}`,
  );
  const links = disk.pendingDirOps.map((op) => (op.kind === 'link' ? op.inode : 0));
  return `${disk.nextInode}:${names.join(',')}:${links.join(',')}`;
}

function treeInto(h: Hasher, tree: Tree): void {
  const stack: Tree['root'][] = [tree.root];
  h.u32(tree.size).u32(tree.order);
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    h.u32(node.leaf ? 1 : 2).u32(node.keys.length);
    for (const k of node.keys) h.text(k);
    if (node.leaf) for (const v of node.values) h.text(v);
    else stack.push(...node.children);
  }
}

/** Mix the store's memory: every counter of the engine state and the tree, shape included. */
export function stateInto(h: Hasher, s: EngineState): Hasher {
  h.text(s.phase).int(s.lastLsn).int(s.durableLsn).int(s.walBaseLsn).int(s.walBytes);
  h.int(s.snapshotLsn).int(s.writesSinceCompact);
  treeInto(h, s.tree);
  return h;
}

/** What of the model the oracle can still use: how far back, and which (key, value) pairs to ask about. */
export interface ModelView {
  /** The oracle never asks about S(k) below durableLsn (no fault allows less): unless damage may. */
  readonly fromDurable: boolean;
  /** Salvage asks whether a pair was ever put: these pairs (the alphabet's) are asked about. */
  readonly pairs: readonly (readonly [string, string])[];
}

function lowestKnown(model: KvModel): number {
  let k = model.durableLsn;
  while (k > 0) {
    try {
      model.stateAt(k - 1);
    } catch {
      break; // below the model's base: recovery rebased it there
    }
    k--;
  }
  return k;
}

/**
 * Mix the model, normalized to what any future judgement uses: the LSNs, and S(k) for every k the
 * oracle may still allow. Histories that differ only below the durable LSN mix the same.
 */
export function modelInto(h: Hasher, model: KvModel, view: ModelView): Hasher {
  const from = view.fromDurable ? model.durableLsn : lowestKnown(model);
  h.int(model.durableLsn).int(model.ackedLsn).int(model.lastIssuedLsn).int(from);
  for (let k = from; k <= model.lastIssuedLsn; k++) {
    const state = [...model.stateAt(k)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    h.u32(state.length);
    for (const [key, value] of state) h.text(key).text(value);
  }
  for (const [key, value] of view.pairs) h.u32(model.wasEverPut(key, value) ? 1 : 0);
  return h;
}
