/**
 * One comparison feature per kind of field (names, dates, email, phone, postcodes, codes, free text): the
 * levels a pair of values reaches. Apart from comparison-features.ts, which chooses the features a record
 * set gets from its column roles, so each field's comparison reads on its own.
 */
import type { ComparisonFeature } from './comparison-features.ts';
import { compareDates, DATE_LEVELS, type ParsedDate } from './date-parse.ts';
import { areNicknames, nicknameVariants } from './nickname-table.ts';
import { distinctSortedTokens, jaroWinkler, sortedTokenJaccard, withinOneEdit } from './string-similarity.ts';
import { sortedTokens } from './value-normalise.ts';

/** A column of normalised values, one per record (`undefined` when missing). */
export type Column = (string | undefined)[];

export function stringFeature(name: string, col: Column, tf: boolean, sureLevels = 0, high = 0.92, low = 0.8): ComparisonFeature {
  return {
    name,
    sureLevels,
    levels: ['exact', `jaro-winkler>=${high}`, `jaro-winkler>=${low}`, 'different'],
    termFrequency: tf,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      const s = jaroWinkler(a, b, low);
      return s >= high ? 1 : s >= low ? 2 : 3;
    },
  };
}

/** Multi-word text (full names, organisations, addresses): word order and partial overlap matter. */
export function textFeature(name: string, col: Column, tf: boolean): ComparisonFeature {
  const sorted = col.map((v) => (v === undefined ? undefined : sortedTokens(v)));
  const tokens = col.map((v) => (v === undefined ? [] : distinctSortedTokens(v)));
  return {
    name,
    sureLevels: 2,
    levels: ['exact', 'same-words', 'jaro-winkler>=0.92', 'half-words-shared', 'different'],
    termFrequency: tf,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      if (sorted[i] === sorted[j]) return 1;
      if (jaroWinkler(a, b, 0.92) >= 0.92) return 2;
      return sortedTokenJaccard(tokens[i] ?? [], tokens[j] ?? []) >= 0.5 ? 3 : 4;
    },
  };
}

export function codeFeature(name: string, col: Column, tf: boolean, sureLevels: number): ComparisonFeature {
  return {
    name,
    sureLevels,
    levels: ['exact', 'one-edit', 'different'],
    termFrequency: tf,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      return withinOneEdit(a, b) ? 1 : 2;
    },
  };
}

export function exactFeature(name: string, col: Column): ComparisonFeature {
  return {
    name,
    sureLevels: 0,
    levels: ['exact', 'different'],
    termFrequency: false,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      return a === b ? 0 : 1;
    },
  };
}

export function postcodeFeature(col: Column): ComparisonFeature {
  return {
    name: 'postcode',
    sureLevels: 2,
    levels: ['exact', 'one-edit', 'same-prefix', 'different'],
    termFrequency: true,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      if (withinOneEdit(a, b)) return 1;
      // Outward code / leading digits: the district, a weaker agreement.
      const n = Math.max(2, Math.min(a.length, b.length) - 2);
      for (let c = 0; c < n; c++) if (a.charCodeAt(c) !== b.charCodeAt(c)) return 3;
      return 2;
    },
  };
}

/**
 * Whether an initial fits a given name: two initials that are one letter, or an initial that is the
 * first letter of the name or of one of its nickname variants (`v` fits `tori`, a Victoria).
 */
function initialFits(a: string, b: string): boolean {
  const [initial, name] = a.length === 1 ? [a, b] : [b, a];
  if (name.startsWith(initial)) return true;
  return name.length > 1 && nicknameVariants(name).some((v) => v.startsWith(initial));
}

export function firstNameFeature(first: Column, last: Column): ComparisonFeature {
  return {
    name: 'first_name',
    sureLevels: 3,
    typoLevels: [2, 3],
    levels: ['exact', 'nickname', 'one-edit', 'jaro-winkler>=0.92', 'initial', 'jaro-winkler>=0.8', 'swapped-with-last-name', 'different'],
    termFrequency: true,
    value: (i) => first[i],
    compare(i, j) {
      const a = first[i];
      const b = first[j];
      if (a === undefined || b === undefined) return -1;
      if (a.length === 1 || b.length === 1) return initialFits(a, b) ? 4 : 7;
      if (a === b) return 0;
      if (areNicknames(a, b)) return 1;
      if (withinOneEdit(a, b)) return 2;
      const s = jaroWinkler(a, b, 0.8);
      if (s >= 0.92) return 3;
      if (s >= 0.8) return 5;
      const lb = last[j];
      return lb !== undefined && jaroWinkler(a, lb, 0.92) >= 0.92 ? 6 : 7;
    },
  };
}

/**
 * Whether two full first names may name one person: equal, nicknames, a typo, a close likeness
 * (Jaro–Winkler at least 0.92) or swapped with the last name; Karen and Katherine (0.8–0.92) may not.
 * True when either is missing or an initial (see `initialBridgesNames` in record-conflicts.ts).
 */
export function firstNamesCompatible(first: Column, last: Column): (i: number, j: number) => boolean {
  const feature = firstNameFeature(first, last);
  const incompatible = new Set(['jaro-winkler>=0.8', 'different'].map((l) => feature.levels.indexOf(l)));
  return (i, j) => {
    const a = first[i];
    const b = first[j];
    if (a === undefined || b === undefined || a.length === 1 || b.length === 1) return true;
    return !incompatible.has(feature.compare(i, j));
  };
}

export function lastNameFeature(last: Column, first: Column): ComparisonFeature {
  return {
    name: 'last_name',
    sureLevels: 2,
    typoLevels: [1, 2],
    levels: ['exact', 'one-edit', 'jaro-winkler>=0.92', 'jaro-winkler>=0.8', 'swapped-with-first-name', 'different'],
    termFrequency: true,
    value: (i) => last[i],
    compare(i, j) {
      const a = last[i];
      const b = last[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      if (withinOneEdit(a, b)) return 1;
      const s = jaroWinkler(a, b, 0.8);
      if (s >= 0.92) return 2;
      if (s >= 0.8) return 3;
      const fb = first[j];
      return fb !== undefined && jaroWinkler(a, fb, 0.92) >= 0.92 ? 4 : 5;
    },
  };
}

/**
 * Generational suffix (Jr, Sr, III): null unless at least one record has one. Father and son share
 * name, address and phone, so a suffix on one side only is weak evidence against, and two different
 * suffixes are a conflict (see record-conflicts.ts) besides this feature's evidence.
 */
export function suffixFeature(col: Column): ComparisonFeature {
  return {
    name: 'suffix',
    sureLevels: 0,
    levels: ['same', 'one-side-only', 'different'],
    termFrequency: false,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined && b === undefined) return -1;
      if (a === b) return 0;
      return a === undefined || b === undefined ? 1 : 2;
    },
  };
}

export function dateFeature(dates: readonly (ParsedDate | undefined)[]): ComparisonFeature {
  return {
    name: 'date_of_birth',
    sureLevels: 3,
    levels: DATE_LEVELS,
    termFrequency: false,
    value: (i) => dates[i]?.digits,
    compare(i, j) {
      const a = dates[i];
      const b = dates[j];
      if (a === undefined || b === undefined) return -1;
      return compareDates(a, b);
    },
  };
}

/**
 * Email: exact, the same mailbox name at another provider, or one typing error. Why no Jaro–Winkler
 * level: addresses are built from names (`andrew.smith11@…`, `andrew.smith60@…`), so two people of
 * one name have similar addresses, and similarity there repeats the name's evidence. For the same
 * reason an edit in the mailbox's trailing number is not a typo (see {@link namesakeMailboxes}).
 */
export function emailFeature(col: Column): ComparisonFeature {
  const user = col.map((v) => v?.slice(0, v.indexOf('@')));
  return {
    name: 'email',
    sureLevels: 2,
    levels: ['exact', 'same-user', 'one-edit', 'different'],
    termFrequency: true,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      if (user[i] === user[j]) return 1;
      return withinOneEdit(a, b) && !namesakeMailboxes(a, b) ? 2 : 3;
    },
  };
}

const trailingDigits = /\d*$/;

/**
 * Whether two addresses within one edit differ the way two namesakes' mailboxes do: in the number a
 * mailbox name ends with (`mary.williams65@` / `mary.williams69@`, `waltersmith@` / `waltersmith6@`).
 * Why not also a separator (`grace.smith@` / `gracesmith@`): typed addresses lose and double dots;
 * measured, that rule gained customers-2k 0.003 but cost fake_1000 0.0008 and the generated
 * 100,000-person set (`--scale`) 0.0018.
 */
export function namesakeMailboxes(a: string, b: string): boolean {
  const ua = a.slice(0, a.indexOf('@'));
  const ub = b.slice(0, b.indexOf('@'));
  if (ua === ub) return false;
  return trailingDigits.exec(ua)?.[0] !== trailingDigits.exec(ub)?.[0];
}

export function phoneFeature(name: string, col: Column): ComparisonFeature {
  return {
    name,
    sureLevels: 2,
    levels: ['exact', 'same-last-7', 'one-edit', 'different'],
    termFrequency: true,
    value: (i) => col[i],
    compare(i, j) {
      const a = col[i];
      const b = col[j];
      if (a === undefined || b === undefined) return -1;
      if (a === b) return 0;
      if (a.length >= 7 && b.length >= 7 && a.slice(-7) === b.slice(-7)) return 1;
      return withinOneEdit(a, b) ? 2 : 3;
    },
  };
}
