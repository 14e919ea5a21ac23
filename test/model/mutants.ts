// Mistakes put into the real shell on purpose, shared by the tests that show the checker finds them
// (test/model/shell.test.ts) and that a campaign reports them like any other violation
// (test/fuzz/campaign.test.ts). They enter through the checker's seams, never through flags in src/.
import type { Step } from '../../src/engine/plan.js';
import { PlanRunner } from '../../src/io/runner.js';

/** The runner, keeping the size of the file a rename replaced (the old log's, after compaction). */
export class StaleSizeRunner extends PlanRunner {
  protected override step(step: Step): void {
    const replaced = step.kind === 'rename' ? this.open.get(step.to) : undefined;
    super.step(step);
    const moved = step.kind === 'rename' ? this.open.get(step.to) : undefined;
    if (replaced !== undefined && moved !== undefined) moved.sizeBytes = replaced.sizeBytes;
  }
}
