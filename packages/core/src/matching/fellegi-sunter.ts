/**
 * Fellegi–Sunter model without labels:
 * 1. u (level frequencies among non-matches) from random record pairs — random pairs are almost all
 *    non-matches, whereas blocked pairs are enriched with matches and make EM collapse.
 * 2. m (level frequencies among matches) by EM with u held fixed, once per training blocking rule;
 *    fields the rule blocks on are not estimated from it. Estimates are averaged over rules.
 * 3. λ (prior probability that two random records match) from deterministic rules and an assumed recall.
 */
import type { ComparisonFeature, PreparedRecords } from './comparison-features.ts';
import type { SeededRandom } from './seeded-random.ts';

/** Learnt parameters: per feature, m and u per level, plus the prior λ. */
export interface FellegiSunterParameters {
  readonly lambda: number;
  readonly features: readonly FeatureParameters[];
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

/** Records' worth of the average frequency blended into each value's observed frequency. */
const TF_PRIOR_RECORDS = 300;

/** Per-record log2 weight of agreeing exactly on this record's value, adjusted for its frequency. */
export function termFrequencyWeights(feature: ComparisonFeature, size: number, m0: number, u0: number): Float32Array {
  const counts = new Map<string, number>();
  let present = 0;
  for (let i = 0; i < size; i++) {
    const v = feature.value(i);
    if (v === undefined) continue;
    present++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const out = new Float32Array(size);
  const base = Math.log2(m0 / u0);
  for (let i = 0; i < size; i++) {
    const v = feature.value(i);
    if (v === undefined) {
      out[i] = base;
      continue;
    }
    // Why the pseudo-records: in a small file most names are seen once, which says little about how
    // rare they are; the frequency leans on the average (u0) until the file is large enough to tell.
    // Why the floor: a value seen once (often a typo) would otherwise gain unbounded weight.
    const freq = Math.max(((counts.get(v) ?? 1) + TF_PRIOR_RECORDS * u0) / (present + TF_PRIOR_RECORDS), u0 / 16);
    out[i] = Math.log2(m0 / freq);
  }
  return out;
}

/** Pair scoring with the learnt parameters: log2 Bayes factors per level plus the prior. */
export interface PairScorer {
  /** Total match weight (log2 odds) of records i and j. */
  weight(i: number, j: number): number;
  /** The same from precomputed levels (`levels[offset + k]` for feature k) of records i and j. */
  weightFromLevels(levels: Int8Array, offset: number, i: number, j: number): number;
  /** log2 of how many records hold the rarer of the two values of feature k (typo-level features only). */
  rarerValueLogCount(k: number, i: number, j: number): number;
  /** Level index and weight of every feature for one pair (null levels have weight 0). */
  explain(i: number, j: number): { feature: string; level: string; weight: number }[];
  /** Writes each feature's weight for one pair into `out` (NaN where either value is missing). */
  featureWeights(i: number, j: number, out: Float64Array): void;
  /**
   * Total weight (prior included) of per-feature weights (NaN = missing), with the household rule of
   * `weight`: when first names differ, only the strongest household field counts.
   */
  combine(weights: ArrayLike<number>): number;
  /** True when both records have first names and they plainly differ (not a nickname, initial or typo). */
  firstNamesDiffer(i: number, j: number): boolean;
  /** The prior log2 odds of a match (λ), included in every weight. */
  readonly prior: number;
  /** The prior log2 odds of records i and j (λ, or a pair-specific prior such as `kindPrior`). */
  priorOf(i: number, j: number): number;
}

/**
 * Level weights (log2 m/u) with two order constraints: exact agreement is never weaker evidence than
 * any other level, and the catch-all "different" never stronger. Why: training rules select pairs
 * with errors elsewhere (a rule blocking on names finds matches whose error sits in the date), which
 * can make EM rank "one edit" above "exact"; the constraint keeps the scale meaningful. `uSeen` (random
 * pairs seen at each level) marks levels whose u is only a pseudo-count; with a prior m those would
 * otherwise claim huge weights (a city typo never seen among this file's random pairs) and lift exact.
 */
export function levelWeights(m: readonly number[], u: readonly number[], uSeen?: readonly number[]): number[] {
  const w = m.map((mv, l) => Math.log2(Math.max(mv, 1e-12) / (u[l] ?? 1)));
  const last = w.length - 1;
  if (last < 1) return w;
  // A level no random pair reached has a u that is all pseudo-count: its weight is not raised to, but capped at, exact's.
  for (let l = 1; l < last; l++) if (uSeen?.[l] === 0 && (w[l] ?? 0) > (w[0] ?? 0)) w[l] = w[0] ?? 0;
  w[0] = Math.max(...w);
  w[last] = Math.min(...w);
  return w;
}

/** How many records hold each record's value of one feature (0 when missing). */
export function valueCounts(feature: ComparisonFeature, size: number): Int32Array {
  const ids = new Map<string, number>();
  const idOf = new Int32Array(size).fill(-1);
  const counts: number[] = [];
  for (let i = 0; i < size; i++) {
    const v = feature.value(i);
    if (v === undefined) continue;
    let id = ids.get(v);
    if (id === undefined) {
      id = counts.length;
      ids.set(v, id);
      counts.push(0);
    }
    idOf[i] = id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return Int32Array.from(idOf, (id) => (id < 0 ? 0 : (counts[id] ?? 0)));
}

/**
 * Per feature and typo level, the typical log2 count of the rarer value among linked pairs (`undefined`
 * = no adjustment). A typo usually yields a value seen about once, so pairs whose rarer value is much
 * more common than that are weakened by the difference (never strengthened).
 */
export type TypoReference = readonly (readonly (number | undefined)[] | undefined)[];

/**
 * Fields a household shares: family members have one surname, address, landline and often an email.
 * When two records' first names plainly differ and nothing personal agrees (date of birth, an account
 * number), these fields are not independent evidence of one person but one piece of evidence of one
 * household: the strongest of them counts in full, the others at half (HOUSEHOLD_DISCOUNT). Why: the
 * Fellegi–Sunter sum assumes independent fields; for two people of one household, agreement on the
 * address makes agreement on the postcode and phone near certain, and summing them links spouses.
 * The same holds when the first names agree but only one record has a generational suffix (Jr, Sr):
 * the other may be the namesake father or son (on the 2,392-record customer set 6 of 19 wrongly merged
 * clusters joined a suffixed record and a record without one through the household's phone or address).
 */
/** Share of the household fields' evidence, beyond the strongest one, not counted when first names differ. */
const HOUSEHOLD_DISCOUNT = 0.5;

/**
 * log2 Bayes factor from which a personal field (date of birth, account number) vouches for one person
 * (8 : 1). Why not any positive weight: in household-rich files EM learns that "born in the same year"
 * is weak evidence for a match, and spouses are often born in the same year.
 */
const PERSONAL_AGREEMENT = 3;

/** The suffix feature's "one-side-only" level (comparison-features.ts). */
const SUFFIX_ONE_SIDE = 1;

const HOUSEHOLD_FEATURES: ReadonlySet<string> = new Set([
  'last_name',
  'address',
  'address_1',
  'address_2',
  'street_number',
  'city',
  'postcode',
  'phone',
  'email',
]);

/** Whether members of one household commonly share this field (see HOUSEHOLD_FEATURES). */
export function isHouseholdField(name: string): boolean {
  return HOUSEHOLD_FEATURES.has(name);
}

/** Which features the household rule reads: household fields, personal fields, and the first name's "different" level. */
interface HouseholdRule {
  readonly household: readonly boolean[];
  /** Personal fields (date of birth, account numbers): agreement vouches for one person, not one household. */
  readonly personal: readonly boolean[];
  /** Index of the first-name feature (-1 when there is none) and of its "different" level. */
  readonly firstAt: number;
  readonly firstDifferent: number;
}

/** The household rule of a feature list (shared by the scorer and the training of m). */
function householdRule(features: readonly ComparisonFeature[]): HouseholdRule {
  const firstAt = features.findIndex((f) => f.name === 'first_name');
  return {
    household: features.map((f) => isHouseholdField(f.name)),
    personal: features.map((f) => f.name === 'date_of_birth' || f.identifier === true),
    firstAt,
    firstDifferent: firstAt < 0 ? -2 : (features[firstAt]?.levels.length ?? 0) - 1,
  };
}

/** Builds the scorer from parameters (with term-frequency adjustment on exact levels). */
export function createScorer(
  prepared: PreparedRecords,
  params: FellegiSunterParameters,
  typoReference?: TypoReference,
  options: {
    readonly termFrequency?: boolean;
    /** log2 prior odds of a particular pair (e.g. `kindPrior`); default the global λ for every pair. */
    readonly pairPrior?: (i: number, j: number) => number;
  } = {},
): PairScorer {
  const features = prepared.features;
  const tables = params.features.map((p) => levelWeights(p.m, p.u, p.uSeen));
  const tf = features.map((feature, k) => {
    const p = params.features[k];
    if (!feature.termFrequency || p === undefined || options.termFrequency === false) return undefined;
    // Scale m0 so the average tf-adjusted exact weight equals the (order-constrained) exact weight.
    const w0 = tables[k]?.[0] ?? 0;
    return termFrequencyWeights(feature, prepared.size, (p.u[0] ?? 0.01) * 2 ** w0, p.u[0] ?? 0.01);
  });
  const logCounts = features.map((feature) =>
    feature.typoLevels === undefined ? undefined : Float32Array.from(valueCounts(feature, prepared.size), (c) => Math.log2(Math.max(1, c))),
  );
  const rarerValueLogCount = (k: number, i: number, j: number): number => {
    const c = logCounts[k];
    if (c === undefined) return 0;
    const a = c[i] ?? 0;
    const b = c[j] ?? 0;
    return a < b ? a : b;
  };
  const prior = Math.log2(params.lambda / (1 - params.lambda));
  const pairPrior = options.pairPrior ?? ((): number => prior);
  const { household, personal: personalFeature, firstAt, firstDifferent } = householdRule(features);
  const firstDifferentWeight = firstAt < 0 ? Number.NEGATIVE_INFINITY : (tables[firstAt]?.[firstDifferent] ?? 0);
  // A generational suffix on one side only: the other record may be the namesake father or son, who
  // shares the household's fields as a spouse does (see HOUSEHOLD_FEATURES).
  const suffixAt = features.findIndex((f) => f.name === 'suffix');
  const oneSideOnlyWeight = suffixAt < 0 ? Number.NaN : (tables[suffixAt]?.[SUFFIX_ONE_SIDE] ?? Number.NaN);
  const levelWeight = (k: number, l: number, i: number, j: number): number => {
    if (l === 0) {
      const t = tf[k];
      if (t !== undefined) return t[i] ?? 0;
    }
    const w = tables[k]?.[l] ?? 0;
    const reference = typoReference?.[k]?.[l];
    if (reference === undefined) return w;
    const excess = rarerValueLogCount(k, i, j) - reference;
    return excess > 0 ? w - excess : w;
  };
  return {
    weight(i, j) {
      let w = pairPrior(i, j);
      let firstLevel = -1;
      let sum = 0;
      let max = 0;
      let personal = false;
      for (let k = 0; k < features.length; k++) {
        const l = features[k]?.compare(i, j) ?? -1;
        if (l < 0) continue;
        const x = levelWeight(k, l, i, j);
        w += x;
        if (k === firstAt) firstLevel = l;
        else if (household[k] === true && x > 0) {
          sum += x;
          if (x > max) max = x;
        } else if (personalFeature[k] === true && x >= PERSONAL_AGREEMENT) personal = true;
      }
      const namesake = suffixAt >= 0 && features[suffixAt]?.compare(i, j) === SUFFIX_ONE_SIDE;
      return (firstLevel === firstDifferent || namesake) && !personal ? w - HOUSEHOLD_DISCOUNT * (sum - max) : w;
    },
    weightFromLevels(levels, offset, i, j) {
      let w = pairPrior(i, j);
      let sum = 0;
      let max = 0;
      let personal = false;
      for (let k = 0; k < features.length; k++) {
        const l = levels[offset + k] ?? -1;
        if (l < 0) continue;
        const x = levelWeight(k, l, i, j);
        w += x;
        if (household[k] === true && x > 0) {
          sum += x;
          if (x > max) max = x;
        } else if (personalFeature[k] === true && x >= PERSONAL_AGREEMENT) personal = true;
      }
      const namesake = suffixAt >= 0 && levels[offset + suffixAt] === SUFFIX_ONE_SIDE;
      return ((firstAt >= 0 && levels[offset + firstAt] === firstDifferent) || namesake) && !personal
        ? w - HOUSEHOLD_DISCOUNT * (sum - max)
        : w;
    },
    rarerValueLogCount,
    prior,
    priorOf: pairPrior,
    firstNamesDiffer: (i, j) => firstAt >= 0 && features[firstAt]?.compare(i, j) === firstDifferent,
    featureWeights(i, j, out) {
      for (let k = 0; k < features.length; k++) {
        const l = features[k]?.compare(i, j) ?? -1;
        out[k] = l >= 0 ? levelWeight(k, l, i, j) : Number.NaN;
      }
    },
    combine(weights) {
      let w = prior;
      let sum = 0;
      let max = 0;
      let personal = false;
      for (let k = 0; k < features.length; k++) {
        const x = weights[k] ?? Number.NaN;
        if (Number.isNaN(x)) continue;
        w += x;
        if (household[k] === true && x > 0) {
          sum += x;
          if (x > max) max = x;
        } else if (personalFeature[k] === true && x >= PERSONAL_AGREEMENT) personal = true;
      }
      const first = firstAt >= 0 ? (weights[firstAt] ?? Number.NaN) : Number.NaN;
      const namesake = suffixAt >= 0 && weights[suffixAt] === oneSideOnlyWeight;
      return ((!Number.isNaN(first) && first <= firstDifferentWeight + 1e-9) || namesake) && !personal
        ? w - HOUSEHOLD_DISCOUNT * (sum - max)
        : w;
    },
    explain(i, j) {
      const out = features.map((feature, k) => {
        const l = feature.compare(i, j);
        return { feature: feature.name, level: l < 0 ? 'null' : (feature.levels[l] ?? ''), weight: l < 0 ? 0 : levelWeight(k, l, i, j) };
      });
      const personal = out.some((e, k) => personalFeature[k] === true && e.weight >= PERSONAL_AGREEMENT);
      if (
        ((firstAt >= 0 && features[firstAt]?.compare(i, j) === firstDifferent) ||
          (suffixAt >= 0 && features[suffixAt]?.compare(i, j) === SUFFIX_ONE_SIDE)) &&
        !personal
      ) {
        // Shown as scored: the strongest shared household field in full, the others discounted (see HOUSEHOLD_FEATURES).
        let best = -1;
        out.forEach((e, k) => {
          if (household[k] === true && e.weight > 0 && (best < 0 || e.weight > (out[best]?.weight ?? 0))) best = k;
        });
        out.forEach((e, k) => {
          if (household[k] === true && e.weight > 0 && k !== best) out[k] = { ...e, weight: e.weight * (1 - HOUSEHOLD_DISCOUNT) };
        });
      }
      return out;
    },
  };
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
