// The lesson of spec/lessons/write-your-own-engine.md, as the checker runs it: the first draft fails,
// the fix passes. `kvlab bugs --docs` writes the first draft's picture next to the lesson, and
// test/fuzz/lesson.test.ts checks both stages and that the committed picture is current.

import { checkEngine, type CheckResult } from '../api.js';
import { logOnlyBroken } from './log-only-broken.js';
import { logOnlyFixed } from './log-only-fixed.js';

/** Where the first draft's picture lives, relative to the repository. */
export const LESSON_SVG = 'spec/lessons/img/log-only-broken.svg';

/** The checker on the first draft (the settings the lesson shows). */
export function checkFirstDraft(): CheckResult {
  return checkEngine(logOnlyBroken, { name: 'log-only, first draft', seed: 36, runs: 300 });
}

/** The checker on the fixed engine. */
export function checkFixed(): CheckResult {
  return checkEngine(logOnlyFixed, { name: 'log-only, fixed', seed: 36, runs: 300 });
}
