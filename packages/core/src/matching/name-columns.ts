/**
 * Name columns of a record set, unified: split first/last columns where a record has them, else its
 * full name split into parts (see name-parts.ts), generational suffixes kept apart, and organisations
 * (a company column, or a full name with a legal form or business word) kept out of the person fields.
 */
import type { AttributeRole, ColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { generationalSuffix, looksLikeOrganisation, organisationName, splitFullName, stripSuffix } from './name-parts.ts';
import { normaliseText, presentValue } from './value-normalise.ts';

/** What a record names: a person, an organisation, or nothing to tell. */
export const RecordKind = { unknown: 0, person: 1, organisation: 2 } as const;

type Column = (string | undefined)[];

/** Per-record name fields; each column is `undefined` where the record has no value. */
export interface NameColumns {
  readonly first: Column;
  readonly middle: Column;
  readonly last: Column;
  readonly suffix: Column;
  /** Organisation names: the company column, or a full name that reads as an organisation. */
  readonly organisation: Column;
  readonly kind: Uint8Array;
  /** Whether any record had a full-name column value (read into the parts above). */
  readonly hadFullNames: boolean;
}

function columnsWith(roles: ColumnRoles, role: AttributeRole): string[] {
  return Object.keys(roles).filter((c) => {
    const r = roles[c];
    return r?.kind === 'attribute' && r.role === role;
  });
}

function joined(record: MatchRecord, columns: readonly string[]): string | undefined {
  let out: string | undefined;
  for (const c of columns) {
    const v = presentValue(record.values[c]);
    if (v !== undefined) out = out === undefined ? v : `${out} ${v}`;
  }
  return out;
}

/** Builds the unified name columns of every record. */
export function nameColumns(records: readonly MatchRecord[], roles: ColumnRoles): NameColumns {
  const firstCols = columnsWith(roles, 'first_name');
  const middleCols = columnsWith(roles, 'middle_name');
  const lastCols = columnsWith(roles, 'last_name');
  const fullCols = columnsWith(roles, 'full_name');
  const companyCols = columnsWith(roles, 'company');
  const n = records.length;
  const out = {
    first: new Array<string | undefined>(n),
    middle: new Array<string | undefined>(n),
    last: new Array<string | undefined>(n),
    suffix: new Array<string | undefined>(n),
    organisation: new Array<string | undefined>(n),
  };
  const kind = new Uint8Array(n);
  let hadFullNames = false;
  records.forEach((record, i) => {
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
    if (full !== undefined) hadFullNames = true;
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
    out.first[i] = first;
    out.middle[i] = middle;
    out.last[i] = last;
    out.suffix[i] = suffix;
    out.organisation[i] = organisation;
    kind[i] =
      first !== undefined || last !== undefined
        ? RecordKind.person
        : organisation !== undefined
          ? RecordKind.organisation
          : RecordKind.unknown;
  });
  return { ...out, kind, hadFullNames };
}
