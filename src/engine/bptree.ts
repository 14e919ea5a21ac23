// The in-memory index: a persistent (immutable, path-copying) B+ tree. It stands for KVStore v3's
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
import { assert, at } from './errors.js';

/**
 * A transient edit: the nodes a batch of changes created carry it, and only while it is live may they
 * change in place (Clojure's transients). Every other node is shared with older trees and is copied
 * before a change, once per batch. A single treePut is a batch of one.
 */
interface Edit {
  live: boolean;
}

// The node arrays are typed mutable so that a live edit can change its own nodes in place; a node whose
// `edit` is not the live one is never changed (the shape below is otherwise immutable).
interface Leaf {
  readonly leaf: true;
  readonly keys: string[];
  readonly values: string[];
  readonly edit: Edit | undefined;
}

interface Branch {
  readonly leaf: false;
  /** Replaced (never changed in place) unless `keysEdit` is the live edit. */
  keys: string[];
  readonly children: Node[];
  readonly edit: Edit | undefined;
  /**
   * The edit that may change `keys` in place: a branch copied for a put shares its keys with the
   * branch it copies until a split below adds a separator, since most puts change only a child.
   */
  keysEdit: Edit | undefined;
}

type Node = Leaf | Branch;

/** An immutable B+ tree mapping string keys to string values. */
export interface Tree {
  /** @internal The root node: a leaf, or a branch (see the shape above). */
  readonly root: Node;
  /** Number of keys. */
  readonly size: number;
  /** Maximum children per branch; a node holds at most order - 1 keys. */
  readonly order: number;
}

/** Smallest and largest orders accepted: 3 makes deep trees for tests, 1024 bounds the copy per write. */
export const TREE_ORDER_MIN = 3;
/** The largest order accepted. */
export const TREE_ORDER_MAX = 1024;
/** The default order: 32 keeps a million keys within 4 levels and copies about 100 references a write. */
export const TREE_ORDER_DEFAULT = 32;

const EMPTY_LEAF: Leaf = { leaf: true, keys: [], values: [], edit: undefined };

/** A new empty tree. */
export function emptyTree(order = TREE_ORDER_DEFAULT): Tree {
  assert(
    Number.isInteger(order) && order >= TREE_ORDER_MIN && order <= TREE_ORDER_MAX,
    `tree order ${order}`,
  );
  return { root: EMPTY_LEAF, size: 0, order };
}

// Search with JS's own string comparison when the key allows it. compareKeys orders by UTF-8 bytes,
// which is UTF-16 unit order except that a surrogate (U+D800..U+DFFF) sorts after U+E000..U+FFFF.
// When the searched key holds no unit from U+D800 up, the two orders agree on every comparison with
// it: at the first unit that differs, the key's is below U+D800, and compareKeys' remapping keeps
// every unit below U+D800 where it is and every unit from U+D800 up above them. V8 compares two
// one-byte strings natively; the JS loop of compareKeys (an equality pass, then a unit loop) cost
// about 1.5 times as much per comparison, on every level of every get and put.
const HIGH_UNIT = /[\uD800-\uFFFF]/;

/** True when `<` and `===` on `key` order it exactly as compareKeys does (see HIGH_UNIT). */
function plainKey(key: string): boolean {
  return !HIGH_UNIT.test(key);
}

/** Index of the first key >= `key` in a sorted array (binary search). */
function lowerBound(keys: readonly string[], key: string, plain: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = at(keys, mid, 'key');
    if (plain ? k < key : compareKeys(k, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Which child of a branch may hold `key`: the number of separators <= key. */
function childIndex(keys: readonly string[], key: string, plain: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = at(keys, mid, 'separator');
    if (plain ? !(key < k) : compareKeys(k, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value stored under `key`, or undefined. */
export function treeGet(tree: Tree, key: string): string | undefined {
  const plain = plainKey(key);
  let node = tree.root;
  while (!node.leaf) node = at(node.children, childIndex(node.keys, key, plain), 'child');
  const i = lowerBound(node.keys, key, plain);
  return i < node.keys.length && node.keys[i] === key ? node.values[i] : undefined;
}

function withAt<T>(items: readonly T[], index: number, item: T): T[] {
  const copy = items.slice();
  copy[index] = item;
  return copy;
}

function removeAt<T>(items: readonly T[], index: number, count = 1): T[] {
  const copy = items.slice();
  copy.splice(index, count);
  return copy;
}

/** `leaf` itself when `edit` owns it, else a copy that `edit` owns. */
function writableLeaf(leaf: Leaf, edit: Edit): Leaf {
  if (leaf.edit === edit) return leaf;
  return { leaf: true, keys: leaf.keys.slice(), values: leaf.values.slice(), edit };
}

/** `branch` itself when `edit` owns it, else a copy that `edit` owns. */
function writableBranch(branch: Branch, edit: Edit): Branch {
  if (branch.edit === edit) return branch;
  return {
    leaf: false,
    keys: branch.keys,
    children: branch.children.slice(),
    edit,
    keysEdit: undefined,
  };
}

// A put reports a split to its caller through these module variables rather than through a result
// object per level: a put is on every write's path and this saves an allocation per level. The engine
// is single-threaded and putIn never re-enters, so the variables are read right after they are set.
let splitRight: Node | undefined;
let splitSeparator = '';
let keyAdded = false;

function putInLeaf(
  leaf: Leaf,
  key: string,
  value: string,
  maxKeys: number,
  edit: Edit,
  plain: boolean,
): Leaf {
  const i = lowerBound(leaf.keys, key, plain);
  const w = writableLeaf(leaf, edit);
  if (i < w.keys.length && w.keys[i] === key) {
    w.values[i] = value;
    return w;
  }
  w.keys.splice(i, 0, key);
  w.values.splice(i, 0, value);
  keyAdded = true;
  if (w.keys.length > maxKeys) {
    const half = w.keys.length >>> 1;
    const right: Leaf = {
      leaf: true,
      keys: w.keys.splice(half),
      values: w.values.splice(half),
      edit,
    };
    splitSeparator = at(right.keys, 0, 'first key of a split leaf');
    splitRight = right;
  }
  return w;
}

function putIn(
  node: Node,
  key: string,
  value: string,
  maxKeys: number,
  edit: Edit,
  plain: boolean,
): Node {
  if (node.leaf) return putInLeaf(node, key, value, maxKeys, edit, plain);
  const i = childIndex(node.keys, key, plain);
  const before = at(node.children, i, 'child');
  const child = putIn(before, key, value, maxKeys, edit, plain);
  // A child this edit already owned was changed in place, and so was the path above it.
  if (child === before && splitRight === undefined) return node;
  const w = writableBranch(node, edit);
  w.children[i] = child;
  const right = splitRight;
  if (right === undefined) return w;
  splitRight = undefined;
  if (w.keysEdit !== edit) {
    w.keys = w.keys.slice();
    w.keysEdit = edit;
  }
  w.keys.splice(i, 0, splitSeparator);
  w.children.splice(i + 1, 0, right);
  if (w.keys.length > maxKeys) {
    // Split a branch: the middle key moves up and belongs to neither half.
    const half = maxKeys >>> 1;
    const keys = w.keys.splice(half + 1);
    splitSeparator = at(w.keys, half, 'middle key');
    w.keys.length = half;
    splitRight = { leaf: false, keys, children: w.children.splice(half + 1), edit, keysEdit: edit };
  }
  return w;
}

/** Put into `tree` under `edit`, changing the nodes `edit` owns in place. */
function putWith(tree: Tree, key: string, value: string, edit: Edit): Tree {
  keyAdded = false;
  splitRight = undefined;
  const root = putIn(tree.root, key, value, tree.order - 1, edit, plainKey(key));
  const size = tree.size + (keyAdded ? 1 : 0);
  const right = splitRight;
  if (right === undefined) return { root, size, order: tree.order };
  splitRight = undefined;
  return {
    root: { leaf: false, keys: [splitSeparator], children: [root, right], edit, keysEdit: edit },
    size,
    order: tree.order,
  };
}

/** A tree with `key` set to `value`. */
export function treePut(tree: Tree, key: string, value: string): Tree {
  const edit: Edit = { live: true };
  const next = putWith(tree, key, value, edit);
  edit.live = false;
  return next;
}

/**
 * A batch of changes made in place on the nodes the batch itself created, and frozen at the end: for
 * a record's ops and for replay, where path copying every op would copy the same nodes again and again.
 * The tree a batch starts from never changes, so the engine stays pure: only `freeze()`'s result is new.
 */
export class TreeBatch {
  private tree: Tree;
  private readonly edit: Edit = { live: true };

  constructor(tree: Tree) {
    this.tree = tree;
  }

  /** Set `key` to `value`. */
  put(key: string, value: string): void {
    assert(this.edit.live, 'a frozen batch is not changed');
    this.tree = putWith(this.tree, key, value, this.edit);
  }

  /** Remove `key` (nothing when absent). Deletes path-copy: the nodes they make are shared at once. */
  del(key: string): void {
    assert(this.edit.live, 'a frozen batch is not changed');
    this.tree = treeDelete(this.tree, key);
  }

  /** The tree after every change; the batch's nodes become immutable from here on. */
  freeze(): Tree {
    this.edit.live = false;
    return this.tree;
  }
}

/** Fix child i of `parent` after a delete left it with fewer than minKeys keys: borrow, else merge. */
function rebalance(parent: Branch, i: number, child: Node, minKeys: number): Branch {
  const left = i > 0 ? at(parent.children, i - 1, 'child') : undefined;
  const right = i < parent.children.length - 1 ? at(parent.children, i + 1, 'child') : undefined;
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
    newLeft = {
      leaf: true,
      edit: undefined,
      keys: left.keys.slice(0, last),
      values: left.values.slice(0, last),
    };
    newChild = {
      leaf: true,
      edit: undefined,
      keys: [at(left.keys, last, 'key'), ...child.keys],
      values: [at(left.values, last, 'key'), ...child.values],
    };
    separator = at(left.keys, last, 'key');
  } else {
    assert(!left.leaf && !child.leaf, 'siblings are at the same depth');
    // Rotate right through the parent: the separator comes down, the left's last key goes up.
    newLeft = {
      leaf: false,
      edit: undefined,
      keysEdit: undefined,
      keys: left.keys.slice(0, last),
      children: left.children.slice(0, last + 1),
    };
    newChild = {
      leaf: false,
      edit: undefined,
      keysEdit: undefined,
      keys: [at(parent.keys, i - 1, 'key'), ...child.keys],
      children: [at(left.children, last + 1, 'child'), ...child.children],
    };
    separator = at(left.keys, last, 'key');
  }
  const children = parent.children.slice();
  children[i - 1] = newLeft;
  children[i] = newChild;
  return {
    leaf: false,
    edit: undefined,
    keysEdit: undefined,
    keys: withAt(parent.keys, i - 1, separator),
    children,
  };
}

function borrowFromRight(parent: Branch, i: number, child: Node, right: Node): Branch {
  let newChild: Node;
  let newRight: Node;
  let separator: string;
  if (child.leaf && right.leaf) {
    newChild = {
      leaf: true,
      edit: undefined,
      keys: [...child.keys, at(right.keys, 0, 'key')],
      values: [...child.values, at(right.values, 0, 'key')],
    };
    newRight = {
      leaf: true,
      edit: undefined,
      keys: right.keys.slice(1),
      values: right.values.slice(1),
    };
    separator = at(right.keys, 1, 'key');
  } else {
    assert(!child.leaf && !right.leaf, 'siblings are at the same depth');
    newChild = {
      leaf: false,
      edit: undefined,
      keysEdit: undefined,
      keys: [...child.keys, at(parent.keys, i, 'key')],
      children: [...child.children, at(right.children, 0, 'child')],
    };
    newRight = {
      leaf: false,
      edit: undefined,
      keysEdit: undefined,
      keys: right.keys.slice(1),
      children: right.children.slice(1),
    };
    separator = at(right.keys, 0, 'key');
  }
  const children = parent.children.slice();
  children[i] = newChild;
  children[i + 1] = newRight;
  return {
    leaf: false,
    edit: undefined,
    keysEdit: undefined,
    keys: withAt(parent.keys, i, separator),
    children,
  };
}

/** Merge children j and j + 1 of `parent` into one. */
function merge(parent: Branch, j: number, a: Node, b: Node): Branch {
  let merged: Node;
  if (a.leaf && b.leaf) {
    merged = {
      leaf: true,
      edit: undefined,
      keys: [...a.keys, ...b.keys],
      values: [...a.values, ...b.values],
    };
  } else {
    assert(!a.leaf && !b.leaf, 'siblings are at the same depth');
    merged = {
      leaf: false,
      edit: undefined,
      keysEdit: undefined,
      keys: [...a.keys, at(parent.keys, j, 'key'), ...b.keys],
      children: [...a.children, ...b.children],
    };
  }
  const children = removeAt(parent.children, j, 2);
  children.splice(j, 0, merged);
  return {
    leaf: false,
    edit: undefined,
    keysEdit: undefined,
    keys: removeAt(parent.keys, j),
    children,
  };
}

/** Delete `key` below `node`; returns the same node when the key is absent. */
function deleteInNode(node: Node, key: string, minKeys: number, plain: boolean): Node {
  if (node.leaf) {
    const i = lowerBound(node.keys, key, plain);
    if (i >= node.keys.length || node.keys[i] !== key) return node;
    return {
      leaf: true,
      edit: undefined,
      keys: removeAt(node.keys, i),
      values: removeAt(node.values, i),
    };
  }
  const i = childIndex(node.keys, key, plain);
  const oldChild = at(node.children, i, 'child');
  const child = deleteInNode(oldChild, key, minKeys, plain);
  if (child === oldChild) return node;
  const parent: Branch = {
    leaf: false,
    edit: undefined,
    keysEdit: undefined,
    keys: node.keys,
    children: withAt(node.children, i, child),
  };
  return child.keys.length >= minKeys ? parent : rebalance(parent, i, child, minKeys);
}

/** A tree without `key` (the same tree when the key is absent). */
export function treeDelete(tree: Tree, key: string): Tree {
  const root = deleteInNode(tree.root, key, (tree.order - 1) >>> 1, plainKey(key));
  if (root === tree.root) return tree;
  // A branch root left with one child gives the tree one level less.
  const collapsed = !root.leaf && root.keys.length === 0 ? at(root.children, 0, 'child') : root;
  return { root: collapsed, size: tree.size - 1, order: tree.order };
}

/** Bounds of a range scan: keys in [from, to), at most `limit` of them. All optional. */
export interface ScanRange {
  /** The first key to include (inclusive); from the smallest key when absent. */
  readonly from?: string | undefined;
  /** The key to stop before (exclusive); to the end when absent. */
  readonly to?: string | undefined;
  /** At most this many entries; all when absent. */
  readonly limit?: number | undefined;
}

/** Entries in key order within `range`, as KVStore v3's bptree_scan with a callback, but lazy. */
export function* treeEntries(tree: Tree, range: ScanRange = {}): Generator<[string, string]> {
  const { from, to } = range;
  let left = range.limit ?? Infinity;
  if (left <= 0) return;
  // An explicit stack of (node, next child index): no recursion depth to bound, no parent pointers needed.
  const stack: { node: Node; next: number }[] = [{ node: tree.root, next: 0 }];
  if (from !== undefined) {
    // Descend straight to the first leaf that may hold `from`.
    stack.length = 0;
    const plainFrom = plainKey(from);
    let node = tree.root;
    while (!node.leaf) {
      const i = childIndex(node.keys, from, plainFrom);
      stack.push({ node, next: i + 1 });
      node = at(node.children, i, 'child');
    }
    stack.push({ node, next: lowerBound(node.keys, from, plainFrom) });
  }
  for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
    const { node } = top;
    if (node.leaf) {
      for (let i = top.next; i < node.keys.length; i++) {
        const key = at(node.keys, i, 'key');
        if (to !== undefined && compareKeys(key, to) >= 0) return;
        yield [key, at(node.values, i, 'value')];
        if (--left <= 0) return;
      }
      stack.pop();
    } else if (top.next < node.children.length) {
      stack.push({ node: at(node.children, top.next++, 'child'), next: 0 });
    } else {
      stack.pop();
    }
  }
}

/**
 * The entries from `from` on (all when undefined), in key order, as an iterator that hands out the
 * same pair and the same result object at every step: the snapshot encoder reads each pair before it
 * asks for the next, and a new [key, value] array per entry was a quarter of a compaction's time (GC).
 * Use treeEntries wherever the pairs are kept.
 */
export function treeCursor(tree: Tree, from?: string): Iterator<readonly [string, string]> {
  const pair: [string, string] = ['', ''];
  const result: IteratorResult<readonly [string, string]> = { done: false, value: pair };
  const path: { node: Branch; next: number }[] = [];
  const plainFrom = from !== undefined && plainKey(from);
  let index = 0;
  // Descend to the first leaf that may hold `from`, remembering where to go on at each level.
  let node = tree.root;
  while (!node.leaf) {
    const i = from === undefined ? 0 : childIndex(node.keys, from, plainFrom);
    path.push({ node, next: i + 1 });
    node = at(node.children, i, 'child');
  }
  let leaf: Leaf | undefined = node;
  index = from === undefined ? 0 : lowerBound(node.keys, from, plainFrom);
  const nextLeaf = (): Leaf | undefined => {
    // Climb to the nearest level with a child left, then down its leftmost path.
    while (path.length > 0) {
      const top = path[path.length - 1];
      if (top === undefined || top.next >= top.node.children.length) {
        path.pop();
        continue;
      }
      let down = at(top.node.children, top.next++, 'child');
      while (!down.leaf) {
        path.push({ node: down, next: 1 });
        down = at(down.children, 0, 'child');
      }
      return down;
    }
    return undefined;
  };
  return {
    next(): IteratorResult<readonly [string, string]> {
      while (leaf !== undefined && index >= leaf.keys.length) {
        leaf = nextLeaf();
        index = 0;
      }
      if (leaf === undefined) return { done: true, value: undefined };
      pair[0] = at(leaf.keys, index, 'key');
      pair[1] = at(leaf.values, index, 'value');
      index++;
      return result;
    },
  };
}

/** Depth of the tree: 1 for a lone leaf. */
export function treeDepth(tree: Tree): number {
  let depth = 1;
  for (let node = tree.root; !node.leaf; node = at(node.children, 0, 'child')) depth++;
  return depth;
}

/** The problems of one node's keys: count within bounds, ascending, within the parent's separators. */
function nodeProblems(
  node: Node,
  depth: number,
  bounds: { low: string | undefined; high: string | undefined; isRoot: boolean },
  maxKeys: number,
): string[] {
  const problems: string[] = [];
  const n = node.keys.length;
  if (n > maxKeys) problems.push(`node at depth ${depth} has ${n} keys > ${maxKeys}`);
  if (!bounds.isRoot && n < maxKeys >>> 1)
    problems.push(`node at depth ${depth} has ${n} keys < ${maxKeys >>> 1}`);
  node.keys.forEach((k, i) => {
    if (i > 0 && compareKeys(at(node.keys, i - 1, 'key'), k) >= 0)
      problems.push(`keys out of order at depth ${depth}`);
    if (bounds.low !== undefined && compareKeys(k, bounds.low) < 0)
      problems.push(`key below its lower bound at depth ${depth}`);
    if (bounds.high !== undefined && compareKeys(k, bounds.high) >= 0)
      problems.push(`key above its upper bound at depth ${depth}`);
  });
  return problems;
}

/**
 * Check every structural invariant; returns the problems found (empty when the tree is sound).
 * Tests call it after every step; it walks the whole tree, so it is not on any hot path.
 */
export function checkTree(tree: Tree): string[] {
  const problems: string[] = [];
  const maxKeys = tree.order - 1;
  let leafDepth = -1;
  let count = 0;
  const visit = (
    node: Node,
    depth: number,
    bounds: { low: string | undefined; high: string | undefined; isRoot: boolean },
  ): void => {
    problems.push(...nodeProblems(node, depth, bounds, maxKeys));
    const n = node.keys.length;
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
    if (bounds.isRoot && n === 0) problems.push('branch root with a single child');
    node.children.forEach((child, i) => {
      const low = i === 0 ? bounds.low : node.keys[i - 1];
      visit(child, depth + 1, { low, high: i === n ? bounds.high : node.keys[i], isRoot: false });
    });
  };
  visit(tree.root, 1, { low: undefined, high: undefined, isRoot: true });
  if (count !== tree.size) problems.push(`size ${tree.size} but ${count} keys`);
  return problems;
}

/** Where each of `groups` near-equal runs of `n` items starts, and n at the end (lengths differ by ≤ 1). */
function evenCuts(n: number, groups: number): number[] {
  const cuts = [0];
  let from = 0;
  for (let g = 0; g < groups; g++) {
    from += Math.floor((n - from) / (groups - g));
    cuts.push(from);
  }
  return cuts;
}

/**
 * Builds a tree bottom-up from entries given in strictly ascending key order, in O(n): what loading a
 * snapshot needs. It keeps keys and values in two flat arrays (no array per entry) and fills every node
 * evenly, so every node is within the fill bounds.
 */
export class TreeBuilder {
  private readonly keys: string[] = [];
  private readonly values: string[] = [];

  constructor(private readonly order = TREE_ORDER_DEFAULT) {
    emptyTree(order); // asserts the order
  }

  /** Add the next entry; its key must follow the previous one's (asserted). */
  add(key: string, value: string): void {
    const last = this.keys.at(-1);
    assert(last === undefined || compareKeys(last, key) < 0, 'sorted input');
    this.keys.push(key);
    this.values.push(value);
  }

  /** The tree of every entry added. */
  build(): Tree {
    return treeFromColumns(this.keys, this.values, this.order);
  }
}

/**
 * Build a tree bottom-up from keys in strictly ascending order and their values, as two flat arrays
 * (see TreeBuilder). The order is the caller's to check: TreeBuilder asserts it as entries come, and
 * the snapshot reader checks it after reading (snapshot.ts), so that no key is compared twice here.
 */
export function treeFromColumns(
  keys: readonly string[],
  values: readonly string[],
  order = TREE_ORDER_DEFAULT,
): Tree {
  const n = keys.length;
  assert(values.length === n, 'a value for every key');
  if (n === 0) return emptyTree(order);
  emptyTree(order); // asserts the order
  const leafCuts = evenCuts(n, Math.ceil(n / (order - 1)));
  let nodes: Node[] = [];
  let lows: string[] = [];
  for (let g = 1; g < leafCuts.length; g++) {
    const from = at(leafCuts, g - 1, 'cut');
    const to = at(leafCuts, g, 'cut');
    const leafKeys = keys.slice(from, to);
    nodes.push({ leaf: true, keys: leafKeys, values: values.slice(from, to), edit: undefined });
    lows.push(at(leafKeys, 0, 'first key'));
  }
  // Each level's smallest keys become the separators of the level above.
  while (nodes.length > 1) {
    const cuts = evenCuts(nodes.length, Math.ceil(nodes.length / order));
    const up: Node[] = [];
    const upLows: string[] = [];
    for (let g = 1; g < cuts.length; g++) {
      const from = at(cuts, g - 1, 'cut');
      const to = at(cuts, g, 'cut');
      const children = nodes.slice(from, to);
      up.push({
        leaf: false,
        keys: lows.slice(from + 1, to),
        children,
        edit: undefined,
        keysEdit: undefined,
      });
      upLows.push(at(lows, from, 'low'));
    }
    nodes = up;
    lows = upLows;
  }
  return { root: at(nodes, 0, 'root'), size: n, order };
}

/** Build a tree from entries already in strictly ascending key order (see TreeBuilder). */
export function treeFromSorted(
  entries: readonly (readonly [string, string])[],
  order = TREE_ORDER_DEFAULT,
): Tree {
  const builder = new TreeBuilder(order);
  for (const [key, value] of entries) builder.add(key, value);
  return builder.build();
}
