/**
 * Comparison features: one per matchable field, each mapping a record pair to a level
 * (best first, last = "different") or -1 when either side is missing, which adds no evidence.
 * Features and blocking keys are built once from the column roles, columnar for speed.
 * The comparison of each kind of field is in field-features.ts.
 */
import type { AttributeRole, ColumnRoles } from './column-roles.ts';
import { dateFromParts, parseDate, type ParsedDate } from './date-parse.ts';
import { nameColumns, RecordKind } from './name-columns.ts';
import { initialBridgesNames, recordConflicts, type Conflict } from './record-conflicts.ts';
import { canonicalGivenName } from './nickname-table.ts';
import { soundex } from './string-similarity.ts';
import {
  normaliseAddress,
  normaliseEmail,
  normaliseIdentifier,
  normalisePhone,
  normalisePostcode,
  normaliseText,
  presentValue,
  sortedTokens,
} from './value-normalise.ts';
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

function gather(records: readonly MatchRecord[], columns: readonly string[], norm: (v: string) => string | undefined): Column {
  return records.map((r) => {
    let out: string | undefined;
    for (const c of columns) {
      const v = r.values[c];
      if (v === null || v === undefined) continue;
      const n = norm(v);
      if (n !== undefined) out = out === undefined ? n : `${out} ${n}`;
    }
    return out;
  });
}

function columnsWith(roles: ColumnRoles, role: AttributeRole): string[] {
  return Object.keys(roles).filter((c) => {
    const r = roles[c];
    return r?.kind === 'attribute' && r.role === role;
  });
}

function hasAny(col: Column): boolean {
  return col.some((v) => v !== undefined);
}

/** Builds comparison features and blocking keys from records and column roles. */
export function prepareRecords(records: readonly MatchRecord[], roles: ColumnRoles): PreparedRecords {
  const features: ComparisonFeature[] = [];
  const keys = new Map<string, Column>();
  const attr = (role: AttributeRole, norm: (v: string) => string | undefined): Column => gather(records, columnsWith(roles, role), norm);

  const names = nameColumns(records, roles);
  const { first, last } = names;
  if (hasAny(first)) {
    features.push(firstNameFeature(first, last));
    keys.set(
      'fn',
      first.map((v) => (v === undefined ? undefined : canonicalGivenName(v))),
    );
    keys.set(
      'fnsx',
      first.map((v) => (v === undefined ? undefined : soundex(v))),
    );
  }
  if (hasAny(last)) {
    features.push(lastNameFeature(last, first));
    keys.set('ln', last);
    keys.set(
      'lnsx',
      last.map((v) => (v === undefined ? undefined : soundex(v))),
    );
  }
  if (hasAny(first) && hasAny(last)) {
    // Order-free name key so swapped first/last names still share a block.
    keys.set(
      'name',
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
    keys.set(
      'company',
      names.organisation.map((v) => (v === undefined ? undefined : sortedTokens(v))),
    );
    keys.set(
      'company1',
      names.organisation.map((v) => v?.split(' ')[0]),
    );
  }

  const dates = datesOf(records, roles);
  if (dates.some((d) => d !== undefined)) {
    features.push(dateFeature(dates));
    keys.set(
      'dob',
      dates.map((d) => d?.digits),
    );
    keys.set(
      'dobY',
      dates.map((d) => d?.digits.slice(0, 4)),
    );
    keys.set(
      'dobMD',
      dates.map((d) => d?.digits.slice(4)),
    );
  }

  const address = attr('address', normaliseAddress);
  if (hasAny(address)) {
    features.push(textFeature('address', address, true));
    keys.set('addr', address);
  }
  const number = attr('street_number', normaliseText);
  if (hasAny(number)) {
    features.push(codeFeature('street_number', number, false, 0));
    keys.set('num', number);
  }
  for (const role of ['address_1', 'address_2'] as const) {
    const col = attr(role, normaliseAddress);
    if (!hasAny(col)) continue;
    features.push(stringFeature(role, col, true, role === 'address_1' ? 2 : 0));
    keys.set(role, col);
  }
  const city = attr('city', normaliseText);
  if (hasAny(city)) {
    features.push(stringFeature('city', city, true));
    keys.set('city', city);
  }
  const postcode = attr('postcode', normalisePostcode);
  if (hasAny(postcode)) {
    features.push(postcodeFeature(postcode));
    keys.set('pc', postcode);
  }
  for (const role of ['state', 'country', 'gender'] as const) {
    const col = attr(role, (v) => normaliseText(v));
    if (hasAny(col)) features.push(exactFeature(role, col));
  }
  const occupation = attr('occupation', normaliseText);
  if (hasAny(occupation)) features.push(stringFeature('occupation', occupation, true, 0, 0.9, 0.9));

  const identifiers: Column[] = [];
  const identifierTypes = [...new Set(Object.values(roles).flatMap((r) => (r.kind === 'identifier' ? [r.type] : [])))].sort();
  for (const type of identifierTypes) {
    const cols = Object.keys(roles).filter((c) => {
      const r = roles[c];
      return r?.kind === 'identifier' && r.type === type;
    });
    if (type === 'email') {
      const col = gather(records, cols, normaliseEmail);
      if (!hasAny(col)) continue;
      features.push(emailFeature(col));
      keys.set('email', col);
      keys.set(
        'emailUser',
        col.map((v) => v?.slice(0, v.indexOf('@'))),
      );
    } else if (type === 'phone' || type === 'fax') {
      const col = gather(records, cols, normalisePhone);
      if (!hasAny(col)) continue;
      features.push(phoneFeature(type, col));
      keys.set(type, col);
    } else {
      const col = gather(records, cols, normaliseIdentifier);
      if (!hasAny(col)) continue;
      features.push({ ...codeFeature(type, col, true, 2), identifier: true });
      keys.set(`id:${type}`, col);
      identifiers.push(col);
    }
  }
  return {
    size: records.length,
    features,
    keys,
    conflict: recordConflicts({ names, identifiers, dates }),
    initialBridge: initialBridgesNames({ first, firstNamesCompatible: firstNamesCompatible(first, last) }),
    isPerson: (i) => names.kind[i] === RecordKind.person,
    kindOf: (i) => names.kind[i] ?? RecordKind.unknown,
  };
}

function datesOf(records: readonly MatchRecord[], roles: ColumnRoles): (ParsedDate | undefined)[] {
  const dobCols = columnsWith(roles, 'date_of_birth');
  const [yc] = columnsWith(roles, 'birth_year');
  const [mc] = columnsWith(roles, 'birth_month');
  const [dc] = columnsWith(roles, 'birth_day');
  return records.map((r) => {
    for (const c of dobCols) {
      const v = presentValue(r.values[c]);
      if (v === undefined) continue;
      const d = parseDate(v);
      if (d !== undefined) return d;
      // Unparseable but present: keep its digits so edit-distance levels still work.
      const digits = v.replace(/\D/g, '');
      if (digits.length >= 6) return { readings: [], digits };
    }
    if (yc === undefined) return undefined;
    const y = presentValue(r.values[yc]);
    if (y === undefined) return undefined;
    return dateFromParts(
      y,
      presentValue(mc === undefined ? undefined : r.values[mc]) ?? '0',
      presentValue(dc === undefined ? undefined : r.values[dc]) ?? '0',
    );
  });
}
