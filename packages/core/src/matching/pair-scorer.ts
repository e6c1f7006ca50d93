/**
 * Pair scoring with learnt Fellegi–Sunter parameters (fellegi-sunter.ts): level weights, term-frequency and
 * typo adjustments, and the household rule (household-rule.ts). Apart from the estimation so each reads on
 * its own: fellegi-sunter.ts learns the parameters, this file turns them into weights.
 */
import type { ComparisonFeature, PreparedRecords } from './comparison-features.ts';
import type { FellegiSunterParameters } from './fellegi-sunter.ts';
import { MIN_FIELDS } from './disagreement-count.ts';
import { HOUSEHOLD_DISCOUNT, householdRule, PERSONAL_AGREEMENT, SUFFIX_ONE_SIDE } from './household-rule.ts';

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
  // shares the household's fields as a spouse does (see HOUSEHOLD_FEATURES in household-rule.ts).
  const suffixAt = features.findIndex((f) => f.name === 'suffix');
  const oneSideOnlyWeight = suffixAt < 0 ? Number.NaN : (tables[suffixAt]?.[SUFFIX_ONE_SIDE] ?? Number.NaN);
  const bonus = params.singleDisagreementBonus ?? 0;
  /** The single-disagreement bonus of a pair with `present` compared fields, `off` of them not exact. */
  const agreementBonus = (present: number, off: number): number => (present >= MIN_FIELDS && off <= 1 ? bonus : 0);
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
      let present = 0;
      let off = 0;
      for (let k = 0; k < features.length; k++) {
        const l = features[k]?.compare(i, j) ?? -1;
        if (l < 0) continue;
        present++;
        if (l !== 0) off++;
        const x = levelWeight(k, l, i, j);
        w += x;
        if (k === firstAt) firstLevel = l;
        else if (household[k] === true && x > 0) {
          sum += x;
          if (x > max) max = x;
        } else if (personalFeature[k] === true && x >= PERSONAL_AGREEMENT) personal = true;
      }
      const namesake = suffixAt >= 0 && features[suffixAt]?.compare(i, j) === SUFFIX_ONE_SIDE;
      w += agreementBonus(present, off);
      return (firstLevel === firstDifferent || namesake) && !personal ? w - HOUSEHOLD_DISCOUNT * (sum - max) : w;
    },
    weightFromLevels(levels, offset, i, j) {
      let w = pairPrior(i, j);
      let sum = 0;
      let max = 0;
      let personal = false;
      let present = 0;
      let off = 0;
      for (let k = 0; k < features.length; k++) {
        const l = levels[offset + k] ?? -1;
        if (l < 0) continue;
        present++;
        if (l !== 0) off++;
        const x = levelWeight(k, l, i, j);
        w += x;
        if (household[k] === true && x > 0) {
          sum += x;
          if (x > max) max = x;
        } else if (personalFeature[k] === true && x >= PERSONAL_AGREEMENT) personal = true;
      }
      const namesake = suffixAt >= 0 && levels[offset + suffixAt] === SUFFIX_ONE_SIDE;
      w += agreementBonus(present, off);
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
        // Shown as scored: the strongest shared household field in full, the others discounted (see HOUSEHOLD_FEATURES in household-rule.ts).
        let best = -1;
        out.forEach((e, k) => {
          if (household[k] === true && e.weight > 0 && (best < 0 || e.weight > (out[best]?.weight ?? 0))) best = k;
        });
        out.forEach((e, k) => {
          if (household[k] === true && e.weight > 0 && k !== best) out[k] = { ...e, weight: e.weight * (1 - HOUSEHOLD_DISCOUNT) };
        });
      }
      // The single-disagreement bonus as a row of its own, so the rows and the prior add up to the weight.
      let present = 0;
      let off = 0;
      for (const feature of features) {
        const l = feature.compare(i, j);
        if (l >= 0) present++;
        if (l > 0) off++;
      }
      const extra = agreementBonus(present, off);
      if (extra > 0) out.push({ feature: 'fields_in_error', level: off === 0 ? 'none' : 'one', weight: extra });
      return out;
    },
  };
}
