/** The PostgreSQL store's rule for which trait entry wins (shared by the write statements and the write buffer). */

/**
 * When an incoming trait entry replaces the stored one, as core's `compareTraitEntries` (and the SQLite
 * store): the more trusted source (the policy's traitSources rank) wins, then the later event time, then
 * the greater source id, then the greater JSON text (a tombstone counts as `null`). A total order, so the result never depends on the order of events, merges or workers.
 * (jsonb prints objects with its own key order and spacing; ties between two object values of one time and
 * source may therefore pick another winner than SQLite. Strings, numbers and booleans compare alike.)
 */
export const TRAIT_WINS = `(excluded.trust, excluded.ts, excluded.source_id, coalesce(excluded.value::text, 'null') COLLATE "C")
  > (traits.trust, traits.ts, traits.source_id, coalesce(traits.value::text, 'null') COLLATE "C")`;

/** Keeps the newest `TRAIT_HISTORY_KEPT` values (by event time) of the given (profile, key) pairs. */
export const PRUNE_TRAIT_HISTORY = {
  name: 'kin_prune_trait_history_v1',
  text: `DELETE FROM trait_history WHERE seq IN (
    SELECT h.seq FROM unnest($1::text[], $2::text[]) AS u(p, k)
    CROSS JOIN LATERAL (SELECT seq FROM trait_history t WHERE t.profile_id = u.p AND t.key = u.k ORDER BY ts DESC, seq DESC OFFSET $3) AS h)`,
} as const;
