// Tests for src/engine/apply.ts: a record's ops applied as one batch (sorted by key from
// KEY_ORDER_OPS_MIN ops on) give the tree that applying them one by one, in order, gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, applyOps } from '../../src/engine/apply.js';
import { checkTree, emptyTree, treeEntries, type Tree } from '../../src/engine/bptree.js';
import type { WriteOp } from '../../src/engine/logging.js';
import { checkProperty } from '../seed.js';

// Few keys, so that one batch often puts and deletes the same key several times; U+E000 and a
// surrogate pair sort differently in JS's order and in UTF-8's.
const key = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\uE000', '😀'), maxLength: 2 });
const op: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key, value: fc.string({ maxLength: 2 }) }),
  fc.record({ op: fc.constant('del' as const), key }),
);

describe('applyOps', () => {
  it('gives the tree of the ops applied one by one, duplicates and deletes included', () => {
    checkProperty(
      'applyOps matches ops one by one',
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.array(op, { maxLength: 30 }),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        (order, before, ops) => {
          let start: Tree = emptyTree(order);
          for (const o of before) start = applyOp(start, o);
          const startEntries = [...treeEntries(start)];
          let oneByOne = start;
          for (const o of ops) oneByOne = applyOp(oneByOne, o);
          const batched = applyOps(start, ops);
          expect(checkTree(batched)).toEqual([]);
          expect([...treeEntries(batched)]).toEqual([...treeEntries(oneByOne)]);
          expect(batched.size).toBe(oneByOne.size);
          expect([...treeEntries(start)]).toEqual(startEntries); // the tree it began from is untouched
        },
      ),
      { numRuns: 300 },
    );
  });
});
