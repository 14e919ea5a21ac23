// The every-step checker in `npm test`: crash at every step of put, del, batch, snapshot, compact,
// sync, close and recovery, under every cut and every fate, on random histories. It must check at
// least 100,000 crash images, and hit every step of every plan.
import { describe, expect, it } from 'vitest';
import { checkEveryStep } from '../../model/every-step.js';
import { SimSystem } from '../../model/system.js';
import { resolveOptions } from '../../src/engine/options.js';
import { runSeed } from '../seed.js';

describe('crash at every step', () => {
  it('keeps every guarantee at every step of every operation, and of recovery', () => {
    const seed = runSeed();
    console.log(
      `[seed] every step: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run test/model/every-step.test.ts)`,
    );
    const started = performance.now();
    const report = checkEveryStep({ histories: 25, seed, crash: 'all' });
    console.log(
      `every step: ${report.histories} histories, ${report.crashImages} crash images checked in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [operation, steps] of Object.entries(report.coverage))
      console.log(`  ${operation}: ${Object.keys(steps).length} crash points`);
    expect(report.crashImages).toBeGreaterThanOrEqual(100_000);
    for (const op of ['put', 'del', 'batch', 'snapshot', 'compact', 'sync', 'close', 'open'])
      expect(Object.keys(report.coverage[op] ?? {}).length, op).toBeGreaterThan(1);
  });
});

describe('forks of one history', () => {
  it('share nothing mutable: what one fork does, or how its crash turns out, never reaches another', () => {
    const options = resolveOptions({ sync: 'none', treeOrder: 3 });
    const system = SimSystem.create({ options });
    system.apply({ kind: 'put', key: 'a', value: 'x' });
    const disk = system.disk;
    const a = system.fork();
    const b = system.fork();
    a.apply({ kind: 'put', key: 'b', value: 'y' });
    a.crash({ kind: 'sync' }, 0, { model: 'power', writes: 'drop', dirOps: 'drop', seed: 0 });
    expect(system.disk).toBe(disk);
    expect([...system.model.current()]).toEqual([['a', 'x']]);
    expect(b.current.scan()).toEqual([{ key: 'a', value: 'x' }]);
    // One crash point judged under two specs, each on its own copy of the dead process.
    const dead = b.fork();
    const point = dead.interrupt({ kind: 'put', key: 'c', value: 'z' }, 1);
    dead.copyDead().recoverFrom(point, { model: 'power', writes: 'drop', dirOps: 'drop', seed: 0 });
    const kept = dead.copyDead();
    kept.recoverFrom(point, { model: 'kill', cut: 'none' });
    expect(kept.current.get('c')).toBe('z');
    expect(b.current.get('c')).toBeUndefined();
  });
});
