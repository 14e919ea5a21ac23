// The shortest counterexample of a bug-zoo variant, by exhaustive breadth-first search
// (model/explore/): for the bug pages and `kvlab check --bug`. Where the campaigns sample and minimize
// greedily, this one is shortest by construction: no history with fewer commands breaks a guarantee.

import { defaultBounds, type Bounds, type BoundsInput } from '../model/explore/bounds.js';
import { explore, type ExploreReport } from '../model/explore/explore.js';
import { COUNTEREXAMPLE_FORMAT, type Counterexample } from './counterexample.js';
import { systemOf, type BugVariant } from './zoo/index.js';

/**
 * The bounds a variant is explored under: the defaults (every crash model, I/O errors) at depth 3, with
 * damage added for the variants only damage exposes, under the variant's settings.
 */
export function boundsFor(bug: BugVariant, over: BoundsInput = {}): Bounds {
  return defaultBounds({
    depth: 3,
    damage: bug.faults.damage,
    ...over,
    options: { sync: bug.sync, recovery: bug.recovery, ...over.options },
  });
}

/** A counterexample file's content for what a search found (undefined when it found nothing). */
export function counterexampleOf(
  report: ExploreReport,
  bounds: Bounds,
  bug: BugVariant | undefined,
): Counterexample | undefined {
  const finding = report.finding;
  if (finding === undefined) return undefined;
  return {
    format: COUNTEREXAMPLE_FORMAT,
    bug: bug?.name ?? null,
    options: bounds.options,
    commands: finding.commands,
    violation: finding.violation,
    found: {
      by: 'exhaustive',
      seed: 0,
      runs: report.stats.histories,
      elapsedMs: Math.round(report.stats.elapsedMs),
    },
  };
}

/**
 * The shortest counterexample of `bug` within `bounds` (boundsFor(bug) by default), found
 * breadth-first; undefined when no history within the bounds exposes it.
 */
export function shortestCounterexample(
  bug: BugVariant,
  bounds: Bounds = boundsFor(bug),
): Counterexample | undefined {
  return counterexampleOf(explore({ bounds, sut: systemOf(bug) }), bounds, bug);
}
