/**
 * The identity-trust operations of a PostgreSQL transaction (same semantics as the SQLite store's): do-not-link
 * rules, tombstones, the ledger, and the detach / reset / forward steps that undo, split and replay
 * (pipeline/event-replay.ts) are built from. Their reads outside a transaction: postgres-identity-reads.ts.
 *
 * Why the admin rewrites lock what they touch: ingestion may run at the same time. A detach or tombstone
 * takes the same advisory locks as `kin_lock_snapshot` (identifier, then profile), so no batch can link to
 * a profile while it is being taken apart; a deadlock with a batch is retried like any other.
 */
import type { IdGenerator } from '../../ports/ids.ts';
import type { Identifier } from '@kin/core';
import type { DetachedProfile, ReplayEvent, StoreTx } from '../storage.ts';
import type { Query, Row } from './postgres-identity-reads.ts';
import { findMerge } from './postgres-identity-reads.ts';

const toReplay = (row: Row): ReplayEvent => ({
  seq: Number(row.seq),
  sourceId: row.source_id as string,
  event: row.payload as ReplayEvent['event'],
  ...(row.unverified ? { unverified: row.unverified as NonNullable<ReplayEvent['unverified']> } : {}),
});

const toDetached = (row: Row): DetachedProfile => ({
  id: row.id as string,
  createdAt: row.created_at as string,
  ...(row.created_message_id ? { createdBy: `${row.created_source_id as string}\u0000${row.created_message_id as string}` } : {}),
});

/**
 * The transaction's identity-trust operations. `query` flushes the transaction's buffered writes first;
 * `clear` empties its graph and trust caches after a rewrite they cannot follow.
 */
export function postgresIdentityTx({
  query,
  clear,
  ids,
  digest,
}: {
  query: Query;
  /** The keyed digest a tombstone keeps instead of the value (postgres-tombstone-keys.ts). */
  digest: (identifier: Identifier) => string;
  clear: () => void;
  ids: IdGenerator;
}): Pick<
  StoreTx,
  | 'findMerge'
  | 'detachProfile'
  | 'resetGraph'
  | 'listReplayEvents'
  | 'forwardProfiles'
  | 'addDoNotLink'
  | 'recordLedger'
  | 'markMergesUndone'
  | 'tombstone'
> {
  const lockProfile = (id: string) => query(`SELECT pg_advisory_xact_lock(hashtextextended('profile:' || $1, 0))`, [id]);
  return {
    findMerge: (id) => findMerge(query, id),

    async detachProfile(profileId) {
      const liveOf = async () =>
        (await query('SELECT coalesce(merged_into, id) AS live FROM profiles WHERE id = $1', [profileId])).rows[0]?.live as
          string | undefined;
      let live = await liveOf();
      if (live === undefined) return undefined;
      await lockProfile(live);
      // Read again under the lock: a merge may have folded it into another profile while we waited.
      const locked = await liveOf();
      if (locked !== live) {
        if (locked === undefined) return undefined;
        live = locked;
        await lockProfile(live);
      }
      const profiles = (await query('SELECT * FROM profiles WHERE id = $1 OR merged_into = $1 ORDER BY created_at, id', [live])).rows.map(
        toDetached,
      );
      const events = (
        await query('SELECT seq, source_id, payload, unverified FROM events WHERE profile_id = $1 ORDER BY seq', [live])
      ).rows.map(toReplay);
      const ids = profiles.map((p) => p.id);
      await query(
        `WITH i AS (DELETE FROM identifiers WHERE profile_id = $1),
              t AS (DELETE FROM traits WHERE profile_id = $1),
              h AS (DELETE FROM trait_history WHERE profile_id = $1),
              c AS (DELETE FROM consent WHERE profile_id = $1),
              r AS (DELETE FROM refusals WHERE profile_id = ANY ($2::text[])),
              e AS (UPDATE events SET profile_id = NULL WHERE profile_id = $1),
              mk AS (DELETE FROM match_keys WHERE profile_id = ANY ($2::text[])),
              mp AS (DELETE FROM match_profiles WHERE profile_id = ANY ($2::text[]))
         DELETE FROM profiles WHERE id = ANY ($2::text[])`,
        [live, ids],
      );
      clear();
      return { events, profiles };
    },

    async resetGraph() {
      const profiles = (
        await query('SELECT id, created_at, created_message_id, created_source_id FROM profiles ORDER BY created_at, id', [])
      ).rows.map(toDetached);
      await query(
        `WITH i AS (DELETE FROM identifiers), t AS (DELETE FROM traits), h AS (DELETE FROM trait_history), c AS (DELETE FROM consent), r AS (DELETE FROM refusals),
              d AS (DELETE FROM device_users), m AS (DELETE FROM merges WHERE rule NOT IN ('undo', 'split')),
              e AS (UPDATE events SET profile_id = NULL WHERE profile_id IS NOT NULL),
              mk AS (DELETE FROM match_keys), mp AS (DELETE FROM match_profiles)
         DELETE FROM profiles`,
        [],
      );
      clear();
      return profiles;
    },

    async listReplayEvents(afterSeq, limit) {
      return (
        await query('SELECT seq, source_id, payload, unverified FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
      ).rows.map(toReplay);
    },

    async forwardProfiles(pairs, at) {
      if (pairs.length === 0) return;
      // Each removed id points at the live profile its target now is (unless that is itself).
      await query(
        `INSERT INTO profiles (id, created_at, updated_at, merged_into)
         SELECT r.id, r.created_at, $2, l.live FROM json_to_recordset($1::json) AS r(id text, created_at timestamptz, target text)
           JOIN LATERAL (SELECT coalesce(p.merged_into, p.id) AS live FROM profiles p WHERE p.id = r.target) AS l ON l.live <> r.id
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(pairs.map(({ from, to }) => ({ id: from.id, created_at: from.createdAt, target: to }))), at],
      );
    },

    async addDoNotLink(rule) {
      const id = `dnl_${ids.rowId()}`;
      const members = rule.sides.flatMap((side, index) => side.map((identifier) => ({ ...identifier, side: index })));
      await query(
        `WITH rule AS (INSERT INTO do_not_link (id, sides, reason, ledger_id, created_at) VALUES ($1, $2, $3, $4, $5))
         INSERT INTO do_not_link_members (type, value, rule_id, side)
         SELECT m.type, m.value, $1, m.side FROM json_to_recordset($6::json) AS m(type text, value text, side integer)
         ON CONFLICT DO NOTHING`,
        [id, JSON.stringify(rule.sides), rule.reason, rule.ledgerId ?? null, rule.createdAt, JSON.stringify(members)],
      );
      // The next snapshots must see the rule.
      clear();
      return id;
    },

    async recordLedger(entry) {
      const id = ids.rowId();
      await query(
        `WITH entry AS (
           INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, rule_id)
           VALUES ($1, $2, $3, $4, $5, '', 'admin', $6, $7))
         UPDATE do_not_link SET ledger_id = $1 WHERE id = $7`,
        [id, entry.survivorId, entry.absorbedId, entry.rule, JSON.stringify(entry.via), entry.createdAt, entry.ruleId],
      );
      return id;
    },

    async markMergesUndone(profileIds, ledgerId) {
      if (profileIds.length === 0) return;
      await query(
        `UPDATE merges SET undone_by = $1 WHERE undone_by IS NULL AND rule NOT IN ('undo', 'split') AND survivor_id = ANY ($2::text[])`,
        [ledgerId, profileIds],
      );
    },

    async tombstone(profileId, identifier, at) {
      await query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`, [identifier.type, identifier.value]);
      await lockProfile(profileId);
      const removed = await query('DELETE FROM identifiers WHERE type = $1 AND value = $2 AND profile_id = $3', [
        identifier.type,
        identifier.value,
        profileId,
      ]);
      if ((removed.rowCount ?? 0) === 0) return false;
      await query(
        `WITH t AS (
           INSERT INTO tombstones (type, value, profile_id, created_at, keyed) VALUES ($1, $2, $3, $4, true)
           ON CONFLICT (type, value) DO UPDATE SET profile_id = excluded.profile_id, created_at = excluded.created_at)
         UPDATE profiles SET updated_at = $4 WHERE id = $3`,
        [identifier.type, digest(identifier), profileId, at],
      );
      clear();
      return true;
    },
  };
}
