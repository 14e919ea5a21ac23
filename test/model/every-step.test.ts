// The every-step checker in `npm test`: crash at every step of put, del, batch, snapshot, compact,
// sync, close and recovery, under every cut and every fate, on random histories. It must check at
// least 100,000 crash images, and hit every step of every plan.
import { describe, expect, it } from 'vitest';
import { checkEveryStep } from '../../model/every-step.js';
import type { CrashSpec } from '../../model/crash.js';
import { diskInto, Hasher } from '../../model/explore/fingerprint.js';
import type { SystemObserver } from '../../model/judge.js';
import { imageKey, RecoveryCache } from '../../model/recoveries.js';
import type { Disk } from '../../model/disk.js';
import type { Operation } from '../../model/operations.js';
import { SimSystem, type CrashPoint, type RecoveryMemo } from '../../model/system.js';
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
    // The steps after a sliced compaction's last slice, reached by the put that finishes it.
    const put = Object.keys(report.coverage.put ?? {});
    for (const late of ['rename kvlab.snap.tmp -> kvlab.snap', 'rename kvlab.wal.tmp -> kvlab.wal'])
      expect(
        put.some((label) => label.endsWith(late)),
        late,
      ).toBe(true);
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

describe('a recorded recovery, and recoveries by image', () => {
  it('stand for a recovery rerun and crashed at each of its steps: the same images, the same verdicts', () => {
    const seen = (
      spec: CrashSpec,
      memo: RecoveryMemo | undefined,
      recoveries?: RecoveryCache,
    ): string[] => {
      const events: string[] = [];
      const observer: SystemObserver = {
        crashed: (e) =>
          events.push(`crash ${e.stepIndex}: ${diskInto(new Hasher(), e.image).digest()}`),
        recovered: (e) =>
          events.push(`${e.story}: ${e.violation ?? 'ok'} ${e.model.lastIssuedLsn}`),
      };
      // Sync "none" and a compaction sliced over the writes: recovery has torn tails to cut and syncs.
      const options = resolveOptions({ sync: 'none', compactWrites: 3, compactSliceBytes: 24 });
      const system = SimSystem.create({ options, observer, ...(recoveries ? { recoveries } : {}) });
      for (const key of ['a', 'b', 'c', 'd', 'e']) system.apply({ kind: 'put', key, value: key });
      const point = system.interrupt({ kind: 'put', key: 'f', value: 'ff' }, 1);
      const steps: number[] = [];
      for (let j = 0; j < 64; j++) {
        const copy = system.copyDead();
        const { recoveryCrashed } = copy.recoverFrom(point, spec, j, memo);
        // The store adopted goes on like one recovered anew.
        copy.apply({ kind: 'put', key: 'g', value: `${j}` });
        events.push(`recovered ${JSON.stringify(copy.current.scan())} on ${copy.disk.nextInode}`);
        steps.push(j);
        if (!recoveryCrashed) break;
      }
      expect(steps.length).toBeGreaterThan(1);
      return events;
    };
    const specs: CrashSpec[] = [
      { model: 'kill', cut: 'half' },
      { model: 'power', writes: 'mixed', dirOps: 'mixed', seed: 7 },
    ];
    for (const spec of specs) {
      const plain = seen(spec, undefined);
      expect(seen(spec, {})).toEqual(plain);
      const recoveries = new RecoveryCache();
      expect(seen(spec, {}, recoveries)).toEqual(plain);
      // Now every image is in the cache: each recovery is adopted rather than run.
      expect(seen(spec, {}, recoveries)).toEqual(plain);
      expect(seen(spec, undefined, recoveries)).toEqual(plain);
    }
  });

  it('keys an image by all a process can reach: equal disks share a key, any difference splits it', () => {
    const options = resolveOptions({ sync: 'none' });
    const system = SimSystem.create({ options });
    system.apply({ kind: 'put', key: 'a', value: 'x' });
    const disk = system.disk;
    const copy = { ...disk, entries: new Map(disk.entries), inodes: new Map(disk.inodes) };
    expect(imageKey(copy, '')).toBe(imageKey(disk, ''));
    expect(imageKey(disk, 'point-in-time')).not.toBe(imageKey(disk, ''));
    system.apply({ kind: 'put', key: 'a', value: 'y' });
    expect(imageKey(system.disk, '')).not.toBe(imageKey(disk, ''));
    const renumbered = { ...disk, nextInode: disk.nextInode + 1 };
    expect(imageKey(renumbered, '')).not.toBe(imageKey(disk, ''));
  });
});

describe('the interruptions of one recorded run', () => {
  it('are the points, and the models, that interrupting a fork at each step leaves', () => {
    const options = resolveOptions({ sync: 'none', compactWrites: 3, compactSliceBytes: 24 });
    const system = SimSystem.create({ options });
    for (const key of ['a', 'b', 'c', 'd']) system.apply({ kind: 'put', key, value: key });
    const hash = (d: Disk) => diskInto(new Hasher(), d).digest();
    const view = (s: SimSystem, p: CrashPoint) => ({
      disk: hash(p.disk),
      before: p.crash === undefined ? undefined : hash(p.crash.diskBefore),
      step: p.crash?.step,
      stepIndex: p.crash?.stepIndex,
      stepsRun: p.stepsRun,
      operation: p.operation,
      model: [s.model.lastIssuedLsn, s.model.ackedLsn, s.model.durableLsn, [...s.model.current()]],
    });
    const ops: Operation[] = [
      { kind: 'put', key: 'e', value: 'ee' },
      { kind: 'compact' },
      { kind: 'sync' },
      { kind: 'close' },
    ];
    let stepsAll = 0;
    for (const op of ops) {
      const { steps, at } = system.interruptions(op);
      stepsAll += steps;
      for (let i = 0; i <= steps + 1; i++) {
        const fork = system.fork();
        const point = fork.interrupt(op, i);
        const recorded = at(i);
        expect(view(recorded.system, recorded.point), `${op.kind} at ${i}`).toEqual(
          view(fork, point),
        );
      }
    }
    expect(stepsAll).toBeGreaterThan(5);
    expect([...system.model.current()].length).toBe(4);
  });
});
