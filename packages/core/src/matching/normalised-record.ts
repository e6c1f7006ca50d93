/**
 * One record's compared values, normalised: names split and cleaned, the date of birth parsed, addresses,
 * postcodes, phones and emails in their comparable form. This is the costly part of preparing records
 * (comparison-features.ts turns a set of normalised records into columns and features), so a caller that
 * compares one stored record with arrival after arrival (the server's incremental matcher) normalises it
 * once and keeps it while the record's content is unchanged.
 *
 * A normalised record is valid only with the normaliser (column roles) that made it: the columns of each
 * role and the identifier types are read from the roles once, here.
 */
import { columnsWithRole, type AttributeRole, type ColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { dateFromParts, parseDate, type ParsedDate } from './date-parse.ts';
import { recordNamesReader, type RecordNames } from './name-columns.ts';
import {
  normaliseAddress,
  normaliseEmail,
  normaliseIdentifier,
  normalisePhone,
  normalisePostcode,
  normaliseText,
  presentValue,
} from './value-normalise.ts';

/** Attribute roles compared as one normalised string each (names and dates have their own fields). */
const TEXT_ROLES = {
  address: normaliseAddress,
  street_number: normaliseText,
  address_1: normaliseAddress,
  address_2: normaliseAddress,
  city: normaliseText,
  postcode: normalisePostcode,
  state: normaliseText,
  country: normaliseText,
  gender: normaliseText,
  occupation: normaliseText,
} as const satisfies Partial<Record<AttributeRole, (v: string) => string | undefined>>;

/** An attribute role held as one normalised string. */
export type TextRole = keyof typeof TEXT_ROLES;

/** One record's normalised values (`undefined` where it has none). */
export interface NormalisedRecord {
  readonly key: string;
  readonly names: RecordNames;
  readonly date: ParsedDate | undefined;
  readonly text: Readonly<Record<TextRole, string | undefined>>;
  /** One value per identifier type of the normaliser (`identifierTypes`, same order). */
  readonly identifiers: readonly (string | undefined)[];
  /** The normaliser that made it (records of different roles cannot be prepared together). */
  readonly normaliser: RecordNormaliser;
}

/** Normalises records of one set of column roles. */
export interface RecordNormaliser {
  readonly roles: ColumnRoles;
  /** Identifier types (email, phone, account numbers…) of the roles, sorted. */
  readonly identifierTypes: readonly string[];
  normalise(record: MatchRecord): NormalisedRecord;
}

/** The normalised values of these columns joined by a space, or `undefined` when none has one. */
function gather(record: MatchRecord, columns: readonly string[], norm: (v: string) => string | undefined): string | undefined {
  let out: string | undefined;
  for (const c of columns) {
    const v = record.values[c];
    if (v === null || v === undefined) continue;
    const n = norm(v);
    if (n !== undefined) out = out === undefined ? n : `${out} ${n}`;
  }
  return out;
}

/** The columns of one role and their normaliser. */
type TextColumns = readonly [readonly string[], (v: string) => string | undefined];

function identifierNormaliser(type: string): (v: string) => string | undefined {
  if (type === 'email') return normaliseEmail;
  if (type === 'phone' || type === 'fax') return normalisePhone;
  return normaliseIdentifier;
}

/** A normaliser for records of these column roles. */
export function createRecordNormaliser(roles: ColumnRoles): RecordNormaliser {
  const readNames = recordNamesReader(roles);
  const text = (role: TextRole): TextColumns => [columnsWithRole(roles, role), TEXT_ROLES[role]];
  const address = text('address');
  const streetNumber = text('street_number');
  const address1 = text('address_1');
  const address2 = text('address_2');
  const city = text('city');
  const postcode = text('postcode');
  const state = text('state');
  const country = text('country');
  const gender = text('gender');
  const occupation = text('occupation');
  const identifierTypes = [...new Set(Object.values(roles).flatMap((r) => (r.kind === 'identifier' ? [r.type] : [])))].sort();
  const identifierColumns = identifierTypes.map((type) => {
    const cols = Object.keys(roles).filter((c) => {
      const r = roles[c];
      return r?.kind === 'identifier' && r.type === type;
    });
    return [cols, identifierNormaliser(type)] as TextColumns;
  });
  const dobCols = columnsWithRole(roles, 'date_of_birth');
  const [yc] = columnsWithRole(roles, 'birth_year');
  const [mc] = columnsWithRole(roles, 'birth_month');
  const [dc] = columnsWithRole(roles, 'birth_day');
  const dateOf = (r: MatchRecord): ParsedDate | undefined => {
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
  };
  const normaliser: RecordNormaliser = {
    roles,
    identifierTypes,
    normalise(record) {
      // Written out rather than built from TEXT_ROLES: one object shape for every record, no per-record arrays.
      const identifiers = new Array<string | undefined>(identifierColumns.length);
      for (let t = 0; t < identifierColumns.length; t++) {
        const [cols, norm] = identifierColumns[t]!;
        identifiers[t] = gather(record, cols, norm);
      }
      return {
        key: record.key,
        names: readNames(record),
        date: dateOf(record),
        text: {
          address: gather(record, address[0], address[1]),
          street_number: gather(record, streetNumber[0], streetNumber[1]),
          address_1: gather(record, address1[0], address1[1]),
          address_2: gather(record, address2[0], address2[1]),
          city: gather(record, city[0], city[1]),
          postcode: gather(record, postcode[0], postcode[1]),
          state: gather(record, state[0], state[1]),
          country: gather(record, country[0], country[1]),
          gender: gather(record, gender[0], gender[1]),
          occupation: gather(record, occupation[0], occupation[1]),
        },
        identifiers,
        normaliser,
      };
    },
  };
  return normaliser;
}
