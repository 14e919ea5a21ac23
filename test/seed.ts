// Seeds for randomized tests: every property prints its seed, and a failure prints the command that
// replays it. KVLAB_SEED fixes the seed for a rerun; otherwise each run explores new ground.

import fc from 'fast-check';

/** The seed for this run: KVLAB_SEED if set, else a fresh random one. */
export function runSeed(): number {
  const fixed = process.env['KVLAB_SEED'];
  return fixed !== undefined && fixed !== '' ? Number(fixed) : (Math.random() * 0x7fffffff) | 0;
}

/**
 * fc.assert with a printed seed. On failure the error carries fast-check's seed, path and shrunk
 * counterexample, plus the command that replays exactly that run.
 */
export function checkProperty<Ts>(name: string, property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, params: fc.Parameters<Ts> = {}): void | Promise<void> {
  const seed = runSeed();
  console.log(`[seed] ${name}: seed=${seed} (rerun: KVLAB_SEED=${seed} npx vitest run -t ${JSON.stringify(name)})`);
  const withSeed: fc.Parameters<Ts> = { ...params, seed };
  const rethrow = (e: unknown): never => {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${name} failed. Rerun: KVLAB_SEED=${seed} npx vitest run -t ${JSON.stringify(name)}\n${message}`, { cause: e });
  };
  if ((property as fc.IAsyncProperty<Ts>).isAsync()) {
    return (fc.assert(property as fc.IAsyncProperty<Ts>, withSeed) as Promise<void>).catch(rethrow);
  }
  try {
    fc.assert(property as fc.IProperty<Ts>, withSeed);
  } catch (e) {
    rethrow(e);
  }
}
