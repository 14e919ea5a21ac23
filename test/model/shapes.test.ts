// Tree-shape coverage (model/shapes.ts) names the rebalancing case a put or delete went through, from
// the shapes before and after, on trees of order 3 (at most two keys a node, at least one).
import { describe, expect, it } from 'vitest';
import { countShapes, shapeEvents, type ShapeCoverage } from '../../model/shapes.js';
import { emptyTree, treeDelete, treePut, type Tree } from '../../src/engine/bptree.js';

const build = (keys: string[]): Tree => keys.reduce((t, k) => treePut(t, k, 'v'), emptyTree(3));
const afterPut = (keys: string[], key: string) => {
  const t = build(keys);
  return shapeEvents(t, treePut(t, key, 'v'), key);
};
const afterDelete = (keys: string[], key: string) => {
  const t = build(keys);
  return shapeEvents(t, treeDelete(t, key), key);
};

describe('tree-shape coverage', () => {
  it('sees splits at leaf and branch level', () => {
    expect(afterPut(['a'], 'b')).toEqual([]);
    expect(afterPut(['a', 'b'], 'c')).toEqual(['leaf split']); // [a] [b c]
    expect(afterPut(['a', 'b', 'c', 'd'], 'e')).toEqual(['leaf split', 'branch split']);
  });

  it('sees borrows from either sibling, and merges', () => {
    expect(afterDelete(['a', 'b', 'c'], 'a')).toEqual(['leaf borrow-right']);
    expect(afterDelete(['a', 'b', 'c', 'aa'].concat([]), 'c')).toEqual([]);
    const leftFull = treeDelete(build(['a', 'b', 'c', 'aa']), 'c'); // [a aa] [b]
    expect(shapeEvents(leftFull, treeDelete(leftFull, 'b'), 'b')).toEqual(['leaf borrow-left']);
    expect(afterDelete(['a', 'b', 'c', 'd'], 'a')).toEqual(['leaf merge']);
    expect(afterDelete(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 'a')).toEqual([
      'leaf merge',
      'branch merge',
    ]);
  });

  it('counts a write op by op, and skips deletes of absent keys', () => {
    const coverage: ShapeCoverage = {};
    countShapes(coverage, build(['a', 'b']), [
      { op: 'put', key: 'c', value: 'v' },
      { op: 'del', key: 'zz' },
      { op: 'del', key: 'a' },
    ]);
    expect(coverage).toEqual({ 'leaf split': 1, 'leaf borrow-right': 1 });
  });
});
