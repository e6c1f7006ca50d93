/**
 * The household rule of the scorer (pair-scorer.ts): when two records' first names differ, the fields a
 * household shares count as one piece of evidence. Apart from the scorer so the rule and its measured
 * reasons read in one place.
 */
import type { ComparisonFeature } from './comparison-features.ts';

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
export const HOUSEHOLD_DISCOUNT = 0.5;

/**
 * log2 Bayes factor from which a personal field (date of birth, account number) vouches for one person
 * (8 : 1). Why not any positive weight: in household-rich files EM learns that "born in the same year"
 * is weak evidence for a match, and spouses are often born in the same year.
 */
export const PERSONAL_AGREEMENT = 3;

/** The suffix feature's "one-side-only" level (comparison-features.ts). */
export const SUFFIX_ONE_SIDE = 1;

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
export interface HouseholdRule {
  readonly household: readonly boolean[];
  /** Personal fields (date of birth, account numbers): agreement vouches for one person, not one household. */
  readonly personal: readonly boolean[];
  /** Index of the first-name feature (-1 when there is none) and of its "different" level. */
  readonly firstAt: number;
  readonly firstDifferent: number;
}

/** The household rule of a feature list (shared by the scorer and the training of m). */
export function householdRule(features: readonly ComparisonFeature[]): HouseholdRule {
  const firstAt = features.findIndex((f) => f.name === 'first_name');
  return {
    household: features.map((f) => isHouseholdField(f.name)),
    personal: features.map((f) => f.name === 'date_of_birth' || f.identifier === true),
    firstAt,
    firstDifferent: firstAt < 0 ? -2 : (features[firstAt]?.levels.length ?? 0) - 1,
  };
}
