/**
 * Names as customer files hold them: split columns, or one full-name column written `Bob Smith Jr`,
 * `SMITH, Robert`, `Dr. Jane van Dyke` or `Smith Plumbing Ltd`. This module tells organisations from
 * people and splits a person's full name into first, middle and last name plus a generational suffix,
 * so a CRM's split columns and a newsletter's full names meet on the same fields.
 */
import { normaliseText } from './value-normalise.ts';

/** A person's name in parts (normalised text), or an organisation's name. */
export interface NameParts {
  readonly first?: string;
  readonly middle?: string;
  readonly last?: string;
  /** Generational suffix, canonical: `jr`, `sr`, `ii`, `iii`, `iv`. */
  readonly suffix?: string;
}

const SUFFIXES: Readonly<Record<string, string>> = {
  jr: 'jr',
  junior: 'jr',
  sr: 'sr',
  senior: 'sr',
  ii: 'ii',
  '2nd': 'ii',
  iii: 'iii',
  '3rd': 'iii',
  iv: 'iv',
  '4th': 'iv',
};
const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'rev', 'lord', 'lady']);
const PARTICLES = new Set([
  'van',
  'von',
  'de',
  'der',
  'den',
  'da',
  'di',
  'du',
  'la',
  'le',
  'del',
  'della',
  'dos',
  'bin',
  'al',
  'st',
  'mac',
  'ter',
]);

/**
 * Words that mark an organisation's name: legal forms and common kinds of business. Why a list: a
 * full-name column mixes people and organisations, and a person must never be merged with a company
 * that shares their address and phone. A word list is coarse but predictable, and the cost of a miss
 * is only that an organisation is compared as a person.
 */
const ORGANISATION_WORDS = new Set(
  (
    'ltd limited llp llc inc incorporated plc gmbh ag sa sarl bv nv pty corp corporation co company companies group holdings ' +
    'trust foundation charity association society club partners partnership sons brothers bros associates services solutions ' +
    'consulting consultants consultancy agency studio studios school college university academy hospital clinic surgery practice ' +
    'church council department ministry bank insurance cafe restaurant hotel pub bar bakery shop store stores market motors garage ' +
    'builders building construction plumbing electrical electricians florist florists accountants solicitors lawyers dental pharmacy ' +
    'enterprises industries international systems technologies technology software media marketing logistics transport'
  ).split(' '),
);

/** True when a name (raw or normalised) contains a word that marks an organisation (`Smith & Sons`, `Acme Ltd`). */
export function looksLikeOrganisation(name: string): boolean {
  const t = normaliseText(name);
  if (t === undefined) return false;
  return t.split(' ').some((w) => ORGANISATION_WORDS.has(w));
}

/** Legal forms, dropped from organisation names before comparing (`Baker Motors Ltd.` ~ `Baker Motors Limited`). */
const LEGAL_FORMS = new Set([
  'ltd',
  'limited',
  'llp',
  'llc',
  'lp',
  'inc',
  'incorporated',
  'plc',
  'gmbh',
  'ag',
  'sa',
  'sarl',
  'bv',
  'nv',
  'pty',
  'corp',
  'corporation',
  'co',
  'the',
  'and',
]);

/** An organisation's name normalised for comparison: lower-case words without legal forms; `undefined` when blank. */
export function organisationName(raw: string | undefined): string | undefined {
  const t = normaliseText(raw);
  if (t === undefined) return undefined;
  const words = t.split(' ').filter((w) => !LEGAL_FORMS.has(w));
  return words.length === 0 ? t : words.join(' ');
}

/** The canonical generational suffix of a word (`Jr.` → `jr`), or `undefined`. */
export function generationalSuffix(word: string): string | undefined {
  const t = normaliseText(word);
  return t === undefined ? undefined : SUFFIXES[t];
}

/** Removes trailing generational suffixes from a name part (`smith jr` → `smith`, suffix `jr`). */
export function stripSuffix(name: string): { readonly name?: string; readonly suffix?: string } {
  const words = name.split(' ').filter((w) => w !== '');
  let suffix: string | undefined;
  while (words.length > 1) {
    const s = SUFFIXES[words[words.length - 1] ?? ''];
    if (s === undefined) break;
    suffix ??= s;
    words.pop();
  }
  const rest = words.join(' ');
  return { ...(rest !== '' ? { name: rest } : {}), ...(suffix !== undefined ? { suffix } : {}) };
}

/**
 * Splits a person's full name: `Last, First Middle` when there is a comma, else `First Middle Last`,
 * with titles dropped, a generational suffix kept apart and particles (`van`, `de`) kept with the last
 * name. One word is a last name. Returns `{}` for blanks.
 */
export function splitFullName(raw: string): NameParts {
  const comma = raw.indexOf(',');
  let suffix: string | undefined;
  // Split on white space before normalising, so a hyphenated surname stays one word (`marlowefitch`).
  const words = (s: string): string[] =>
    s
      .split(/\s+/)
      .map((w) => (normaliseText(w) ?? '').replace(/ /g, ''))
      .filter((w) => {
        if (w === '' || TITLES.has(w)) return false;
        const g = SUFFIXES[w];
        if (g !== undefined) {
          suffix ??= g;
          return false;
        }
        return true;
      });
  let first: string[];
  let last: string[];
  if (comma >= 0) {
    last = words(raw.slice(0, comma));
    first = words(raw.slice(comma + 1));
  } else {
    const all = words(raw);
    let cut = all.length - 1;
    while (cut > 1 && PARTICLES.has(all[cut - 1] ?? '')) cut--;
    first = all.slice(0, Math.max(0, cut));
    last = all.slice(Math.max(0, cut));
  }
  if (last.length === 0 && first.length > 0) last = [first.pop() ?? ''];
  const [given, ...middle] = first;
  return {
    ...(given !== undefined ? { first: given } : {}),
    ...(middle.length > 0 ? { middle: middle.join(' ') } : {}),
    ...(last.length > 0 ? { last: last.join(' ') } : {}),
    ...(suffix !== undefined ? { suffix } : {}),
  };
}
