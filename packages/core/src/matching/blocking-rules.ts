/**
 * Which blocking rules exist for a record layout, and which of them to use. Rules are built from the
 * prepared key columns, so they follow the detected roles with no per-data-set code.
 */
import type { PreparedRecords } from './comparison-features.ts';
import { buildBlockIndex, type BlockIndex, type BlockingRule } from './blocking-index.ts';

/** Candidate rules, roughly specific to general. Rules whose keys are absent are skipped. */
const CANDIDATE_RULES: readonly (readonly string[])[] = [
  ['email'],
  ['phone'],
  ['fax'],
  ['name'],
  ['ln', 'dob'],
  ['fn', 'dob'],
  ['dob', 'pc'],
  ['ln', 'pc'],
  ['fn', 'pc'],
  ['fnsx', 'lnsx'],
  ['lnsx', 'dobY'],
  ['fnsx', 'dobY'],
  ['lnsx', 'dobMD'],
  ['fnsx', 'dobMD'],
  ['ln', 'city'],
  ['fn', 'city'],
  ['pc', 'num'],
  ['address_1', 'num'],
  ['address_1', 'pc'],
  ['address_1', 'city'],
  ['addr'],
  ['full_name'],
  ['company'],
  ['full_name1', 'pc'],
  ['company1', 'pc'],
  ['full_name1', 'city'],
  ['company1', 'city'],
  ['emailUser'],
  ['dob'],
  ['ln'],
  ['fn', 'dobY'],
  ['ln', 'dobY'],
  ['address_1'],
  ['address_2'],
  ['pc'],
  ['city', 'dobY'],
  ['full_name1'],
  ['company1'],
  ['num', 'dobY'],
];

/**
 * Training rules for EM, one "concept" each, so every field is estimated by some rule that leaves at
 * least two other informative fields free (see the identifiability check in the engine). The single-name
 * rules exist for layouts with few fields: blocking on both names would leave the date alone.
 */
const TRAINING_RULES: readonly (readonly string[])[] = [
  ['name'],
  ['ln'],
  ['fn'],
  ['dob'],
  ['pc'],
  ['full_name'],
  ['company'],
  ['addr'],
  ['address_1'],
  ['email'],
  ['phone'],
  ['city'],
];

/** Feature names a key column is derived from (those features are not learnt from that rule). */
export function featuresOfKey(key: string): readonly string[] {
  switch (key) {
    case 'fn':
    case 'fnsx':
      return ['first_name'];
    case 'ln':
    case 'lnsx':
      return ['last_name'];
    case 'name':
      return ['first_name', 'last_name'];
    case 'dob':
    case 'dobY':
    case 'dobMD':
      return ['date_of_birth'];
    case 'pc':
      return ['postcode'];
    case 'addr':
      return ['address'];
    case 'num':
      return ['street_number'];
    case 'emailUser':
      return ['email'];
    case 'full_name1':
      return ['full_name'];
    case 'company1':
      return ['company'];
    default:
      return [key.startsWith('id:') ? key.slice(3) : key];
  }
}

function available(prepared: PreparedRecords, rules: readonly (readonly string[])[]): BlockingRule[] {
  return rules.filter((keys) => keys.every((k) => prepared.keys.has(k))).map((keys) => ({ keys }));
}

/** Candidate blocking rules for these records, including one exact rule per extra identifier. */
export function candidateRules(prepared: PreparedRecords): BlockingRule[] {
  const ids = [...prepared.keys.keys()]
    .filter((k) => k.startsWith('id:'))
    .sort()
    .map((k) => [k]);
  return available(prepared, [...ids, ...CANDIDATE_RULES]);
}

/** Training rules available for these records. */
export function trainingRules(prepared: PreparedRecords): BlockingRule[] {
  const rules = available(prepared, TRAINING_RULES);
  if (!prepared.keys.has('name')) rules.unshift(...available(prepared, [['fn', 'ln']]));
  return rules;
}

/**
 * Chooses the union of rules: cheapest rules first, adding a rule while the summed pair count stays
 * within `maxPairs`. Cheap rules are specific and precise; general ones add recall while budget lasts.
 */
export function selectBlockingRules(
  prepared: PreparedRecords,
  options: { maxPairs: number; maxBlockSize: number },
): { selected: BlockIndex[]; considered: { rule: string; pairs: number; used: boolean }[] } {
  const indexes = candidateRules(prepared).map((rule) => buildBlockIndex(prepared, rule, options.maxBlockSize));
  const byCost = indexes
    .map((index, position) => ({ index, position }))
    .sort((x, y) => x.index.pairCount - y.index.pairCount || x.position - y.position);
  const selected: BlockIndex[] = [];
  const considered: { rule: string; pairs: number; used: boolean }[] = [];
  let total = 0;
  for (const { index } of byCost) {
    const used = index.pairCount > 0 && total + index.pairCount <= options.maxPairs;
    if (used) {
      selected.push(index);
      total += index.pairCount;
    }
    considered.push({ rule: index.rule.keys.join('+'), pairs: index.pairCount, used });
  }
  return { selected, considered };
}
