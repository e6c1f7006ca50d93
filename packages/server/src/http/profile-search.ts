/**
 * Profile search for the dashboard: exact identifier and trait values (normalised as on ingestion, see
 * `searchReadings`) first, then people by name: every word of the query must start a name trait
 * (`farid`, `fisch`, `Farid Fischer`), or the whole query must start one (`name` = "Farid Fischer").
 * Answers one page with the number of matches, counted up to SEARCH_CAP.
 */
import type { SearchPage } from '@kin/core/api/index.ts';
import type { ProfileMatch, ProfileView, Store } from '../storage/storage.ts';

/** Matches a search counts and pages through at most (per reading, and for each name word). */
export const SEARCH_CAP = 1000;
/** Matches of exact values read per reading (identifier and trait hits are few; each is loaded). */
const EXACT_CAP = 100;

/** The words of a query that reads like a name (letters, spaces, hyphens, apostrophes), lower-cased; else none. */
export function nameWords(q: string): string[] {
  const trimmed = q.trim();
  if (!/^[\p{L}\p{M}' .-]+$/u.test(trimmed)) return [];
  return trimmed.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 6);
}

/**
 * The prefixes to look up for lower-cased words. Why two: SQLite's lower() (and PostgreSQL's in the C
 * locale) folds only ASCII letters, so a stored "Özil" is indexed as "Özil"; the capitalised words find it.
 */
function prefixVariants(word: string): string[] {
  const capitalised = word.replace(/(^|\s)(\S)/gu, (_, space: string, letter: string) => space + letter.toUpperCase());
  const asStored = capitalised.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return asStored === word ? [word] : [word, asStored];
}

async function idsByName(store: Store, prefix: string): Promise<{ ids: string[]; capped: boolean }> {
  const ids = new Set<string>();
  let capped = false;
  for (const variant of prefixVariants(prefix)) {
    const found = await store.profileIdsByName({ prefix: variant, limit: SEARCH_CAP });
    capped ||= found.length >= SEARCH_CAP;
    for (const id of found) ids.add(id);
  }
  return { ids: [...ids], capped };
}

/** Profiles whose name matches the words (see the file comment), in name order. */
async function searchByName(store: Store, words: string[]): Promise<{ ids: string[]; capped: boolean }> {
  if (words.length === 0) return { ids: [], capped: false };
  const perWord = await Promise.all(words.map((word) => idsByName(store, word)));
  const first = perWord[0] ?? { ids: [], capped: false };
  const rest = perWord.slice(1).map((r) => new Set(r.ids));
  const ids = first.ids.filter((id) => rest.every((set) => set.has(id)));
  const whole = words.length > 1 ? await idsByName(store, words.join(' ')) : { ids: [], capped: false };
  return { ids: [...new Set([...ids, ...whole.ids])], capped: perWord.some((r) => r.capped) || whole.capped };
}

/** One page of profiles matching `q` (readings: exact values to look up, from `searchReadings`). */
export async function searchProfilePage(
  store: Store,
  query: { q: string; readings: Array<{ value: string; type?: string }>; limit: number; offset: number },
): Promise<SearchPage> {
  const found = new Map<string, ProfileMatch | undefined>();
  let capped = false;
  for (const reading of query.readings) {
    const matches = await store.searchProfiles({ ...reading, limit: EXACT_CAP });
    capped ||= matches.length >= EXACT_CAP;
    for (const match of matches) if (!found.has(match.id)) found.set(match.id, match);
  }
  const byName = query.readings.some((r) => r.type) ? { ids: [], capped: false } : await searchByName(store, nameWords(query.q));
  capped ||= byName.capped;
  for (const id of byName.ids) if (!found.has(id)) found.set(id, undefined);
  const all = [...found].slice(0, SEARCH_CAP);
  const data: ProfileMatch[] = [];
  for (const [id, match] of all.slice(query.offset, query.offset + query.limit)) {
    if (match) data.push(match);
    else {
      const profile = await store.findProfile(id);
      if (profile) data.push({ ...matchOf(profile), matchedOn: 'name' });
    }
  }
  return { data, total: all.length, totalCapped: capped || found.size > SEARCH_CAP, offset: query.offset, limit: query.limit };
}

/** A profile as a list row. */
export function matchOf(profile: ProfileView): Omit<ProfileMatch, 'matchedOn'> {
  return { id: profile.id, externalIds: profile.externalIds.map(({ type, value }) => ({ type, value })), traits: profile.traits };
}
