/**
 * Normalisers that turn raw cell text into comparable values. Each returns `undefined` for blanks
 * and placeholder values, so "missing" is decided once, here, and becomes the null level.
 */

const PLACEHOLDERS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', 'nil', '-', '--', '?', 'unknown']);

/**
 * Longest cell compared, in characters. Why: string comparisons are quadratic in length, and no name,
 * address or identifier is this long; a 50 MB cell is a broken export, not evidence.
 */
export const MAX_COMPARED_LENGTH = 1000;

/** Trimmed text, or `undefined` for blanks, placeholders such as `N/A` and cells over MAX_COMPARED_LENGTH. */
export function presentValue(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw.length > MAX_COMPARED_LENGTH * 4) return undefined;
  const t = raw.trim();
  if (t.length > MAX_COMPARED_LENGTH) return undefined;
  return PLACEHOLDERS.has(t.toLowerCase()) ? undefined : t;
}

/** Lower-case letters/digits and single spaces, accents removed (`"O'Brien-Smith "` → `obrien smith`). */
export function normaliseText(raw: string | null | undefined): string | undefined {
  const v = presentValue(raw);
  if (v === undefined) return undefined;
  const s = v
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return s.length === 0 ? undefined : s;
}

const ADDRESS_ABBREVIATIONS: Readonly<Record<string, string>> = {
  street: 'st',
  road: 'rd',
  avenue: 'ave',
  av: 'ave',
  boulevard: 'blvd',
  drive: 'dr',
  lane: 'ln',
  place: 'pl',
  court: 'ct',
  crescent: 'cres',
  terrace: 'tce',
  highway: 'hwy',
  parade: 'pde',
  square: 'sq',
  circuit: 'cct',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  floor: 'fl',
  mount: 'mt',
  saint: 'st',
  close: 'cl',
};

/** Words that only announce a unit number (`Flat 3`, `Apt 3`, `#3`, `Unit 3` are one unit 3). */
const UNIT_WORDS = new Set(['flat', 'apt', 'apartment', 'unit', 'suite', 'ste', 'no', 'number']);

/**
 * Address text standardised before comparing: street-type words abbreviated (`12 High Street` →
 * `12 high st`) and unit words dropped so only the unit number remains (`Flat 3, 12 High St` and
 * `12 High Street #3` both → `3 12 high st` / `12 high st 3`, the same words).
 */
export function normaliseAddress(raw: string | null | undefined): string | undefined {
  const t = normaliseText(raw);
  if (t === undefined) return undefined;
  const words = t.split(' ').filter((w) => !UNIT_WORDS.has(w));
  return words.length === 0 ? t : words.map((w) => ADDRESS_ABBREVIATIONS[w] ?? w).join(' ');
}

/** Upper-case postcode without spaces (`sw1a 1aa` → `SW1A1AA`). */
export function normalisePostcode(raw: string | null | undefined): string | undefined {
  const v = presentValue(raw);
  if (v === undefined) return undefined;
  const s = v.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return s.length === 0 ? undefined : s;
}

/** Digits only, at most the last 10 (drops country prefixes); `undefined` when fewer than 5 digits. */
export function normalisePhone(raw: string | null | undefined): string | undefined {
  const v = presentValue(raw);
  if (v === undefined) return undefined;
  const digits = v.replace(/\D/g, '');
  if (digits.length < 5) return undefined;
  return digits.length > 10 ? digits.slice(-10) : digits;
}

/** Lower-case trimmed email; `undefined` when there is no `@`. */
export function normaliseEmail(raw: string | null | undefined): string | undefined {
  const v = presentValue(raw);
  if (v === undefined) return undefined;
  const s = v.toLowerCase().replace(/\s+/g, '');
  return s.includes('@') ? s : undefined;
}

/** Lower-case identifier without surrounding whitespace or a leading `@` (handles). */
export function normaliseIdentifier(raw: string | null | undefined): string | undefined {
  const v = presentValue(raw);
  if (v === undefined) return undefined;
  const s = v.toLowerCase().replace(/^@/, '').replace(/\s+/g, '');
  return s.length === 0 ? undefined : s;
}

/** Tokens sorted alphabetically, so word order does not matter (`smith john` ~ `john smith`). */
export function sortedTokens(value: string): string {
  return value.split(' ').sort().join(' ');
}
