/**
 * A normalised record as text, to be stored beside a record and read back without normalising it again.
 * Why: the server's incremental matcher compares an arrival with up to 200 stored profiles; for those it
 * has not seen before, reading their traits, building match records and normalising them was most of an
 * arrival's cost at 1,000,000 stored profiles (issue 19). The write path normalises a profile anyway when it
 * keys it, so it stores this text, and the matcher decodes it (a JSON parse) instead.
 *
 * The text is a positional JSON array (no field names: shorter, and faster to parse), starting with
 * `NORMALISED_FORMAT`. A stored text is valid only as long as the normalisers that made it (value-normalise.ts,
 * name-columns.ts, date-parse.ts) normalise as they did: when they change, bump `NORMALISED_FORMAT`, and
 * texts of the old format decode to `undefined` (the caller normalises the record again). The golden test
 * beside this file fails when a normaliser's output changes, as the reminder.
 */
import type { CalendarDate, ParsedDate } from './date-parse.ts';
import type { NormalisedRecord, RecordNormaliser, TextRole } from './normalised-record.ts';

/** The format (and normalisation) version of encoded records; see the file comment for when to bump it. */
export const NORMALISED_FORMAT = 1;

/** Text roles in their encoded order (never reorder: append, and bump the format). */
const TEXT_ORDER: readonly TextRole[] = [
  'address',
  'street_number',
  'address_1',
  'address_2',
  'city',
  'postcode',
  'state',
  'country',
  'gender',
  'occupation',
];
/** Positions: format, five names, kind, date, text roles, then the identifiers. */
const DATE_AT = 7;
const TEXT_AT = 8;
const IDENTIFIERS_AT = TEXT_AT + TEXT_ORDER.length;

type Cell = string | number | null | Cell[];

const orNull = (v: string | undefined): string | null => (v === undefined ? null : v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The record as text (its key is not kept: the caller knows it). */
export function encodeNormalised(record: NormalisedRecord): string {
  const n = record.names;
  const date: Cell =
    record.date === undefined
      ? null
      : [record.date.digits, ...record.date.readings.map((r): Cell => [r.year, r.month, r.day, r.digits, r.epochDay])];
  const cells: Cell[] = [
    NORMALISED_FORMAT,
    orNull(n.first),
    orNull(n.middle),
    orNull(n.last),
    orNull(n.suffix),
    orNull(n.organisation),
    n.kind,
    date,
    ...TEXT_ORDER.map((role) => orNull(record.text[role])),
    ...record.identifiers.map(orNull),
  ];
  return JSON.stringify(cells);
}

function decodeDate(cell: unknown): ParsedDate | undefined {
  if (!Array.isArray(cell)) return undefined;
  const readings: CalendarDate[] = [];
  for (let i = 1; i < cell.length; i++) {
    const r = cell[i] as [number, number, number, string, number];
    readings.push({ year: r[0], month: r[1], day: r[2], digits: r[3], epochDay: r[4] });
  }
  return { readings, digits: String(cell[0]) };
}

/**
 * The record `encodeNormalised` made, under `key`, for this normaliser; `undefined` when the text is of
 * another format, is not an encoded record, or holds another number of identifier types than the normaliser.
 */
export function decodeNormalised(text: string, key: string, normaliser: RecordNormaliser): NormalisedRecord | undefined {
  let cells: unknown;
  try {
    cells = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(cells) || cells[0] !== NORMALISED_FORMAT) return undefined;
  if (cells.length !== IDENTIFIERS_AT + normaliser.identifierTypes.length) return undefined;
  const identifiers = new Array<string | undefined>(normaliser.identifierTypes.length);
  for (let t = 0; t < identifiers.length; t++) identifiers[t] = str(cells[IDENTIFIERS_AT + t]);
  // The same object shapes as `normalise` makes (the scorer's hot loops see one shape).
  return {
    key,
    names: {
      first: str(cells[1]),
      middle: str(cells[2]),
      last: str(cells[3]),
      suffix: str(cells[4]),
      organisation: str(cells[5]),
      kind: Number(cells[6]),
    },
    date: decodeDate(cells[DATE_AT]),
    text: {
      address: str(cells[TEXT_AT]),
      street_number: str(cells[TEXT_AT + 1]),
      address_1: str(cells[TEXT_AT + 2]),
      address_2: str(cells[TEXT_AT + 3]),
      city: str(cells[TEXT_AT + 4]),
      postcode: str(cells[TEXT_AT + 5]),
      state: str(cells[TEXT_AT + 6]),
      country: str(cells[TEXT_AT + 7]),
      gender: str(cells[TEXT_AT + 8]),
      occupation: str(cells[TEXT_AT + 9]),
    },
    identifiers,
    normaliser,
  };
}
