// The in-memory index: a persistent (immutable, path-copying) B+ tree. It stands for the seed's
// bptree_create / bptree_insert / bptree_delete / bptree_search / bptree_scan.
// Immutability is what makes the engine pure: an operation returns a new tree and the old one stays
// valid, so the shell can throw the new state away when its plan fails, at the cost of copying one
// root-to-leaf path (depth × order references) per write.
//
// Shape, with maxKeys = order - 1 and minKeys = floor(maxKeys / 2):
// - a leaf holds keys[i] → values[i], sorted by UTF-8 byte order (compareKeys);
// - a branch holds n keys and n + 1 children; every key of children[i] is < keys[i] <= every key of children[i + 1];
// - every node but the root holds between minKeys and maxKeys keys; every leaf is at the same depth.

import { compareKeys } from './bytes.js';
import { assert } from './errors.js';

interface Leaf {
  readonly leaf: true;
  readonly keys: readonly string[];
  readonly values: readonly string[];
}

interface Branch {
  readonly leaf: false;
  readonly keys: readonly string[];
  readonly children: readonly Node[];
}

type Node = Leaf | Branch;

/** An immutable B+ tree mapping string keys to string values. */
export interface Tree {
  readonly root: Node;
  /** Number of keys. */
  readonly size: number;
  /** Maximum children per branch; a node holds at most order - 1 keys. */
  readonly order: number;
}

/** Smallest and largest orders accepted: 3 makes deep trees for tests, 1024 bounds the copy per write. */
export const TREE_ORDER_MIN = 3;
export const TREE_ORDER_MAX = 1024;
/** The default order: 32 keeps a million keys within 4 levels and copies about 100 references a write. */
export const TREE_ORDER_DEFAULT = 32;

const EMPTY_LEAF: Leaf = { leaf: true, keys: [], values: [] };

/** A new empty tree. */
export function emptyTree(order = TREE_ORDER_DEFAULT): Tree {
  assert(
    Number.isInteger(order) && order >= TREE_ORDER_MIN && order <= TREE_ORDER_MAX,
    `tree order ${order}`,
  );
  return { root: EMPTY_LEAF, size: 0, order };
}

/** Index of the first key >= `key` in a sorted array (binary search). */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid] as string, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Which child of a branch may hold `key`: the number of separators <= key. */
function childIndex(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid] as string, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value stored under `key`, or undefined. */
export function treeGet(tree: Tree, key: string): string | undefined {
  let node = tree.root;
  while (!node.leaf) node = node.children[childIndex(node.keys, key)] as Node;
  const i = lowerBound(node.keys, key);
  return i < node.keys.length && node.keys[i] === key ? node.values[i] : undefined;
}

function withAt<T>(items: readonly T[], index: number, item: T): T[] {
  const copy = items.slice();
  copy[index] = item;
  return copy;
}

function insertAt<T>(items: readonly T[], index: number, ...added: T[]): T[] {
  return [...items.slice(0, index), ...added, ...items.slice(index)];
}

function removeAt<T>(items: readonly T[], index: number, count = 1): T[] {
  return [...items.slice(0, index), ...items.slice(index + count)];
}

type PutResult =
  | { readonly split: false; readonly node: Node; readonly added: boolean }
  | {
      readonly split: true;
      readonly left: Node;
      readonly separator: string;
      readonly right: Node;
      readonly added: boolean;
    };

function putInLeaf(leaf: Leaf, key: string, value: string, maxKeys: number): PutResult {
  const i = lowerBound(leaf.keys, key);
  if (i < leaf.keys.length && leaf.keys[i] === key) {
    return {
      split: false,
      node: { leaf: true, keys: leaf.keys, values: withAt(leaf.values, i, value) },
      added: false,
    };
  }
  const keys = insertAt(leaf.keys, i, key);
  const values = insertAt(leaf.values, i, value);
  if (keys.length <= maxKeys)
    return { split: false, node: { leaf: true, keys, values }, added: true };
  const half = keys.length >>> 1;
  const right: Leaf = { leaf: true, keys: keys.slice(half), values: values.slice(half) };
  return {
    split: true,
    left: { leaf: true, keys: keys.slice(0, half), values: values.slice(0, half) },
    separator: right.keys[0] as string,
    right,
    added: true,
  };
}

function putInNode(node: Node, key: string, value: string, maxKeys: number): PutResult {
  if (node.leaf) return putInLeaf(node, key, value, maxKeys);
  const i = childIndex(node.keys, key);
  const below = putInNode(node.children[i] as Node, key, value, maxKeys);
  if (!below.split) {
    return {
      split: false,
      node: { leaf: false, keys: node.keys, children: withAt(node.children, i, below.node) },
      added: below.added,
    };
  }
  const keys = insertAt(node.keys, i, below.separator);
  const children = [
    ...node.children.slice(0, i),
    below.left,
    below.right,
    ...node.children.slice(i + 1),
  ];
  if (keys.length <= maxKeys)
    return { split: false, node: { leaf: false, keys, children }, added: below.added };
  // Split a branch: the middle key moves up and belongs to neither half.
  const half = maxKeys >>> 1;
  return {
    split: true,
    left: { leaf: false, keys: keys.slice(0, half), children: children.slice(0, half + 1) },
    separator: keys[half] as string,
    right: { leaf: false, keys: keys.slice(half + 1), children: children.slice(half + 1) },
    added: below.added,
  };
}

/** A tree with `key` set to `value`. */
export function treePut(tree: Tree, key: string, value: string): Tree {
  const result = putInNode(tree.root, key, value, tree.order - 1);
  const size = tree.size + (result.added ? 1 : 0);
  if (!result.split) return { root: result.node, size, order: tree.order };
  return {
    root: { leaf: false, keys: [result.separator], children: [result.left, result.right] },
    size,
    order: tree.order,
  };
}

/** Fix child i of `parent` after a delete left it with fewer than minKeys keys: borrow, else merge. */
function rebalance(parent: Branch, i: number, child: Node, minKeys: number): Branch {
  const left = i > 0 ? (parent.children[i - 1] as Node) : undefined;
  const right = i < parent.children.length - 1 ? (parent.children[i + 1] as Node) : undefined;
  if (left !== undefined && left.keys.length > minKeys)
    return borrowFromLeft(parent, i, left, child);
  if (right !== undefined && right.keys.length > minKeys)
    return borrowFromRight(parent, i, child, right);
  if (left !== undefined) return merge(parent, i - 1, left, child);
  assert(right !== undefined, 'an underfull child has a sibling');
  return merge(parent, i, child, right);
}

function borrowFromLeft(parent: Branch, i: number, left: Node, child: Node): Branch {
  const last = left.keys.length - 1;
  let newLeft: Node;
  let newChild: Node;
  let separator: string;
  if (left.leaf && child.leaf) {
    newLeft = { leaf: true, keys: left.keys.slice(0, last), values: left.values.slice(0, last) };
    newChild = {
      leaf: true,
      keys: [left.keys[last] as string, ...child.keys],
      values: [left.values[last] as string, ...child.values],
    };
    separator = left.keys[last] as string;
  } else {
    assert(!left.leaf && !child.leaf, 'siblings are at the same depth');
    // Rotate right through the parent: the separator comes down, the left's last key goes up.
    newLeft = {
      leaf: false,
      keys: left.keys.slice(0, last),
      children: left.children.slice(0, last + 1),
    };
    newChild = {
      leaf: false,
      keys: [parent.keys[i - 1] as string, ...child.keys],
      children: [left.children[last + 1] as Node, ...child.children],
    };
    separator = left.keys[last] as string;
  }
  const children = parent.children.slice();
  children[i - 1] = newLeft;
  children[i] = newChild;
  return { leaf: false, keys: withAt(parent.keys, i - 1, separator), children };
}

function borrowFromRight(parent: Branch, i: number, child: Node, right: Node): Branch {
  let newChild: Node;
  let newRight: Node;
  let separator: string;
  if (child.leaf && right.leaf) {
    newChild = {
      leaf: true,
      keys: [...child.keys, right.keys[0] as string],
      values: [...child.values, right.values[0] as string],
    };
    newRight = { leaf: true, keys: right.keys.slice(1), values: right.values.slice(1) };
    separator = right.keys[1] as string;
  } else {
    assert(!child.leaf && !right.leaf, 'siblings are at the same depth');
    newChild = {
      leaf: false,
      keys: [...child.keys, parent.keys[i] as string],
      children: [...child.children, right.children[0] as Node],
    };
    newRight = { leaf: false, keys: right.keys.slice(1), children: right.children.slice(1) };
    separator = right.keys[0] as string;
  }
  const children = parent.children.slice();
  children[i] = newChild;
  children[i + 1] = newRight;
  return { leaf: false, keys: withAt(parent.keys, i, separator), children };
}

/** Merge children j and j + 1 of `parent` into one. */
function merge(parent: Branch, j: number, a: Node, b: Node): Branch {
  let merged: Node;
  if (a.leaf && b.leaf) {
    merged = { leaf: true, keys: [...a.keys, ...b.keys], values: [...a.values, ...b.values] };
  } else {
    assert(!a.leaf && !b.leaf, 'siblings are at the same depth');
    merged = {
      leaf: false,
      keys: [...a.keys, parent.keys[j] as string, ...b.keys],
      children: [...a.children, ...b.children],
    };
  }
  const children = removeAt(parent.children, j, 2);
  children.splice(j, 0, merged);
  return { leaf: false, keys: removeAt(parent.keys, j), children };
}

/** Delete `key` below `node`; returns the same node when the key is absent. */
function deleteInNode(node: Node, key: string, minKeys: number): Node {
  if (node.leaf) {
    const i = lowerBound(node.keys, key);
    if (i >= node.keys.length || node.keys[i] !== key) return node;
    return { leaf: true, keys: removeAt(node.keys, i), values: removeAt(node.values, i) };
  }
  const i = childIndex(node.keys, key);
  const oldChild = node.children[i] as Node;
  const child = deleteInNode(oldChild, key, minKeys);
  if (child === oldChild) return node;
  const parent: Branch = {
    leaf: false,
    keys: node.keys,
    children: withAt(node.children, i, child),
  };
  return child.keys.length >= minKeys ? parent : rebalance(parent, i, child, minKeys);
}

/** A tree without `key` (the same tree when the key is absent). */
export function treeDelete(tree: Tree, key: string): Tree {
  const root = deleteInNode(tree.root, key, (tree.order - 1) >>> 1);
  if (root === tree.root) return tree;
  // A branch root left with one child gives the tree one level less.
  const collapsed = !root.leaf && root.keys.length === 0 ? (root.children[0] as Node) : root;
  return { root: collapsed, size: tree.size - 1, order: tree.order };
}

/** Bounds of a range scan: keys in [from, to), at most `limit` of them. All optional. */
export interface ScanRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit?: number | undefined;
}

/** Entries in key order within `range`, as the seed's bptree_scan with a callback, but lazy. */
export function* treeEntries(tree: Tree, range: ScanRange = {}): Generator<[string, string]> {
  const { from, to } = range;
  let left = range.limit ?? Infinity;
  if (left <= 0) return;
  // An explicit stack of (node, next child index): no recursion depth to bound, no parent pointers needed.
  const stack: { node: Node; next: number }[] = [{ node: tree.root, next: 0 }];
  if (from !== undefined) {
    // Descend straight to the first leaf that may hold `from`.
    stack.length = 0;
    let node = tree.root;
    while (!node.leaf) {
      const i = childIndex(node.keys, from);
      stack.push({ node, next: i + 1 });
      node = node.children[i] as Node;
    }
    stack.push({ node, next: lowerBound(node.keys, from) });
  }
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: Node; next: number };
    const { node } = top;
    if (node.leaf) {
      for (let i = top.next; i < node.keys.length; i++) {
        const key = node.keys[i] as string;
        if (to !== undefined && compareKeys(key, to) >= 0) return;
        yield [key, node.values[i] as string];
        if (--left <= 0) return;
      }
      stack.pop();
    } else if (top.next < node.children.length) {
      stack.push({ node: node.children[top.next++] as Node, next: 0 });
    } else {
      stack.pop();
    }
  }
}

/** Depth of the tree: 1 for a lone leaf. */
export function treeDepth(tree: Tree): number {
  let depth = 1;
  let node = tree.root;
  while (!node.leaf) {
    node = node.children[0] as Node;
    depth++;
  }
  return depth;
}

/**
 * Check every structural invariant; returns the problems found (empty when the tree is sound).
 * Tests call it after every step; it walks the whole tree, so it is not on any hot path.
 */
export function checkTree(tree: Tree): string[] {
  const problems: string[] = [];
  const maxKeys = tree.order - 1;
  const minKeys = maxKeys >>> 1;
  let leafDepth = -1;
  let count = 0;
  const visit = (
    node: Node,
    depth: number,
    low: string | undefined,
    high: string | undefined,
    isRoot: boolean,
  ): void => {
    const n = node.keys.length;
    if (n > maxKeys) problems.push(`node at depth ${depth} has ${n} keys > ${maxKeys}`);
    if (!isRoot && n < minKeys) problems.push(`node at depth ${depth} has ${n} keys < ${minKeys}`);
    for (let i = 0; i < n; i++) {
      const k = node.keys[i] as string;
      if (i > 0 && compareKeys(node.keys[i - 1] as string, k) >= 0)
        problems.push(`keys out of order at depth ${depth}`);
      if (low !== undefined && compareKeys(k, low) < 0)
        problems.push(`key below its lower bound at depth ${depth}`);
      if (high !== undefined && compareKeys(k, high) >= 0)
        problems.push(`key above its upper bound at depth ${depth}`);
    }
    if (node.leaf) {
      if (node.values.length !== n)
        problems.push(`leaf has ${n} keys and ${node.values.length} values`);
      if (leafDepth === -1) leafDepth = depth;
      else if (leafDepth !== depth) problems.push(`leaves at depths ${leafDepth} and ${depth}`);
      count += n;
      return;
    }
    if (node.children.length !== n + 1)
      problems.push(`branch has ${n} keys and ${node.children.length} children`);
    if (isRoot && n === 0) problems.push('branch root with a single child');
    node.children.forEach((child, i) =>
      visit(
        child,
        depth + 1,
        i === 0 ? low : node.keys[i - 1],
        i === n ? high : node.keys[i],
        false,
      ),
    );
  };
  visit(tree.root, 1, undefined, undefined, true);
  if (count !== tree.size) problems.push(`size ${tree.size} but ${count} keys`);
  return problems;
}

/** Split `items` into `groups` runs of near-equal length (lengths differ by at most one). */
function evenGroups<T>(items: readonly T[], groups: number): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (let g = 0; g < groups; g++) {
    const take = Math.floor((items.length - at) / (groups - g));
    out.push(items.slice(at, at + take));
    at += take;
  }
  return out;
}

/**
 * Build a tree from entries already in strictly ascending key order, bottom-up, in O(n): what recovery
 * uses to load a snapshot. Nodes are filled evenly, so every node is within the fill bounds.
 */
export function treeFromSorted(
  entries: readonly (readonly [string, string])[],
  order = TREE_ORDER_DEFAULT,
): Tree {
  const empty = emptyTree(order);
  if (entries.length === 0) return empty;
  const maxKeys = order - 1;
  for (let i = 1; i < entries.length; i++) {
    assert(
      compareKeys(
        (entries[i - 1] as readonly [string, string])[0],
        (entries[i] as readonly [string, string])[0],
      ) < 0,
      'sorted input',
    );
  }
  // Each level is a list of (subtree, smallest key in it); the smallest keys become the separators above.
  let level: { node: Node; low: string }[] = evenGroups(
    entries,
    Math.ceil(entries.length / maxKeys),
  ).map((run) => ({
    node: { leaf: true, keys: run.map((e) => e[0]), values: run.map((e) => e[1]) },
    low: (run[0] as readonly [string, string])[0],
  }));
  while (level.length > 1) {
    level = evenGroups(level, Math.ceil(level.length / order)).map((run) => ({
      node: { leaf: false, keys: run.slice(1).map((c) => c.low), children: run.map((c) => c.node) },
      low: (run[0] as { low: string }).low,
    }));
  }
  return { root: (level[0] as { node: Node }).node, size: entries.length, order };
}
