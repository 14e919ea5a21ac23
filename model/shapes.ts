// Tree-shape coverage: which of the B+ tree's rebalancing cases (src/engine/bptree.ts, KVStore v3's
// bptree_insert / bptree_delete) a run reached: split, merge, borrow from the left sibling and borrow
// from the right, at leaf level and at branch level. A pure observation: the checker replays each
// write's operations one at a time with the engine's own treePut / treeDelete and compares the tree's
// shape (how many keys each node holds, level by level) before and after. Nothing in src/ knows.

import { treeDelete, treeGet, treePut, type Tree } from '../src/engine/bptree.js';
import { compareKeys } from '../src/engine/bytes.js';
import type { WriteOp } from '../src/engine/logging.js';

/** The rebalancing cases, each at leaf and at branch level. */
export const SHAPE_EVENTS = [
  'leaf split',
  'branch split',
  'leaf merge',
  'branch merge',
  'leaf borrow-left',
  'leaf borrow-right',
  'branch borrow-left',
  'branch borrow-right',
] as const;

/** One rebalancing case. */
export type ShapeEvent = (typeof SHAPE_EVENTS)[number];

/** How many times each case ran. */
export type ShapeCoverage = Partial<Record<ShapeEvent, number>>;

type Node = Tree['root'];

/** Key counts per level, root first, and the index of the node on `key`'s path at each level. */
function shape(tree: Tree, key: string): { sizes: number[][]; path: number[] } {
  const sizes: number[][] = [];
  const path: number[] = [];
  let level: Node[] = [tree.root];
  let at = 0;
  for (let depth = 0; depth < 64 && level.length > 0; depth++) {
    sizes.push(level.map((n) => n.keys.length));
    path.push(at);
    const onPath = level[at];
    const next: Node[] = [];
    let nextAt = 0;
    for (const n of level) {
      if (n.leaf) continue;
      if (n === onPath) {
        const j = n.keys.findIndex((k) => compareKeys(key, k) < 0);
        nextAt = next.length + (j < 0 ? n.keys.length : j);
      }
      next.push(...n.children);
    }
    level = next;
    at = nextAt;
  }
  return { sizes, path };
}

/** The borrow seen at one level whose node count did not change: the sibling that lost a key. */
function borrowAt(before: number[], after: number[], onPath: number): 'left' | 'right' | undefined {
  const lost = before.findIndex((n, i) => (after[i] ?? n) < n);
  if (lost < 0 || lost === onPath) return undefined;
  return lost === onPath - 1 ? 'left' : lost === onPath + 1 ? 'right' : undefined;
}

/** The rebalancing cases one put or delete of `key` went through, from the shapes around it. */
export function shapeEvents(before: Tree, after: Tree, key: string): ShapeEvent[] {
  const a = shape(before, key);
  const b = shape(after, key);
  const events: ShapeEvent[] = [];
  const depthBefore = a.sizes.length;
  for (let up = 0; up < depthBefore; up++) {
    const was = a.sizes[depthBefore - 1 - up] ?? [];
    const now = b.sizes[b.sizes.length - 1 - up] ?? [];
    const level = up === 0 ? 'leaf' : 'branch';
    if (now.length > was.length) events.push(`${level} split`);
    else if (now.length < was.length) events.push(`${level} merge`);
    else {
      const side = borrowAt(was, now, a.path[depthBefore - 1 - up] ?? -1);
      if (side !== undefined) events.push(`${level} borrow-${side}`);
    }
  }
  return [...new Set(events)];
}

/** Count the cases a write's operations go through, applied one by one to `tree`. */
export function countShapes(coverage: ShapeCoverage, tree: Tree, ops: readonly WriteOp[]): void {
  let t = tree;
  for (const op of ops) {
    if (op.op === 'del' && treeGet(t, op.key) === undefined) continue;
    const next = op.op === 'put' ? treePut(t, op.key, op.value) : treeDelete(t, op.key);
    // A put over a present key only replaces its value (the size stays): no node gains or loses a
    // key, so there is no shape to compare (two walks of the whole tree saved, on most puts).
    if (next.size !== t.size)
      for (const e of shapeEvents(t, next, op.key)) coverage[e] = (coverage[e] ?? 0) + 1;
    t = next;
  }
}
