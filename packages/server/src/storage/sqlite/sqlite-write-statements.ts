/**
 * The prepared statements of the SQLite write path (sqlite-apply.ts), prepared once per store, after migrations.
 */
import type Database from 'better-sqlite3';
import { LATER_CONSENT_SQL as LATER_CONSENT, RESTRICTIVE_CONSENT_SQL } from '../consent-order-sql.ts';
import { TRAIT_ORDER_WITHOUT_VALUE, traitWinsSql } from '../trait-order-sql.ts';
import { registerTraitOrder } from './sqlite-trait-order.ts';

/**
 * When an incoming trait value replaces the stored one: core's `TRAIT_ORDER` (rank, event time, source id,
 * then the canonical JSON text; a tombstone counts as `null`). A total order, so the result never depends on
 * the order events or merges arrive in.
 */
const LATER_TRAIT = traitWinsSql({ dialect: 'sqlite', incoming: 'excluded', current: 'traits' });

/** The same order between two writes of one value: rank, time and source only. */
const LATER_TRAIT_SAME_VALUE = traitWinsSql({
  dialect: 'sqlite',
  incoming: (column) => `@${column === 'source_id' ? 'sourceId' : column}`,
  current: (column) => column,
  keys: TRAIT_ORDER_WITHOUT_VALUE,
});

/** Prepared statements of the write path, compiled once per connection. */
export function prepareWrites(db: Database.Database) {
  registerTraitOrder(db);
  return {
    identifier: db.prepare('SELECT profile_id, first_seen, last_seen FROM identifiers WHERE type = ? AND value = ?'),
    profile: db.prepare('SELECT created_at, updated_at, merge_count FROM profiles WHERE id = ?'),
    profileIdentifiers: db.prepare('SELECT type, value, first_seen, last_seen FROM identifiers WHERE profile_id = ?'),
    insertProfile: db.prepare(
      'INSERT INTO profiles (id, created_at, updated_at, created_message_id, created_source_id) VALUES (?, ?, ?, ?, ?)',
    ),
    touchProfile: db.prepare('UPDATE profiles SET updated_at = ? WHERE id = ?'),
    moveIdentifiers: db.prepare('UPDATE identifiers SET profile_id = ? WHERE profile_id = ?'),
    mergeTraits: db.prepare(
      `INSERT INTO traits (profile_id, key, value, ts, source_id, trust)
         SELECT ?, key, value, ts, source_id, trust FROM traits AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
         WHERE ${LATER_TRAIT}`,
    ),
    dropTraits: db.prepare('DELETE FROM traits WHERE profile_id = ?'),
    forward: db.prepare('UPDATE profiles SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?'),
    countMerge: db.prepare('UPDATE profiles SET merge_count = merge_count + ?, updated_at = ? WHERE id = ?'),
    insertMerge: db.prepare(
      'INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, sides) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertIdentifier: db.prepare(
      `INSERT INTO identifiers (type, value, profile_id, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setConsent: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE ${LATER_CONSENT}`,
    ),
    // On merge, per category: the most restrictive value wins (a refusal on either side stays a refusal)…
    mergeConsentRestrictive: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) SELECT ?, category, granted, ts FROM consent AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE ${RESTRICTIVE_CONSENT_SQL}`,
    ),
    // …or, with consent.onMerge "latest", the value set last.
    mergeConsentLatest: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) SELECT ?, category, granted, ts FROM consent AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE ${LATER_CONSENT}`,
    ),
    dropConsent: db.prepare('DELETE FROM consent WHERE profile_id = ?'),
    touchIdentifier: db.prepare(
      'UPDATE identifiers SET last_seen = max(last_seen, ?), first_seen = min(first_seen, ?) WHERE type = ? AND value = ?',
    ),
    // The same value again from a later entry (LATER_TRAIT with equal values): only time, source and rank
    // change, so no index on `value` is rewritten.
    refreshTrait: db.prepare(
      `UPDATE traits SET ts = @ts, source_id = @sourceId, trust = @trust
       WHERE profile_id = @profileId AND key = @key AND value IS @value
         AND ${LATER_TRAIT_SAME_VALUE}`,
    ),
    // Positional (profile id, key, value, ts, source id, trust): binding by name costs a lookup per parameter.
    setTrait: db.prepare(
      `INSERT INTO traits (profile_id, key, value, ts, source_id, trust) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
         WHERE ${LATER_TRAIT}`,
    ),
    insertEvent: db.prepare(
      'INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload, unverified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertWarning: db.prepare(
      `INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (subject) DO UPDATE SET count = count + excluded.count, last_seen_at = max(last_seen_at, excluded.last_seen_at),
         created_at = min(created_at, excluded.created_at)`,
    ),
  };
}

/** Identifiers in (type, value) order. */

/** The write statements of one store. */
export type WriteStatements = ReturnType<typeof prepareWrites>;
