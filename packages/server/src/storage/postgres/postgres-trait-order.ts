/** The PostgreSQL store's rule for which trait entry wins (shared by the write statements and the write buffer). */

/**
 * When an incoming trait entry replaces the stored one, as core's `compareTraitEntries` (and the SQLite
 * store): the later event time wins, then the greater source id, then the greater JSON text (a tombstone
 * counts as `null`). A total order, so the result never depends on the order of events, merges or workers.
 * (jsonb prints objects with its own key order and spacing; ties between two object values of one time and
 * source may therefore pick another winner than SQLite. Strings, numbers and booleans compare alike.)
 */
export const TRAIT_WINS = `(excluded.ts, excluded.source_id, coalesce(excluded.value::text, 'null') COLLATE "C")
  > (traits.ts, traits.source_id, coalesce(traits.value::text, 'null') COLLATE "C")`;
