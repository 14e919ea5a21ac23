// The Apply layer (KVStore v3: kvstore_apply_put / kvstore_apply_del and their _internal twins): change the
// in-memory tree, nothing else. No logging, no permission checks: execution.ts and recovery.ts decide
// whether a write may happen; this only says what it does. KVStore v3 also printed from here; we do not.

import { TreeBatch, treeDelete, treePut, type Tree } from './bptree.js';
import type { WriteOp } from './logging.js';

/** The tree after one op. */
export function applyOp(tree: Tree, op: WriteOp): Tree {
  return op.op === 'put' ? treePut(tree, op.key, op.value) : treeDelete(tree, op.key);
}

/**
 * The tree after a record's ops, in order: a batch applies as one unit. A batch of many ops runs as one
 * TreeBatch, which copies each node it touches once instead of once per op.
 */
export function applyOps(tree: Tree, ops: readonly WriteOp[]): Tree {
  const only = ops[0];
  if (ops.length === 1 && only !== undefined) return applyOp(tree, only);
  const batch = new TreeBatch(tree);
  for (const op of ops) {
    if (op.op === 'put') batch.put(op.key, op.value);
    else batch.del(op.key);
  }
  return batch.freeze();
}
