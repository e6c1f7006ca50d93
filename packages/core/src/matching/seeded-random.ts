import { mulberry32 } from '../random/mulberry32.ts';

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Creates a mulberry32 generator; deterministic for a given 32-bit seed. */
export function seededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n) };
}
