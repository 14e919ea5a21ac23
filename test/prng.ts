// A seeded PRNG for tests that need reproducible randomness outside fast-check: the checker's own.
import { mulberry32 } from '../model/random.js';

export function prng(seed: number): { next(): number; int(n: number): number } {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n) };
}
