/**
 * Step 2 of the matching engine (match-engine.ts): m, the level frequencies among matches, learnt by EM
 * over training blocking rules and blended with the priors. Apart from the engine so its steps read in
 * order; the pairs each rule trains on are chosen here too.
 */
import { buildBlockIndex, ruleName, type BlockIndex } from './blocking-index.ts';
import { featuresOfKey, trainingRules } from './blocking-rules.ts';
import type { PreparedRecords } from './comparison-features.ts';
import { emForM, initialM, pairLevels, type PairLevels } from './fellegi-sunter.ts';
import { isHouseholdField } from './household-rule.ts';
import { blendM, type FeaturePrior } from './match-priors.ts';

const TRAINING_PAIRS_PER_RULE = 15_000;
/** Fields of one dwelling: records sharing only these are often different members of one household. */
const DWELLING_FIELDS: ReadonlySet<string> = new Set(['address', 'address_1', 'address_2', 'street_number', 'postcode', 'phone']);

/** What {@link estimateM} learns: m per feature, the share of it from data, and the rules it came from. */
export interface LearntM {
  readonly m: number[][];
  readonly mDataShare: number[];
  readonly usedTraining: string[];
}

/** m by EM over the training rules, with u held fixed; features without training data keep their prior. */
export function estimateM(input: {
  prepared: PreparedRecords;
  u: readonly (readonly number[])[];
  featurePriors: readonly (FeaturePrior | undefined)[];
  maxBlockSize: number;
  accept: ((i: number, j: number) => boolean) | undefined;
}): LearntM {
  const { prepared, u, featurePriors, maxBlockSize, accept } = input;
  const features = prepared.features;

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
  return { m, mDataShare, usedTraining };
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
