/**
 * Prior m/u probabilities: what the matcher assumes about each comparison level before it sees the
 * data. Learnt without labels can only be as good as the data allows, and a file of 150 sparse
 * records allows little, so Kin ships priors (match-priors-data.ts, derived once from the public sets
 * by bench/derive-match-priors.ts) and blends them with what the data says, weighted by how much data
 * there is:
 *
 *   m = (M · m_data + PRIOR_MATCHES · m_prior) / (M + PRIOR_MATCHES)     M = expected matches behind m_data
 *   u = (counts + L · u_prior) / (pairs + L)                             L = number of levels
 *   λ: expected matches = w · (sure-rule matches) + (1 − w) · pairsPerRecord · n,  w = min(1, max(S / 50, J / 1000))
 *   (S pairs pass the sure-match rule, J pairs are described well enough for it to judge)
 *
 * so a large file is governed by its own data and a small one by the priors. Callers may pass their
 * own priors (`matchRecords({ priors })`) or `false` for none.
 */
import { DEFAULT_PRIORS } from './match-priors-data.ts';

/** Prior m and u of one feature's levels (level names must match the feature's, in order). */
export interface FeaturePrior {
  readonly levels: readonly string[];
  readonly m: readonly number[];
  readonly u: readonly number[];
}

/** Priors for the whole model. */
export interface MatchPriors {
  /** Expected true pairs per record in a deduplication file (for λ when the data says little). */
  readonly pairsPerRecord: number;
  /** By feature name (`first_name`, `date_of_birth`, `email`, …). */
  readonly features: Readonly<Record<string, FeaturePrior>>;
  /** For identifier features without their own entry (`account_id`, `crm_id`, …). */
  readonly identifier?: FeaturePrior;
}

/** Pseudo-matches the prior m counts as (how many estimated matches outweigh it half-way). */
export const PRIOR_MATCHES = 50;
/**
 * λ comes from the data alone once 50 pairs pass the sure-match rule, or once 1,000 candidate pairs
 * are described well enough for the rule to judge (three identifying fields on both sides): then few
 * passing pairs mean few matches (an already deduplicated store), not too little data.
 */
const SURE_MATCHES_FOR_DATA = 50;
const JUDGED_PAIRS_FOR_DATA = 1000;

export { DEFAULT_PRIORS };

/** The prior of a feature, when there is one whose levels fit. */
export function featurePrior(
  priors: MatchPriors | undefined,
  feature: { readonly name: string; readonly levels: readonly string[] },
  isIdentifier: boolean,
): FeaturePrior | undefined {
  if (priors === undefined) return undefined;
  const p = priors.features[feature.name] ?? (isIdentifier ? priors.identifier : undefined);
  if (p === undefined || p.levels.length !== feature.levels.length || p.levels.some((l, i) => l !== feature.levels[i])) return undefined;
  return p;
}

/** m blended from the data's estimate (backed by `mass` expected matches) and the prior. */
export function blendM(
  data: readonly number[] | undefined,
  mass: number,
  prior: FeaturePrior | undefined,
): { m: number[]; dataShare: number } | undefined {
  if (prior === undefined) return data === undefined ? undefined : { m: [...data], dataShare: 1 };
  if (data === undefined || mass <= 0) return { m: [...prior.m], dataShare: 0 };
  const share = mass / (mass + PRIOR_MATCHES);
  return { m: data.map((v, l) => share * v + (1 - share) * (prior.m[l] ?? 0)), dataShare: share };
}

/** λ from the sure-rule count, leaning on the prior pairs per record when few pairs pass the rule. */
export function blendLambda(options: {
  sureMatches: number;
  judgedPairs: number;
  assumedRecall: number;
  records: number;
  totalPairs: number;
  priors: MatchPriors | undefined;
}): { lambda: number; dataShare: number } {
  const { sureMatches, judgedPairs, assumedRecall, records, totalPairs, priors } = options;
  const pairs = Math.max(1, totalPairs);
  const fromData = sureMatches / assumedRecall;
  const share = priors === undefined ? 1 : Math.min(1, Math.max(sureMatches / SURE_MATCHES_FOR_DATA, judgedPairs / JUDGED_PAIRS_FOR_DATA));
  const expected = share * fromData + (1 - share) * (priors?.pairsPerRecord ?? 0) * records;
  return { lambda: Math.min(0.5, Math.max(1 / pairs, expected / pairs)), dataShare: share };
}
