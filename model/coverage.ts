// Crash-point coverage: for each operation, how many crashes hit each step of its plan. `kvlab fuzz`
// reports it, and a campaign that leaves a step unhit, or hits one far less often than the rest of its
// operation (a short plan like sync()'s lone fsync, drawn rarely), has not checked that step as well.

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
  const row = coverage[operation] ?? {};
  coverage[operation] = row;
  row[label] = (row[label] ?? 0) + 1;
}

/** How far below the median a step may fall before it is flagged: 1/RATIO of it. */
export const IMBALANCE_RATIO = 50;

/** The median of the hits per step over the whole campaign. */
function medianHits(coverage: CrashPointCoverage): number {
  const hits = Object.values(coverage)
    .flatMap((row) => Object.values(row))
    .sort((a, b) => a - b);
  return hits[Math.floor(hits.length / 2)] ?? 0;
}

/**
 * The steps hit far less often than the rest: fewer than 1/IMBALANCE_RATIO of the median step's hits,
 * each as "operation step (n hits, median m)". Steps after the last one of a long plan are hit
 * rarely by construction (a crash drawn beyond the plan's end) and are not flagged.
 */
export function imbalancedSteps(coverage: CrashPointCoverage): string[] {
  const median = medianHits(coverage);
  const flagged: string[] = [];
  for (const [operation, row] of Object.entries(coverage).sort()) {
    for (const [label, n] of Object.entries(row)) {
      if (label.endsWith('after the last step')) continue;
      if (n * IMBALANCE_RATIO < median)
        flagged.push(`${operation} ${label} (${n} hits, median ${median})`);
    }
  }
  return flagged;
}
