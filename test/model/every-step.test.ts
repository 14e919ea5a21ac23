// The every-step checker in `npm test`: crash at every step of put, del, batch, snapshot, compact and
// recovery, under every cut and every fate, on random small histories. It must check at least 100,000
// crash images, and hit every step of every plan.
import { describe, expect, it } from 'vitest';
import { checkEveryStep } from '../../model/every-step.js';
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
    for (const op of ['put', 'del', 'batch', 'snapshot', 'compact', 'open'])
      expect(Object.keys(report.coverage[op] ?? {}).length, op).toBeGreaterThan(1);
  });
});
