// Issue 8: with sync "none", the default mode survives a power loss. Unsynced appends may survive
// out of order (a hole before an intact record), but every record says which LSN was synced when it
// was written, so tolerate-tail tells lost unsynced writes from damage: the every-step checker,
// crashing every step of random histories under every power-loss fate, sees no refusal and no
// violation.
import { describe, expect, it } from 'vitest';
import { checkEveryStep } from '../../model/every-step.js';
import type { RecoveryEvent } from '../../model/system.js';
import { runSeed } from '../seed.js';

describe('power loss under sync none, recovery tolerate-tail', () => {
  it('never refuses and never violates a guarantee, at every step', () => {
    const seed = runSeed();
    console.log(
      `[seed] power loss, sync none: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run test/model/power-loss.test.ts)`,
    );
    const refusals: RecoveryEvent[] = [];
    let recoveries = 0;
    const observer = {
      recovered(event: RecoveryEvent) {
        recoveries++;
        if ('error' in event.outcome) refusals.push(event);
      },
    };
    const report = checkEveryStep({
      histories: 8,
      seed,
      crash: 'power',
      sync: 'none',
      recovery: 'tolerate-tail',
      crashRecovery: false,
      system: { observer },
    });
    console.log(`power loss: ${report.crashImages} crash images, ${recoveries} recoveries`);
    expect(report.crashImages).toBeGreaterThan(1000);
    expect(
      refusals.map((r) => `${r.story}: ${String('error' in r.outcome && r.outcome.error)}`),
    ).toEqual([]);
  });
});
