// Tests for src/engine/bptree.ts: the persistent B+ tree against a Map, with every invariant checked
// after every step; old versions stay intact (persistence); range scans; the bulk loader.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/engine/bytes.js';
import {
  checkTree,
  emptyTree,
  treeCursor,
  treeDelete,
  treeDepth,
  treeEntries,
  treeFromSorted,
  treeGet,
  treePut,
  TreeBatch,
  TreeBuilder,
  type Tree,
} from '../../src/engine/bptree.js';
import { checkProperty } from '../seed.js';

// U+E000 and U+FFFD sort before a surrogate pair in UTF-8 order but after it in UTF-16 units: the
// tree's search takes JS's own comparison only for keys without such units, and these mix both kinds.
const key = fc.string({
  unit: fc.constantFrom('a', 'b', 'c', 'é', '\uE000', '\uFFFD', '😀'),
  maxLength: 3,
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key, value: fc.string({ maxLength: 2 }) }),
  fc.record({ kind: fc.constant('del' as const), key }),
);

function sortedEntries(model: Map<string, string>): [string, string][] {
  return [...model.entries()].sort((a, b) => compareKeys(a[0], b[0]));
}

describe('bptree', () => {
  it('matches a Map over random operations, with its invariants after every step', () => {
    checkProperty(
      'bptree matches a Map',
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.array(op, { maxLength: 200 }),
        (order, ops) => {
          let tree = emptyTree(order);
          const model = new Map<string, string>();
          for (const o of ops) {
            const before = tree;
            const beforeEntries = [...treeEntries(before)];
            if (o.kind === 'put') {
              tree = treePut(tree, o.key, o.value);
              model.set(o.key, o.value);
            } else {
              tree = treeDelete(tree, o.key);
              model.delete(o.key);
            }
            expect(checkTree(tree)).toEqual([]);
            expect([...treeEntries(before)]).toEqual(beforeEntries); // the old version is untouched
            expect(treeGet(tree, o.key)).toBe(model.get(o.key));
          }
          expect([...treeEntries(tree)]).toEqual(sortedEntries(model));
          expect(tree.size).toBe(model.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scans a range [from, to) with a limit', () => {
    checkProperty(
      'bptree range scans',
      fc.property(
        fc.array(fc.tuple(key, fc.string({ maxLength: 2 })), { maxLength: 60 }),
        key,
        key,
        fc.nat(10),
        (pairs, from, to, limit) => {
          let tree = emptyTree(3);
          const model = new Map<string, string>();
          for (const [k, v] of pairs) {
            tree = treePut(tree, k, v);
            model.set(k, v);
          }
          const expected = sortedEntries(model)
            .filter(([k]) => compareKeys(k, from) >= 0 && compareKeys(k, to) < 0)
            .slice(0, limit);
          expect([...treeEntries(tree, { from, to, limit })]).toEqual(expected);
          expect([...treeEntries(tree, { from })]).toEqual(
            sortedEntries(model).filter(([k]) => compareKeys(k, from) >= 0),
          );
        },
      ),
    );
  });

  it('bulk-loads sorted entries into a sound tree at every size and order', () => {
    for (const order of [3, 4, 5, 8, 32]) {
      for (let n = 0; n <= 300; n += n < 40 ? 1 : 37) {
        const entries = Array.from({ length: n }, (_, i): [string, string] => [
          `k${String(i).padStart(4, '0')}`,
          `v${i}`,
        ]);
        const tree = treeFromSorted(entries, order);
        expect(checkTree(tree), `order ${order}, ${n} entries`).toEqual([]);
        expect([...treeEntries(tree)]).toEqual(entries);
        // The loaded tree goes on working as any other.
        const grown: Tree = treeDelete(treePut(tree, 'k0000x', 'new'), 'k0001');
        expect(checkTree(grown)).toEqual([]);
      }
    }
  });

  it('borrows and merges through branches when deep trees shrink', () => {
    for (const order of [3, 4, 5]) {
      let tree = emptyTree(order);
      const keys = Array.from(
        { length: 400 },
        (_, i) => `k${String((i * 7919) % 400).padStart(3, '0')}`,
      );
      for (const k of keys) tree = treePut(tree, k, k);
      // Delete from both ends and the middle, so that both left and right siblings lend and merge.
      const order_ = [
        ...keys.filter((_, i) => i % 3 === 0),
        ...keys.filter((_, i) => i % 3 === 1).reverse(),
        ...keys.filter((_, i) => i % 3 === 2),
      ];
      for (const k of order_) {
        tree = treeDelete(tree, k);
        expect(checkTree(tree)).toEqual([]);
      }
      expect(tree.size).toBe(0);
      expect(treeDelete(tree, 'absent')).toBe(tree);
    }
  });

  it('stays shallow at the default order, and rejects a bad order', () => {
    let tree = emptyTree();
    for (let i = 0; i < 20_000; i++) tree = treePut(tree, `key${i}`, 'v');
    expect(treeDepth(tree)).toBeLessThanOrEqual(4);
    expect(checkTree(tree)).toEqual([]);
    expect(() => emptyTree(2)).toThrow(/INTERNAL/);
  });

  it('changes a batch in place and freezes it, leaving the tree it began from untouched', () => {
    checkProperty(
      'bptree batch matches a Map',
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.array(op, { maxLength: 100 }),
        fc.array(fc.array(op, { maxLength: 60 }), { maxLength: 4 }),
        (order, setup, batches) => {
          let tree = emptyTree(order);
          const model = new Map<string, string>();
          for (const o of setup) {
            tree = o.kind === 'put' ? treePut(tree, o.key, o.value) : treeDelete(tree, o.key);
            if (o.kind === 'put') model.set(o.key, o.value);
            else model.delete(o.key);
          }
          for (const ops of batches) {
            const before = tree;
            const beforeEntries = [...treeEntries(before)];
            const batch = new TreeBatch(tree);
            for (const o of ops) {
              if (o.kind === 'put') batch.put(o.key, o.value);
              else batch.del(o.key);
              if (o.kind === 'put') model.set(o.key, o.value);
              else model.delete(o.key);
            }
            tree = batch.freeze();
            expect(() => batch.put('a', 'b')).toThrow(/frozen/);
            expect(checkTree(tree)).toEqual([]);
            expect([...treeEntries(before)]).toEqual(beforeEntries);
            expect([...treeEntries(tree)]).toEqual(sortedEntries(model));
            expect(tree.size).toBe(model.size);
            // A frozen tree's nodes are shared, never changed: a later put copies them.
            const frozen = [...treeEntries(tree)];
            treePut(tree, 'zz', 'z');
            expect([...treeEntries(tree)]).toEqual(frozen);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('builds from sorted entries added one by one, and refuses them out of order', () => {
    const builder = new TreeBuilder(4);
    for (let i = 0; i < 1000; i++) builder.add(`k${String(i).padStart(4, '0')}`, `${i}`);
    const tree = builder.build();
    expect(checkTree(tree)).toEqual([]);
    expect(tree.size).toBe(1000);
    expect(treeGet(tree, 'k0500')).toBe('500');
    expect(() => builder.add('a', '')).toThrow(/sorted input/);
    expect(new TreeBuilder().build().size).toBe(0);
  });

  it('walks entries with a cursor from any key, as treeEntries does', () => {
    let tree = emptyTree(3);
    for (let i = 0; i < 200; i += 2) tree = treePut(tree, `k${String(i).padStart(3, '0')}`, `${i}`);
    for (const from of [undefined, 'a', 'k000', 'k001', 'k100', 'k197', 'k198', 'z']) {
      const cursor = treeCursor(tree, from);
      const walked: [string, string][] = [];
      for (let r = cursor.next(); r.done !== true; r = cursor.next()) walked.push([...r.value]);
      expect(walked).toEqual([...treeEntries(tree, from === undefined ? {} : { from })]);
    }
    expect(treeCursor(emptyTree(), 'a').next().done).toBe(true);
  });
});
