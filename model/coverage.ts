// Crash-point coverage: for each operation, how many crashes hit each step of its plan. `kvlab fuzz`
// reports it, and a campaign that leaves a step unhit has not checked that step.

import type { Step } from '../src/engine/plan.js';

/** operation → "index: step" → how many crashes hit it. */
export type CrashPointCoverage = Record<string, Record<string, number>>;

/** A step without its offsets and sizes, so the same step of the same plan counts together. */
export function stepLabel(index: number, step: Step | undefined): string {
  if (step === undefined) return `${index}: after the last step`;
  const what =
    step.kind === 'rename'
      ? `rename ${step.from} -> ${step.to}`
      : step.kind === 'fsyncDir'
        ? 'fsync-dir'
        : `${step.kind} ${step.file}`;
  return `${index}: ${what}`;
}

/** Count one crash. */
export function countCrash(coverage: CrashPointCoverage, operation: string, label: string): void {
  const row = (coverage[operation] ??= {});
  row[label] = (row[label] ?? 0) + 1;
}
