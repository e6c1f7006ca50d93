/**
 * Fellegi–Sunter model without labels:
 * 1. u (level frequencies among non-matches) from random record pairs — random pairs are almost all
 *    non-matches, whereas blocked pairs are enriched with matches and make EM collapse.
 * 2. m (level frequencies among matches) by EM with u held fixed, once per training blocking rule;
 *    fields the rule blocks on are not estimated from it. Estimates are averaged over rules.
 * 3. λ (prior probability that two random records match) from deterministic rules and an assumed recall.
 *
 * Scoring pairs with the learnt parameters is in pair-scorer.ts.
 */
import type { ComparisonFeature } from './comparison-features.ts';
import type { SeededRandom } from './seeded-random.ts';

/** Learnt parameters: per feature, m and u per level, plus the prior λ. */
export interface FellegiSunterParameters {
  readonly lambda: number;
  readonly features: readonly FeatureParameters[];
  /** log2 bonus of pairs exact on every compared field but at most one (disagreement-count.ts); default 0. */
  readonly singleDisagreementBonus?: number;
}

/** m and u probabilities of one feature's levels (null level excluded). */
export interface FeatureParameters {
  readonly name: string;
  readonly levels: readonly string[];
  readonly m: readonly number[];
  readonly u: readonly number[];
  /** Random pairs seen at each level when u was estimated (see `levelWeights`). */
  readonly uSeen?: readonly number[];
}

/** Level vectors of a list of pairs: `levels[p * featureCount + f]`, -1 = null. */
export interface PairLevels {
  readonly count: number;
  readonly levels: Int8Array;
}

/** Computes level vectors for pairs given as parallel index arrays. */
export function pairLevels(features: readonly ComparisonFeature[], left: ArrayLike<number>, right: ArrayLike<number>): PairLevels {
  const f = features.length;
  const levels = new Int8Array(left.length * f);
  for (let p = 0; p < left.length; p++) {
    const i = left[p] ?? 0;
    const j = right[p] ?? 0;
    for (let k = 0; k < f; k++) levels[p * f + k] = features[k]?.compare(i, j) ?? -1;
  }
  return { count: left.length, levels };
}

/** Draws `count` random distinct pairs (accepted by `accept`), as parallel index arrays. */
export function randomPairs(
  size: number,
  count: number,
  random: SeededRandom,
  accept?: (i: number, j: number) => boolean,
): { left: Int32Array; right: Int32Array } {
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  let p = 0;
  let attempts = 0;
  while (p < count && attempts < count * 50 && size >= 2) {
    attempts++;
    const i = random.int(size);
    const j = random.int(size);
    if (i === j || (accept !== undefined && !accept(i, j))) continue;
    left[p] = i;
    right[p] = j;
    p++;
  }
  return { left: left.slice(0, p), right: right.slice(0, p) };
}

/**
 * u per feature level from level vectors of random pairs, with a pseudo-count so no level is 0: one
 * pair per level, plus as many pairs again spread by the prior u where there is one (`priorU[k]`). Also returns
 * how many sampled pairs each feature was present in (the data behind its u). `nonMatch[p]`, when
 * given, weighs each pair by how likely it is not a match (see the engine's second estimate of u).
 */
export function estimateU(
  features: readonly ComparisonFeature[],
  sample: PairLevels,
  priorU: readonly (readonly number[] | undefined)[] = [],
  nonMatch?: ArrayLike<number>,
): { u: number[][]; present: number[]; seen: number[][] } {
  const f = features.length;
  const present: number[] = [];
  const seen: number[][] = [];
  const u = features.map((feature, k) => {
    const seenAt = new Array<number>(feature.levels.length).fill(0);
    const counts = new Array<number>(feature.levels.length).fill(0);
    for (let p = 0; p < sample.count; p++) {
      const l = sample.levels[p * f + k] ?? -1;
      if (l < 0) continue;
      seenAt[l] = (seenAt[l] ?? 0) + 1;
      counts[l] = (counts[l] ?? 0) + (nonMatch === undefined ? 1 : (nonMatch[p] ?? 1));
    }
    const total = counts.reduce((a, b) => a + b, 0);
    present.push(seenAt.reduce((a, b) => a + b, 0));
    seen.push(seenAt);
    const levels = feature.levels.length;
    const prior = priorU[k];
    if (prior === undefined) return counts.map((c) => (c + 1) / (total + levels));
    // Laplace's one pair per level still floors u (a level unseen in the data is not thereby impossible).
    return counts.map((c, l) => (c + 1 + levels * (prior[l] ?? 0)) / (total + 2 * levels));
  });
  return { u, present, seen };
}

/** Starting m: most matches agree exactly, the rest spread geometrically over the weaker levels. */
export function initialM(levelCount: number): number[] {
  const m = new Array<number>(levelCount).fill(0);
  let rest = 1;
  for (let l = 0; l < levelCount; l++) {
    const share = l === levelCount - 1 ? rest : rest * (l === 0 ? 0.8 : 0.5);
    m[l] = share;
    rest -= share;
  }
  return m;
}

/**
 * EM for m with u fixed, on one training sample. `fixed[k]` marks features the training rule
 * blocked on (always equal there, so no information). Returns m per feature (undefined when fixed).
 */
export function emForM(
  sample: PairLevels,
  u: readonly (readonly number[])[],
  fixed: readonly boolean[],
  options: { iterations?: number; startM?: readonly (readonly number[])[] } = {},
): { m: (number[] | undefined)[]; lambda: number; mass: number[] } {
  const f = u.length;
  let m = u.map((uk, k) => (options.startM?.[k] ?? initialM(uk.length)).slice());
  let lambda = 0.3;
  // Why: pairs share few distinct level vectors, so EM runs over the distinct vectors with counts.
  const { patterns, weights } = distinctPatterns(sample, f);
  const total = sample.count;
  sample = { count: weights.length, levels: patterns };
  const post = new Float64Array(sample.count);
  const iterations = options.iterations ?? 40;
  for (let it = 0; it < iterations; it++) {
    const logM = m.map((mk) => mk.map((v) => Math.log(Math.max(v, 1e-12))));
    const logU = u.map((uk) => uk.map((v) => Math.log(v)));
    const prior = Math.log(lambda / (1 - lambda));
    let sumPost = 0;
    for (let p = 0; p < sample.count; p++) {
      let s = prior;
      for (let k = 0; k < f; k++) {
        if (fixed[k] === true) continue;
        const l = sample.levels[p * f + k] ?? -1;
        if (l < 0) continue;
        s += (logM[k]?.[l] ?? 0) - (logU[k]?.[l] ?? 0);
      }
      const q = (s > 30 ? 1 : s < -30 ? 0 : 1 / (1 + Math.exp(-s))) * (weights[p] ?? 0);
      post[p] = q;
      sumPost += q;
    }
    const next = u.map((uk) => new Array<number>(uk.length).fill(0));
    for (let p = 0; p < sample.count; p++) {
      const q = post[p] ?? 0;
      for (let k = 0; k < f; k++) {
        const l = sample.levels[p * f + k] ?? -1;
        if (l >= 0) {
          const row = next[k];
          if (row !== undefined) row[l] = (row[l] ?? 0) + q;
        }
      }
    }
    let delta = 0;
    m = next.map((row, k) => {
      const total = row.reduce((a, b) => a + b, 0);
      const prev = m[k] ?? [];
      if (total <= 0) return prev;
      const levels = row.length;
      const est = row.map((c) => (c + 1e-3) / (total + 1e-3 * levels));
      for (let l = 0; l < levels; l++) delta = Math.max(delta, Math.abs((est[l] ?? 0) - (prev[l] ?? 0)));
      return est;
    });
    lambda = Math.min(0.999, Math.max(1e-6, sumPost / Math.max(1, total)));
    if (delta < 1e-5) break;
  }
  // Expected number of matches behind each feature's m (pairs where it is present): how far the data supports m.
  const mass = new Array<number>(f).fill(0);
  for (let p = 0; p < sample.count; p++)
    for (let k = 0; k < f; k++) if ((sample.levels[p * f + k] ?? -1) >= 0) mass[k] = (mass[k] ?? 0) + (post[p] ?? 0);
  return { m: m.map((mk, k) => (fixed[k] === true ? undefined : mk)), lambda, mass: mass.map((v, k) => (fixed[k] === true ? 0 : v)) };
}

/** The distinct level vectors of a sample and how many pairs have each, in first-seen order. */
function distinctPatterns(sample: PairLevels, f: number): { patterns: Int8Array; weights: number[] } {
  const index = new Map<string, number>();
  const weights: number[] = [];
  const firstAt: number[] = [];
  for (let p = 0; p < sample.count; p++) {
    const key = sample.levels.subarray(p * f, p * f + f).join(',');
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, weights.length);
      weights.push(1);
      firstAt.push(p);
    } else weights[at] = (weights[at] ?? 0) + 1;
  }
  const patterns = new Int8Array(weights.length * f);
  firstAt.forEach((p, d) => patterns.set(sample.levels.subarray(p * f, p * f + f), d * f));
  return { patterns, weights };
}

/**
 * The deterministic "sure match" rule behind λ: at least three identifying fields present, all of
 * them agreeing (within their `sureLevels`), at most one of them not exactly. Pairs of different
 * people rarely pass it, so the count of passing pairs, divided by the rule's assumed recall, estimates
 * the number of matches without labels.
 */
export function isSureMatch(features: readonly ComparisonFeature[], levels: Int8Array, offset: number): boolean {
  let present = 0;
  let inexact = 0;
  for (let k = 0; k < features.length; k++) {
    const sure = features[k]?.sureLevels ?? 0;
    if (sure === 0) continue;
    const l = levels[offset + k] ?? -1;
    if (l < 0) continue;
    if (l >= sure) return false;
    present++;
    if (l > 0 && ++inexact > 1) return false;
  }
  return present >= 3;
}

/** Whether the sure-match rule could judge a pair: at least three identifying fields present on both sides. */
export function sureRuleApplies(features: readonly ComparisonFeature[], levels: Int8Array, offset: number): boolean {
  let present = 0;
  for (let k = 0; k < features.length; k++)
    if ((features[k]?.sureLevels ?? 0) > 0 && (levels[offset + k] ?? -1) >= 0 && ++present >= 3) return true;
  return false;
}

/** Match probability from a log2 match weight. */
export function weightToProbability(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

/** Log2 match weight from a probability (threshold conversion). */
export function probabilityToWeight(probability: number): number {
  return Math.log2(probability / (1 - probability));
}
