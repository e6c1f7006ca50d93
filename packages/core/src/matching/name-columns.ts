/**
 * Name fields of a record, unified (read one record at a time, normalised-record.ts; as columns of a record
 * set, comparison-features.ts): split first/last columns where a record has them, else its
 * full name split into parts (see name-parts.ts), generational suffixes kept apart, and organisations
 * (a company column, or a full name with a legal form or business word) kept out of the person fields.
 */
import { columnsWithRole, type ColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { generationalSuffix, looksLikeOrganisation, organisationName, splitFullName, stripSuffix } from './name-parts.ts';
import { normaliseText, presentValue } from './value-normalise.ts';

/** What a record names: a person, an organisation, or nothing to tell. */
export const RecordKind = { unknown: 0, person: 1, organisation: 2 } as const;

type Column = (string | undefined)[];

/** One record's name fields (`undefined` where it has no value) and what it names. */
export interface RecordNames {
  readonly first: string | undefined;
  readonly middle: string | undefined;
  readonly last: string | undefined;
  readonly suffix: string | undefined;
  /** The organisation's name: the company column, or a full name that reads as an organisation. */
  readonly organisation: string | undefined;
  /** `RecordKind`. */
  readonly kind: number;
}

/** Per-record name fields as columns; each column is `undefined` where the record has no value. */
export interface NameColumns {
  readonly first: Column;
  readonly middle: Column;
  readonly last: Column;
  readonly suffix: Column;
  /** Organisation names: the company column, or a full name that reads as an organisation. */
  readonly organisation: Column;
  readonly kind: Uint8Array;
}

function joined(record: MatchRecord, columns: readonly string[]): string | undefined {
  let out: string | undefined;
  for (const c of columns) {
    const v = presentValue(record.values[c]);
    if (v !== undefined) out = out === undefined ? v : `${out} ${v}`;
  }
  return out;
}

/** Reads the unified name fields of one record at a time (the columns of each role found once). */
export function recordNamesReader(roles: ColumnRoles): (record: MatchRecord) => RecordNames {
  const firstCols = columnsWithRole(roles, 'first_name');
  const middleCols = columnsWithRole(roles, 'middle_name');
  const lastCols = columnsWithRole(roles, 'last_name');
  const fullCols = columnsWithRole(roles, 'full_name');
  const companyCols = columnsWithRole(roles, 'company');
  return (record) => {
    let first = normaliseText(joined(record, firstCols));
    let middle = normaliseText(joined(record, middleCols));
    const lastRaw = normaliseText(joined(record, lastCols));
    const stripped = lastRaw === undefined ? {} : stripSuffix(lastRaw);
    let last = stripped.name;
    let suffix = stripped.suffix;
    if (first !== undefined) {
      const s = stripSuffix(first);
      first = s.name;
      suffix ??= s.suffix;
    }
    let organisation = organisationName(joined(record, companyCols));
    const full = joined(record, fullCols);
    if (full !== undefined && first === undefined && last === undefined) {
      if (looksLikeOrganisation(full)) organisation ??= organisationName(full);
      else {
        const parts = splitFullName(full);
        first = parts.first;
        middle ??= parts.middle;
        last = parts.last;
        suffix ??= parts.suffix;
      }
    }
    for (const c of middleCols) suffix ??= generationalSuffix(record.values[c] ?? '');
    // Why without spaces: `Marlowe-Fitch`, `Marlowe Fitch` and `van Dyke` / `Van-Dyke` are one surname written differently.
    last = last?.replace(/ /g, '');
    const kind =
      first !== undefined || last !== undefined
        ? RecordKind.person
        : organisation !== undefined
          ? RecordKind.organisation
          : RecordKind.unknown;
    return { first, middle, last, suffix, organisation, kind };
  };
}

function kindsOf(names: readonly RecordNames[]): Uint8Array {
  const out = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = names[i]?.kind ?? RecordKind.unknown;
  return out;
}

/** The name fields of records as columns. */
export function nameColumnsOf(names: readonly RecordNames[]): NameColumns {
  return {
    first: names.map((n) => n.first),
    middle: names.map((n) => n.middle),
    last: names.map((n) => n.last),
    suffix: names.map((n) => n.suffix),
    organisation: names.map((n) => n.organisation),
    kind: kindsOf(names),
  };
}
