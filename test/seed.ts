// Seeds for randomized tests: every property prints its seed, and a failure prints the command that
// replays it. KVLAB_SEED fixes the seed for a rerun; otherwise each run explores new ground.

import fc from 'fast-check';
import { errorMessage } from '../src/engine/errors.js';

/**
 * The seed for this run: KVLAB_SEED if set, else `fallback` when given (a test that asserts a
 * statistical bound, such as "found within 5,000 runs", must not go red by the luck of a draw), else
 * a fresh random one.
 */
export function runSeed(fallback?: number): number {
  const fixed = process.env.KVLAB_SEED;
  if (fixed !== undefined && fixed !== '') return Number(fixed);
  return fallback ?? (Math.random() * 0x7fffffff) | 0;
}

/**
 * fc.assert with a printed seed. On failure the error carries fast-check's seed, path and shrunk
 * counterexample, plus the command that replays exactly that run. Synchronous properties only: a
 * test that awaits nothing cannot leave a promise floating.
 */
export function checkProperty<Ts>(
  name: string,
  property: fc.IProperty<Ts>,
  params: fc.Parameters<Ts> = {},
): void {
  const seed = runSeed();
  console.log(
    `[seed] ${name}: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run -t ${JSON.stringify(name)})`,
  );
  try {
    fc.assert(property, { ...params, seed });
  } catch (e) {
    throw new Error(
      `${name} failed. Rerun: KVLAB_SEED=${seed} npx vitest run -t ${JSON.stringify(name)}\n${errorMessage(e)}`,
      { cause: e },
    );
  }
}
