/**
 * The matching engine: records in, linked pairs, review pairs and clusters out. Unsupervised and
 * deterministic — records are sorted by key, every sample uses a seeded PRNG, ties break by index.
 *
 * Steps: prepare features → u from random pairs → m by EM per training rule → λ from deterministic
 * rules → choose blocking rules within a pair budget → u again, each random pair weighed by its
 * probability of not matching → score candidate pairs (prior by record kind) → supported clustering
 * → entity-centric linking.
 */
import { buildBlockIndex, forEachCandidatePair, inSameBlock, ruleName, type BlockIndex } from './blocking-index.ts';
import { featuresOfKey, selectBlockingRules, trainingRules } from './blocking-rules.ts';
import type { ColumnRoles } from './column-roles.ts';
import { prepareRecords, type ComparisonFeature, type MatchRecord } from './comparison-features.ts';
import {
  createScorer,
  emForM,
  estimateU,
  isHouseholdField,
  initialM,
  isSureMatch,
  sureRuleApplies,
  levelWeights,
  pairLevels,
  probabilityToWeight,
  randomPairs,
  weightToProbability,
  type FellegiSunterParameters,
  type PairLevels,
  type PairScorer,
  type TypoReference,
} from './fellegi-sunter.ts';
import { blendLambda, blendM, DEFAULT_PRIORS, featurePrior, type MatchPriors } from './match-priors.ts';
import { isHardConflict } from './record-conflicts.ts';
import { seededRandom } from './seeded-random.ts';
import { clusterPairs } from './supported-clustering.ts';
import { linkEntities } from './entity-linking.ts';
import { kindPrior } from './kind-prior.ts';

/** Options of {@link matchRecords}. */
export interface MatchOptions {
  readonly records: readonly MatchRecord[];
  /** Column roles, usually from `detectColumnRoles(headers, mapping)`. */
  readonly roles: ColumnRoles;
  /** `dedupe` (default) compares all records; `link` only records from different sources. */
  readonly mode?: 'dedupe' | 'link';
  /** In link mode: at most one record per source in a cluster (sources without duplicates). Default true. */
  readonly oneToOne?: boolean;
  /** Match probability at or above which a pair is linked. Default 0.95. */
  readonly linkThreshold?: number;
  /** Match probability at or above which a pair is queued for review. Default 0.5. */
  readonly reviewThreshold?: number;
  /** Candidate pair budget for blocking. Default max(250 000, 15 × records). */
  readonly maxPairs?: number;
  /** Blocks larger than this are skipped by their rule. Default 500. */
  readonly maxBlockSize?: number;
  /** Share of cross pairs that must reach the review threshold for two clusters to merge. Default 0.5. */
  readonly supportShare?: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
  /** Prior m/u probabilities blended with the data's estimates (match-priors.ts); `false` for none. Default: Kin's shipped priors. */
  readonly priors?: MatchPriors | false;
  /** Accumulate evidence per cluster after pairwise clustering (entity-linking.ts). Default true. */
  readonly entityLinking?: boolean;
  /** Called as each phase finishes (for progress output and timing; the engine itself has no clock). */
  readonly onPhase?: (phase: 'prepare' | 'u' | 'm' | 'block' | 'compare' | 'score' | 'cluster') => void;
}

/** Evidence of one field for one pair: the level reached and its weight (log2 Bayes factor). */
export interface FieldEvidence {
  readonly field: string;
  readonly level: string;
  readonly weight: number;
}

/** A scored pair of record keys (`a` sorts before `b`). */
export interface ScoredPair {
  readonly a: string;
  readonly b: string;
  readonly probability: number;
  /** log2 odds of a match (prior included). */
  readonly weight: number;
}

/** A pair for clerical review, with per-field evidence and why it was not linked. */
export interface ReviewPair extends ScoredPair {
  readonly reason: 'below-link-threshold' | 'merge-not-supported' | 'same-source';
  readonly evidence: readonly FieldEvidence[];
}

/**
 * One step that built a cluster: a pair linked on its own evidence (`pair`), or a pair whose clusters
 * were joined by their accumulated evidence (`entity`, with the cluster-level weight).
 */
export interface ClusterStep extends ScoredPair {
  readonly via: 'pair' | 'entity';
}

/** What the engine learnt, for reports and explanations. */
export interface MatchModelSummary {
  readonly lambda: number;
  /** Share of λ that came from the data (the rest from the prior pairs per record). */
  readonly lambdaDataShare: number;
  readonly linkThreshold: number;
  readonly reviewThreshold: number;
  readonly features: readonly {
    readonly name: string;
    readonly termFrequency: boolean;
    /** Whether a prior was blended in (else m and u are the data's alone). */
    readonly hasPrior: boolean;
    /** Share of m and of u that came from the data (0 = the prior as shipped, 1 = the data alone). */
    readonly mDataShare: number;
    readonly uDataShare: number;
    readonly levels: readonly { readonly level: string; readonly m: number; readonly u: number; readonly weight: number }[];
  }[];
  readonly trainingRules: readonly string[];
}

/** The outcome of matching. */
export interface MatchResult {
  /** Pairs linked (at or above the link threshold and inside one cluster), strongest first. */
  readonly links: readonly ScoredPair[];
  /** How many of the links joined two clusters by their accumulated evidence (the last ones in `links`). */
  readonly entityLinks: number;
  /** Pairs to review, strongest first. */
  readonly reviews: readonly ReviewPair[];
  /** Clusters of two or more keys; keys sorted, clusters ordered by their first key. */
  readonly clusters: readonly (readonly string[])[];
  readonly model: MatchModelSummary;
  readonly blocking: {
    readonly rules: readonly string[];
    readonly considered: readonly { readonly rule: string; readonly pairs: number; readonly used: boolean }[];
    /** Distinct candidate pairs compared. */
    readonly candidatePairs: number;
    /** All pairs the task could compare (n(n-1)/2, or cross-source pairs when linking). */
    readonly totalPairs: number;
  };
  /** Whether blocking made this pair a candidate (for pair completeness in evaluation). */
  isCandidatePair(a: string, b: string): boolean;
  /** The steps that joined the cluster of a record, in the order they were taken (empty for a singleton). */
  explainCluster(key: string): readonly ClusterStep[];
  /** Score and per-field evidence of any two records. */
  explain(a: string, b: string): (ScoredPair & { readonly evidence: readonly FieldEvidence[] }) | undefined;
}

/** Random pairs for u: enough for rare levels, bounded so start-up stays fast. */
const U_SAMPLE_PAIRS = (n: number): number => Math.min(100_000, Math.max(40_000, 10 * n));
const TRAINING_PAIRS_PER_RULE = 15_000;
/** Fields of one dwelling: records sharing only these are often different members of one household. */
const DWELLING_FIELDS: ReadonlySet<string> = new Set(['address', 'address_1', 'address_2', 'street_number', 'postcode', 'phone']);
/** Share of true matches assumed to pass the sure-match rule (typos and gaps make many fail it). */
const ASSUMED_SURE_RULE_RECALL = 0.5;

/** Links records without labels (Fellegi–Sunter with EM), then clusters with supported merging. */
export function matchRecords(options: MatchOptions): MatchResult {
  const records = [...options.records].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const n = records.length;
  const indexOfKey = new Map<string, number>();
  records.forEach((r, i) => indexOfKey.set(r.key, i));
  const linking = options.mode === 'link';
  const sources = records.map((r) => r.source ?? '');
  const accept = linking ? (i: number, j: number): boolean => sources[i] !== sources[j] : undefined;
  const linkThreshold = options.linkThreshold ?? 0.95;
  const reviewThreshold = options.reviewThreshold ?? 0.5;
  const maxBlockSize = options.maxBlockSize ?? 500;
  const maxPairs = options.maxPairs ?? Math.max(250_000, 15 * n);
  const random = seededRandom(options.seed ?? 1);

  const prepared = prepareRecords(records, options.roles);
  options.onPhase?.('prepare');
  const features = prepared.features;
  const totalPairs = linking ? crossSourcePairs(sources) : (n * (n - 1)) / 2;

  // 1. u from random pairs.
  const sample = randomPairs(n, Math.min(U_SAMPLE_PAIRS(n), Math.max(1, totalPairs)), random, accept);
  const priors = options.priors === false ? undefined : (options.priors ?? DEFAULT_PRIORS);
  const featurePriors = features.map((feat) => featurePrior(priors, feat, feat.identifier === true));
  const sampleLevels = pairLevels(features, sample.left, sample.right);
  const {
    u,
    present: uPairs,
    seen: uSeen,
  } = estimateU(
    features,
    sampleLevels,
    featurePriors.map((p) => p?.u),
  );

  options.onPhase?.('u');

  // 2. m by EM over training rules.
  const sums = features.map((f) => new Array<number>(f.levels.length).fill(0));
  const counts = features.map(() => 0);
  const mass = features.map(() => 0);
  const usedTraining: string[] = [];
  const identifierAt = features.flatMap((x, k) => (x.identifier === true ? [k] : []));
  const dateAt = features.findIndex((x) => x.name === 'date_of_birth');
  for (const rule of trainingRules(prepared)) {
    const index = buildBlockIndex(prepared, rule, maxBlockSize);
    if (index.pairCount < 20) continue;
    const pairs = trainingPairs(index, TRAINING_PAIRS_PER_RULE, accept);
    if (pairs.left.length < 20) continue;
    const blocked = new Set(rule.keys.flatMap((k) => featuresOfKey(k)));
    const fixed = features.map((f) => blocked.has(f.name));
    const levels = pairLevels(features, pairs.left, pairs.right);
    // Why: with u fixed, a two-class mixture over a single free field is not identifiable (any λ fits),
    // and EM then returns arbitrary m (e.g. "exact date" rarer among matches than "one edit").
    if (informativeFreeFeatures(levels, fixed) < 2) continue;
    const em = emForM(levels, u, fixed);
    // Why: records sharing only household fields (surname, address, phone, a family email) are people
    // and their households, and EM's match class takes the households in; what members of a household
    // do not share then looks often different among matches: an account number (m of "different" 0.27
    // on the 2,392-record customer set instead of ~0.05), a date of birth (0.25). So account numbers
    // learn m only from rules blocking on something personal, and dates of birth not from rules blocking
    // on a dwelling (address, postcode, phone). Why not dates from surname or email blocks too: in
    // splink's fake_1000 those hold no households and its true dates often differ (cost 0.007 F1).
    if ([...blocked].every(isHouseholdField)) for (const k of identifierAt) em.m[k] = undefined;
    if (dateAt >= 0 && [...blocked].every((name) => DWELLING_FIELDS.has(name))) em.m[dateAt] = undefined;
    em.m.forEach((mk, k) => {
      if (mk === undefined) return;
      counts[k] = (counts[k] ?? 0) + 1;
      mass[k] = (mass[k] ?? 0) + (em.mass[k] ?? 0);
      mk.forEach((v, l) => {
        const row = sums[k];
        if (row !== undefined) row[l] = (row[l] ?? 0) + v;
      });
    });
    usedTraining.push(ruleName(rule));
  }
  const mDataShare: number[] = [];
  const m = features.map((f, k) => {
    const c = counts[k] ?? 0;
    const data = c === 0 ? undefined : (sums[k] ?? []).map((v) => v / c);
    const blended = blendM(data, mass[k] ?? 0, featurePriors[k]);
    mDataShare.push(blended?.dataShare ?? 0);
    return blended?.m ?? initialM(f.levels.length);
  });

  options.onPhase?.('m');

  // 3. Blocking: compare every candidate pair once, keeping its level vector.
  const { selected, considered } = selectBlockingRules(prepared, { maxPairs, maxBlockSize });
  options.onPhase?.('block');
  const candidates = compareCandidates(selected, features, accept);
  const candidatePairs = candidates.count;
  options.onPhase?.('compare');
  const f = features.length;

  // 4. λ from the deterministic sure-match rule and its assumed recall.
  let sure = 0;
  let judged = 0;
  for (let p = 0; p < candidates.count; p++) {
    if (isSureMatch(features, candidates.levels, p * f)) sure++;
    if (sureRuleApplies(features, candidates.levels, p * f)) judged++;
  }
  const { lambda, dataShare: lambdaDataShare } = blendLambda({
    sureMatches: sure,
    judgedPairs: judged,
    assumedRecall: ASSUMED_SURE_RULE_RECALL,
    records: n,
    totalPairs,
    priors,
  });

  const pairPrior = kindPrior(
    lambda,
    Uint8Array.from({ length: n }, (_, i) => prepared.kindOf(i)),
  );
  const parameters = (uk: readonly (readonly number[])[]): FellegiSunterParameters => ({
    lambda,
    features: features.map((feat, k) => ({ name: feat.name, levels: feat.levels, m: m[k] ?? [], u: uk[k] ?? [], uSeen: uSeen[k] ?? [] })),
  });
  // Why a second estimate of u: u is the level distribution among non-matches, and random pairs are
  // nearly all non-matches only in a large file. In 185 records about one random pair in a hundred is a
  // match, and for a field few records have (an organisation's name, an email) the matches are most
  // of the random pairs agreeing on it; so each random pair counts by its probability of not matching.
  // (Measured: fake_1000 0.930 -> 0.942, dedupe example 0.896 -> 0.906, customers-150 0.912 -> 0.924; a
  // second round changed no set by more than 0.001.)
  const first = createScorer(prepared, parameters(u), undefined, { termFrequency: false, pairPrior });
  const nonMatch = Float64Array.from(
    { length: sampleLevels.count },
    (_, p) => 1 - weightToProbability(first.weightFromLevels(sampleLevels.levels, p * f, sample.left[p] ?? 0, sample.right[p] ?? 0)),
  );
  const params = parameters(
    estimateU(
      features,
      sampleLevels,
      featurePriors.map((p) => p?.u),
      nonMatch,
    ).u,
  );
  const linkWeight = probabilityToWeight(linkThreshold);
  const scorer = createScorer(
    prepared,
    params,
    typoReferences(features, candidates, createScorer(prepared, params, undefined, { pairPrior }), linkWeight),
    { pairPrior },
  );

  // Keep pairs at or above the review threshold, strongest first.
  const reviewWeight = probabilityToWeight(reviewThreshold);
  const keptLeft: number[] = [];
  const keptRight: number[] = [];
  const keptWeight: number[] = [];
  const hard = (i: number, j: number): boolean => isHardConflict(prepared.conflict(i, j));
  // Records in conflict never share a cluster, whichever pass would join them (record-conflicts.ts).
  const conflicting = (i: number, j: number): boolean => prepared.conflict(i, j) !== undefined;
  // Pairs with positive field evidence below the review weight may still join through their clusters.
  const weakLeft: number[] = [];
  const weakRight: number[] = [];
  const weakWeight: number[] = [];
  for (let p = 0; p < candidates.count; p++) {
    const i = candidates.left[p] ?? 0;
    const w = scorer.weightFromLevels(candidates.levels, p * f, i, candidates.right[p] ?? 0);
    if (w < reviewWeight && w > scorer.priorOf(i, candidates.right[p] ?? 0) && options.entityLinking !== false) {
      weakLeft.push(i);
      weakRight.push(candidates.right[p] ?? 0);
      weakWeight.push(w);
    }
    if (w >= reviewWeight && !hard(i, candidates.right[p] ?? 0)) {
      keptLeft.push(i);
      keptRight.push(candidates.right[p] ?? 0);
      keptWeight.push(w);
    }
  }
  const order = keptWeight.map((_, e) => e);
  order.sort(
    (x, y) =>
      (keptWeight[y] ?? 0) - (keptWeight[x] ?? 0) || (keptLeft[x] ?? 0) - (keptLeft[y] ?? 0) || (keptRight[x] ?? 0) - (keptRight[y] ?? 0),
  );
  const left = Int32Array.from(order, (e) => keptLeft[e] ?? 0);
  const right = Int32Array.from(order, (e) => keptRight[e] ?? 0);
  const weight = Float64Array.from(order, (e) => keptWeight[e] ?? 0);

  options.onPhase?.('score');

  // 5. Clustering.
  const isCandidateIndex = (i: number, j: number): boolean => selected.some((index) => inSameBlock(index, i, j));
  const clustered = clusterPairs({
    size: n,
    left,
    right,
    weight,
    linkWeight,
    reviewWeight,
    supportShare: options.supportShare ?? 0.5,
    // Candidates not kept scored below the review threshold; only non-candidates need scoring.
    pairWeight: (i, j) => (isCandidateIndex(i, j) || hard(i, j) ? Number.NEGATIVE_INFINITY : scorer.weight(i, j)),
    conflict: conflicting,
    ...(linking && options.oneToOne !== false ? { sourceOf: (i: number) => sources[i] } : {}),
  });

  // 6. Entity-centric pass: clusters compared by their best evidence per field (entity-linking.ts).
  const entity =
    options.entityLinking === false
      ? { clusterOf: clustered.clusterOf, merges: [] }
      : linkEntities({
          size: n,
          clusterOf: clustered.clusterOf,
          ...proposals({ left, right, weight }, { left: weakLeft, right: weakRight, weight: weakWeight }),
          scorer,
          featureCount: f,
          linkWeight,
          reviewWeight,
          eligible: (i) => prepared.isPerson(i),
          // In one-to-one linking two records of one source never share a cluster.
          hardConflict: linking && options.oneToOne !== false ? (i, j) => conflicting(i, j) || sources[i] === sources[j] : conflicting,
        });
  const clusterOf = entity.clusterOf;

  options.onPhase?.('cluster');

  const links: ScoredPair[] = [];
  const reviews: ReviewPair[] = [];
  const steps: ClusterStep[] = [];
  const keyOf = (i: number): string => records[i]?.key ?? '';
  for (let e = 0; e < left.length; e++) {
    const i = left[e] ?? 0;
    const j = right[e] ?? 0;
    const w = weight[e] ?? 0;
    const pair = { a: keyOf(i), b: keyOf(j), probability: weightToProbability(w), weight: w };
    if (clustered.accepted[e] === 1) {
      links.push(pair);
      if (clustered.joined[e] === 1) steps.push({ ...pair, via: 'pair' });
    } else if ((clusterOf[i] ?? -1) !== (clusterOf[j] ?? -2)) {
      const reason = w < linkWeight ? 'below-link-threshold' : clustered.refusedBySource[e] === 1 ? 'same-source' : 'merge-not-supported';
      reviews.push({ ...pair, reason, evidence: evidenceOf(scorer.explain(i, j)) });
    }
  }

  for (const m of entity.merges) {
    const pair = { a: keyOf(m.i), b: keyOf(m.j), probability: weightToProbability(m.weight), weight: m.weight };
    links.push(pair);
    steps.push({ ...pair, via: 'entity' });
  }

  const explain = (a: string, b: string): (ScoredPair & { evidence: FieldEvidence[] }) | undefined => {
    const x = indexOfKey.get(a);
    const y = indexOfKey.get(b);
    if (x === undefined || y === undefined || x === y) return undefined;
    const [i, j] = x < y ? [x, y] : [y, x];
    const w = scorer.weight(i, j);
    return {
      a: records[i]?.key ?? '',
      b: records[j]?.key ?? '',
      probability: weightToProbability(w),
      weight: w,
      evidence: evidenceOf(scorer.explain(i, j)),
    };
  };

  return {
    links,
    entityLinks: entity.merges.length,
    reviews,
    clusters: clustersOf(clusterOf, records),
    explainCluster(key) {
      const i = indexOfKey.get(key);
      if (i === undefined) return [];
      const root = clusterOf[i];
      return steps.filter((s) => clusterOf[indexOfKey.get(s.a) ?? -1] === root);
    },
    model: {
      lambda,
      lambdaDataShare,
      linkThreshold,
      reviewThreshold,
      trainingRules: usedTraining,
      features: params.features.map((p, k) => {
        const priorM = featurePriors[k] !== undefined;
        const uShare = featurePriors[k] === undefined ? 1 : (uPairs[k] ?? 0) / ((uPairs[k] ?? 0) + 2 * p.levels.length);
        return {
          name: p.name,
          termFrequency: features[k]?.termFrequency ?? false,
          hasPrior: priorM,
          mDataShare: mDataShare[k] ?? 0,
          uDataShare: uShare,
          levels: p.levels.map((level, l) => ({ level, m: p.m[l] ?? 0, u: p.u[l] ?? 1, weight: levelWeights(p.m, p.u, p.uSeen)[l] ?? 0 })),
        };
      }),
    },
    blocking: { rules: selected.map((s) => ruleName(s.rule)), considered, candidatePairs, totalPairs },
    isCandidatePair(a, b) {
      const i = indexOfKey.get(a);
      const j = indexOfKey.get(b);
      if (i === undefined || j === undefined || i === j) return false;
      if (accept !== undefined && !accept(i, j)) return false;
      return isCandidateIndex(i, j);
    },
    explain,
  };
}

/** Kept pairs and weak pairs as one proposal list, strongest first (ties by index). */
function proposals(
  kept: { left: Int32Array; right: Int32Array; weight: Float64Array },
  weak: { left: number[]; right: number[]; weight: number[] },
): { left: Int32Array; right: Int32Array } {
  const n = kept.left.length + weak.left.length;
  const l = (e: number): number => (e < kept.left.length ? (kept.left[e] ?? 0) : (weak.left[e - kept.left.length] ?? 0));
  const r = (e: number): number => (e < kept.left.length ? (kept.right[e] ?? 0) : (weak.right[e - kept.left.length] ?? 0));
  const w = (e: number): number => (e < kept.left.length ? (kept.weight[e] ?? 0) : (weak.weight[e - kept.left.length] ?? 0));
  const order = Array.from({ length: n }, (_, e) => e);
  order.sort((x, y) => w(y) - w(x) || l(x) - l(y) || r(x) - r(y));
  return { left: Int32Array.from(order, l), right: Int32Array.from(order, r) };
}

function evidenceOf(explained: readonly { feature: string; level: string; weight: number }[]): FieldEvidence[] {
  return explained.map((e) => ({ field: e.feature, level: e.level, weight: e.weight }));
}

/** Level vectors of all candidate pairs (the union of the selected blocking rules). */
function compareCandidates(
  indexes: readonly BlockIndex[],
  features: readonly ComparisonFeature[],
  accept?: (i: number, j: number) => boolean,
): { count: number; left: Int32Array; right: Int32Array; levels: Int8Array } {
  // The summed pair counts bound the union, so buffers are allocated once.
  const bound = indexes.reduce((s, x) => s + x.pairCount, 0);
  const f = features.length;
  const left = new Int32Array(bound);
  const right = new Int32Array(bound);
  const levels = new Int8Array(bound * f);
  let count = 0;
  forEachCandidatePair(
    indexes,
    (i, j) => {
      left[count] = i;
      right[count] = j;
      const at = count * f;
      for (let k = 0; k < f; k++) levels[at + k] = features[k]?.compare(i, j) ?? -1;
      count++;
    },
    accept,
  );
  return { count, left, right, levels };
}

/**
 * Typical log2 count of the rarer value, per feature and typo level, over candidate pairs the
 * unadjusted model links: what a genuine typo looks like in this data (about one record when typos
 * are unique, more when the same typo recurs at scale). Levels with fewer than 20 such pairs get none.
 */
function typoReferences(
  features: readonly ComparisonFeature[],
  candidates: { count: number; left: Int32Array; right: Int32Array; levels: Int8Array },
  scorer: PairScorer,
  linkWeight: number,
): TypoReference {
  const f = features.length;
  const sums = features.map((x) => (x.typoLevels === undefined ? undefined : new Float64Array(x.levels.length)));
  const counts = features.map((x) => (x.typoLevels === undefined ? undefined : new Float64Array(x.levels.length)));
  if (sums.every((x) => x === undefined)) return [];
  for (let p = 0; p < candidates.count; p++) {
    const i = candidates.left[p] ?? 0;
    const j = candidates.right[p] ?? 0;
    if (scorer.weightFromLevels(candidates.levels, p * f, i, j) < linkWeight) continue;
    for (let k = 0; k < f; k++) {
      const sum = sums[k];
      const count = counts[k];
      const l = candidates.levels[p * f + k] ?? -1;
      if (sum === undefined || count === undefined || l <= 0) continue;
      sum[l] = (sum[l] ?? 0) + scorer.rarerValueLogCount(k, i, j);
      count[l] = (count[l] ?? 0) + 1;
    }
  }
  return features.map((feature, k) => {
    const sum = sums[k];
    const count = counts[k];
    if (sum === undefined || count === undefined) return undefined;
    return feature.levels.map((_, l) =>
      feature.typoLevels?.includes(l) === true && (count[l] ?? 0) >= 20 ? (sum[l] ?? 0) / (count[l] ?? 1) : undefined,
    );
  });
}

/** Free (not blocked-on) features present in at least a fifth of the sampled pairs. */
function informativeFreeFeatures(sample: PairLevels, fixed: readonly boolean[]): number {
  const f = fixed.length;
  let count = 0;
  for (let k = 0; k < f; k++) {
    if (fixed[k] === true) continue;
    let present = 0;
    for (let p = 0; p < sample.count; p++) if ((sample.levels[p * f + k] ?? -1) >= 0) present++;
    if (present >= 0.2 * sample.count) count++;
  }
  return count;
}

function crossSourcePairs(sources: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const s of sources) counts.set(s, (counts.get(s) ?? 0) + 1);
  const n = sources.length;
  let same = 0;
  for (const c of counts.values()) same += (c * (c - 1)) / 2;
  return (n * (n - 1)) / 2 - same;
}

/**
 * Up to about `limit` training pairs from one rule, smallest blocks first. Why: a block of records
 * sharing a rare value is dense in matches, one sharing a common value ("mueller") is mostly
 * non-matches, and m is learnt from matches. Taking whole blocks does not bias m (a match's other
 * fields do not depend on how rare its blocked value is). When even the smallest blocks exceed the
 * limit, their pairs are evenly strided so the sample stays deterministic.
 */
function trainingPairs(index: BlockIndex, limit: number, accept?: (i: number, j: number) => boolean): { left: number[]; right: number[] } {
  const { order, starts } = index;
  const blocks = starts.length - 1;
  const bySize = Array.from({ length: blocks }, (_, b) => b);
  const size = (b: number): number => (starts[b + 1] ?? 0) - (starts[b] ?? 0);
  bySize.sort((x, y) => size(x) - size(y) || x - y);
  let cut = 0;
  let total = 0;
  while (cut < blocks) {
    const s = size(bySize[cut] ?? 0);
    let end = cut;
    let add = 0;
    while (end < blocks && size(bySize[end] ?? 0) === s) {
      add += (s * (s - 1)) / 2;
      end++;
    }
    if (total + add > limit && total > 0) break;
    total += add;
    cut = end;
    if (total > limit) break;
  }
  const stride = Math.max(1, Math.ceil(total / limit));
  const left: number[] = [];
  const right: number[] = [];
  let k = 0;
  for (let c = 0; c < cut; c++) {
    const b = bySize[c] ?? 0;
    const lo = starts[b] ?? 0;
    const hi = starts[b + 1] ?? 0;
    for (let x = lo; x < hi; x++)
      for (let y = x + 1; y < hi; y++) {
        const p = order[x] ?? 0;
        const q = order[y] ?? 0;
        const i = p < q ? p : q;
        const j = p < q ? q : p;
        if (accept !== undefined && !accept(i, j)) continue;
        if (k++ % stride !== 0) continue;
        left.push(i);
        right.push(j);
      }
  }
  return { left, right };
}

function clustersOf(clusterOf: Int32Array, records: readonly MatchRecord[]): string[][] {
  const groups = new Map<number, string[]>();
  for (let i = 0; i < clusterOf.length; i++) {
    const root = clusterOf[i] ?? i;
    const key = records[i]?.key ?? '';
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [key]);
    else g.push(key);
  }
  // Records are sorted by key, so each group is already sorted and groups come in first-key order.
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => ((x[0] ?? '') < (y[0] ?? '') ? -1 : 1));
}
