// The Apply layer (KVStore v3: kvstore_apply_put / kvstore_apply_del and their _internal twins): change the
// in-memory tree, nothing else. No logging, no permission checks: execution.ts and recovery.ts decide
// whether a write may happen; this only says what it does. KVStore v3 also printed from here; we do not.

import { TreeBatch, treeDelete, treePut, type Tree } from './bptree.js';
import type { WriteOp } from './logging.js';

/** The tree after one op. */
export function applyOp(tree: Tree, op: WriteOp): Tree {
  return op.op === 'put' ? treePut(tree, op.key, op.value) : treeDelete(tree, op.key);
}

/** Batches from this many ops are applied in key order (see inKeyOrder). */
const KEY_ORDER_OPS_MIN = 8;

/**
 * `ops` sorted by key, stably. Ops on different keys commute, and a stable sort keeps each key's own
 * ops in the order they were given, so applying them sorted gives the same tree. Any total order on
 * strings does for that; JS's `<` is the cheapest and is the tree's order but for surrogates (bytes.ts).
 * In key order, consecutive puts walk the same upper path and neighbouring leaves while they are still
 * in cache, and a leaf the batch has already copied takes its next keys in place: a batch of 1,000
 * random keys into a 1M-key tree spent most of its time on cache misses in the search.
 */
function inKeyOrder(ops: readonly WriteOp[]): readonly WriteOp[] {
  return ops.slice().sort((a, b) => (a.key < b.key ? -1 : a.key === b.key ? 0 : 1));
}

/**
 * The tree after a record's ops, in order: a batch applies as one unit. A batch of many ops runs as one
 * TreeBatch, which copies each node it touches once instead of once per op.
 */
export function applyOps(tree: Tree, ops: readonly WriteOp[]): Tree {
  const only = ops[0];
  if (ops.length === 1 && only !== undefined) return applyOp(tree, only);
  const batch = new TreeBatch(tree);
  for (const op of ops.length >= KEY_ORDER_OPS_MIN ? inKeyOrder(ops) : ops) {
    if (op.op === 'put') batch.put(op.key, op.value);
    else batch.del(op.key);
  }
  return batch.freeze();
}
