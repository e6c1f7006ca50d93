/**
 * Comparison features: one per matchable field, each mapping a record pair to a level
 * (best first, last = "different") or -1 when either side is missing, which adds no evidence.
 * Features and blocking keys are built once from the column roles, columnar for speed.
 * The comparison of each kind of field is in field-features.ts.
 */
import type { ColumnRoles } from './column-roles.ts';
import { nameColumnsOf, RecordKind } from './name-columns.ts';
import { createRecordNormaliser, type NormalisedRecord, type RecordNormaliser, type TextRole } from './normalised-record.ts';
import { initialBridgesNames, recordConflicts, type Conflict } from './record-conflicts.ts';
import { canonicalGivenName } from './nickname-table.ts';
import { soundex } from './string-similarity.ts';
import { sortedTokens } from './value-normalise.ts';
import {
  codeFeature,
  dateFeature,
  emailFeature,
  exactFeature,
  firstNameFeature,
  firstNamesCompatible,
  lastNameFeature,
  phoneFeature,
  postcodeFeature,
  stringFeature,
  suffixFeature,
  textFeature,
  type Column,
} from './field-features.ts';

/** One input record: an opaque key, an optional source (for linking), and raw cell values by column. */
export interface MatchRecord {
  readonly key: string;
  readonly source?: string;
  readonly values: Readonly<Record<string, string | null | undefined>>;
}

/** A field comparison with ordered levels. */
export interface ComparisonFeature {
  readonly name: string;
  /** Level names, best first; the last is the catch-all "different". */
  readonly levels: readonly string[];
  /** Whether the exact level's weight is adjusted for how common the value is. */
  readonly termFrequency: boolean;
  /**
   * How many leading levels count as "agrees" in the deterministic rule used to estimate λ;
   * 0 when the field is too weak to count (state, gender, street number).
   */
  readonly sureLevels: number;
  /**
   * Levels reached through a typing error (one edit, Jaro–Winkler). Two distinct values that are both
   * common ("schmidt" / "schmitt") are more likely two real names than a typo, so the scorer weakens
   * these levels by how common the rarer value is (see `createScorer`).
   */
  readonly typoLevels?: readonly number[];
  /** An identifier column other than email and phone (account or customer number): uses the generic identifier prior. */
  readonly identifier?: boolean;
  /** Level index for records i and j, or -1 when either value is missing. */
  compare(i: number, j: number): number;
  /** The value that must agree at level 0 (for term frequencies), or `undefined` when missing. */
  value(i: number): string | undefined;
}

/** Records prepared for matching: comparison features plus named blocking-key columns. */
export interface PreparedRecords {
  readonly size: number;
  readonly features: readonly ComparisonFeature[];
  readonly keys: ReadonlyMap<string, readonly (string | undefined)[]>;
  /** True when record i names a person (a first or last name), not an organisation or nothing. */
  isPerson(i: number): boolean;
  /** What record i names (`RecordKind`: unknown, person or organisation). */
  kindOf(i: number): number;
  /** Why records i and j cannot be one entity, or `undefined` (see record-conflicts.ts). */
  conflict(i: number, j: number): Conflict | undefined;
  /** True when clusters a and b may not merge: an initial would bridge incompatible first names (record-conflicts.ts). */
  initialBridge(a: readonly number[], b: readonly number[]): boolean;
}

function hasAny(col: Column): boolean {
  return col.some((v) => v !== undefined);
}

/** Builds comparison features and blocking keys from records and column roles. */
export function prepareRecords(records: readonly MatchRecord[], roles: ColumnRoles): PreparedRecords {
  const normaliser = createRecordNormaliser(roles);
  return prepareNormalised(records.map(normaliser.normalise), normaliser);
}

/**
 * Builds comparison features and blocking keys from records normalised by `normaliser` (normalised-record.ts).
 * The blocking keys are built when first read: scoring needs only the features.
 */
export function prepareNormalised(rows: readonly NormalisedRecord[], normaliser: RecordNormaliser): PreparedRecords {
  if (rows.some((r) => r.normaliser !== normaliser)) throw new Error('prepareNormalised: a record was normalised for other column roles');
  const features: ComparisonFeature[] = [];
  // Key columns in the order they were always added (blocking rules read them in this order), made on first use.
  const keyColumns: Array<readonly [string, () => Column]> = [];
  const key = (name: string, col: () => Column): void => {
    keyColumns.push([name, col]);
  };
  const attr = (role: TextRole): Column => rows.map((r) => r.text[role]);

  const names = nameColumnsOf(rows.map((r) => r.names));
  const { first, last } = names;
  if (hasAny(first)) {
    features.push(firstNameFeature(first, last));
    key('fn', () => first.map((v) => (v === undefined ? undefined : canonicalGivenName(v))));
    key('fnsx', () => first.map((v) => (v === undefined ? undefined : soundex(v))));
  }
  if (hasAny(last)) {
    features.push(lastNameFeature(last, first));
    key('ln', () => last);
    key('lnsx', () => last.map((v) => (v === undefined ? undefined : soundex(v))));
  }
  if (hasAny(first) && hasAny(last)) {
    // Order-free name key so swapped first/last names still share a block.
    key('name', () =>
      first.map((f, i) => {
        const l = last[i];
        if (f === undefined || l === undefined) return undefined;
        return f < l ? `${f}|${l}` : `${l}|${f}`;
      }),
    );
  }
  if (hasAny(names.middle)) features.push(stringFeature('middle_name', names.middle, false));
  if (hasAny(names.suffix)) features.push(suffixFeature(names.suffix));
  if (hasAny(names.organisation)) {
    features.push(textFeature('company', names.organisation, true));
    key('company', () => names.organisation.map((v) => (v === undefined ? undefined : sortedTokens(v))));
    key('company1', () => names.organisation.map((v) => v?.split(' ')[0]));
  }

  const dates = rows.map((r) => r.date);
  if (dates.some((d) => d !== undefined)) {
    features.push(dateFeature(dates));
    key('dob', () => dates.map((d) => d?.digits));
    key('dobY', () => dates.map((d) => d?.digits.slice(0, 4)));
    key('dobMD', () => dates.map((d) => d?.digits.slice(4)));
  }

  const address = attr('address');
  if (hasAny(address)) {
    features.push(textFeature('address', address, true));
    key('addr', () => address);
  }
  const number = attr('street_number');
  if (hasAny(number)) {
    features.push(codeFeature('street_number', number, false, 0));
    key('num', () => number);
  }
  for (const role of ['address_1', 'address_2'] as const) {
    const col = attr(role);
    if (!hasAny(col)) continue;
    features.push(stringFeature(role, col, true, role === 'address_1' ? 2 : 0));
    key(role, () => col);
  }
  const city = attr('city');
  if (hasAny(city)) {
    features.push(stringFeature('city', city, true));
    key('city', () => city);
  }
  const postcode = attr('postcode');
  if (hasAny(postcode)) {
    features.push(postcodeFeature(postcode));
    key('pc', () => postcode);
  }
  for (const role of ['state', 'country', 'gender'] as const) {
    const col = attr(role);
    if (hasAny(col)) features.push(exactFeature(role, col));
  }
  const occupation = attr('occupation');
  if (hasAny(occupation)) features.push(stringFeature('occupation', occupation, true, 0, 0.9, 0.9));

  const identifiers: Column[] = [];
  normaliser.identifierTypes.forEach((type, t) => {
    const col = rows.map((r) => r.identifiers[t]);
    if (!hasAny(col)) return;
    if (type === 'email') {
      features.push(emailFeature(col));
      key('email', () => col);
      key('emailUser', () => col.map((v) => v?.slice(0, v.indexOf('@'))));
    } else if (type === 'phone' || type === 'fax') {
      features.push(phoneFeature(type, col));
      key(type, () => col);
    } else {
      features.push({ ...codeFeature(type, col, true, 2), identifier: true });
      key(`id:${type}`, () => col);
      identifiers.push(col);
    }
  });
  let keys: Map<string, Column> | undefined;
  return {
    size: rows.length,
    features,
    get keys() {
      keys ??= new Map(keyColumns.map(([name, col]) => [name, col()]));
      return keys;
    },
    conflict: recordConflicts({ names, identifiers, dates }),
    initialBridge: initialBridgesNames({ first, firstNamesCompatible: firstNamesCompatible(first, last) }),
    isPerson: (i) => names.kind[i] === RecordKind.person,
    kindOf: (i) => names.kind[i] ?? RecordKind.unknown,
  };
}
