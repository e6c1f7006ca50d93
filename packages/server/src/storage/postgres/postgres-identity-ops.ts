/**
 * The identity-trust operations of the `Store` interface on PostgreSQL (same semantics as the SQLite
 * store's `sqlite-identity.ts`): explain, the dry-run snapshot, do-not-link rules, tombstones, and the
 * detach / reset / forward steps that undo, split and replay (pipeline/event-replay.ts) are built from.
 *
 * Why the admin rewrites lock what they touch: ingestion may run at the same time. A detach or tombstone
 * takes the same advisory locks as `kin_lock_snapshot` (identifier, then profile), so no batch can link to
 * a profile while it is being taken apart; a deadlock with a batch is retried like any other.
 */
import type { IdGenerator } from '../../ports/ids.ts';
import type { Identifier, IdentitySnapshot } from '@kin/core';
import type { Pool } from 'pg';
import type {
  DetachedProfile,
  DoNotLinkRecord,
  IdentifierProvenance,
  MergeRecord,
  ProfileExplanation,
  ProfileView,
  RefusalRecord,
  ReplayEvent,
  Store,
  StoreTx,
} from '../storage.ts';
import type { LockedSnapshotRow } from './postgres-graph-cache.ts';
import { TxGraphCache } from './postgres-graph-cache.ts';
import type { TrustRow } from './postgres-trust-cache.ts';
import { TRUST_STATEMENT, TrustCache } from './postgres-trust-cache.ts';
import { toIdentifierProvenance, toMerge, toRefusalRecord } from '../store-rows.ts';

type Row = Record<string, unknown>;
/** Runs one statement (on the pool, or on a transaction's client). */
type Query = (text: string, values: unknown[]) => Promise<{ rows: Row[]; rowCount?: number | null }>;

/** Most refusals explain returns for one profile (newest kept), as the SQLite store. */
const MAX_EXPLAIN_REFUSALS = 1000;

/** One ledger entry by id. */
export async function findMerge(query: Query, id: string): Promise<MergeRecord | undefined> {
  const { rows } = await query('SELECT * FROM merges WHERE id = $1', [id]);
  const row = rows[0] as Row | undefined;
  return row ? toMerge(row) : undefined;
}

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

const toRule = (row: Row): DoNotLinkRecord => ({
  id: row.id as string,
  sides: row.sides as [Identifier[], Identifier[]],
  reason: row.reason as DoNotLinkRecord['reason'],
  ...(row.ledger_id ? { ledgerId: row.ledger_id as string } : {}),
  createdAt: row.created_at as string,
});

/** The Store's identity-trust methods, given the store's own profile and ledger reads. */
export function postgresIdentityReads(
  pool: Pool,
  reads: { findProfile(id: string): Promise<ProfileView | undefined>; listProfileMerges(id: string): Promise<MergeRecord[]> },
  digest: (identifier: Identifier) => string,
): Pick<Store, 'readSnapshot' | 'explainProfile' | 'findMerge' | 'listDoNotLink' | 'removeDoNotLink' | 'identifierPartition'> {
  const query: Query = (text, values) => pool.query<Row>(text, values);
  async function listDoNotLink(): Promise<DoNotLinkRecord[]> {
    return (await query('SELECT * FROM do_not_link ORDER BY created_at, id', [])).rows.map(toRule);
  }
  return {
    async readSnapshot(identifiers: Identifier[]): Promise<IdentitySnapshot> {
      if (identifiers.length === 0) return { known: [], profiles: new Map() };
      // No locks: a dry run shows what the resolver would see now, and writes nothing.
      const { rows } = await pool.query<LockedSnapshotRow>(
        `SELECT p.id AS profile_id, p.created_at, p.merge_count, x.type, x.value, x.first_seen, x.last_seen
         FROM profiles p JOIN identifiers x ON x.profile_id = p.id
         WHERE p.id IN (SELECT i.profile_id FROM identifiers i JOIN unnest($1::text[], $2::text[]) AS u(t, v) ON i.type = u.t AND i.value = u.v)
         ORDER BY p.id, x.type, x.value`,
        [identifiers.map((i) => i.type), identifiers.map((i) => i.value)],
      );
      const cache = new TxGraphCache();
      cache.load(identifiers, rows);
      const held = rows.flatMap((r) => (r.type === null || r.value === null ? [] : [{ type: r.type, value: r.value }]));
      const trust = new TrustCache();
      const trustRows = await pool.query<TrustRow>({
        ...TRUST_STATEMENT,
        values: [
          identifiers.map((k) => k.type),
          identifiers.map((k) => k.value),
          held.map((k) => k.type),
          held.map((k) => k.value),
          identifiers.map(digest),
        ],
      });
      trust.load(identifiers, held, trustRows.rows);
      return trust.extend(identifiers, cache.snapshot(identifiers));
    },

    async explainProfile(profileId): Promise<ProfileExplanation | undefined> {
      const profile = await reads.findProfile(profileId);
      if (!profile) return undefined;
      const id = profile.id;
      const identifiers: IdentifierProvenance[] = (
        await query(
          'SELECT type, value, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at FROM identifiers WHERE profile_id = $1 ORDER BY type, value',
          [id],
        )
      ).rows.map(toIdentifierProvenance);
      const refusals: RefusalRecord[] = (
        await query(
          `SELECT * FROM (SELECT * FROM refusals WHERE profile_id = $1 OR profile_id IN (SELECT id FROM profiles WHERE merged_into = $1)
             ORDER BY seq DESC LIMIT $2) AS r ORDER BY seq`,
          [id, MAX_EXPLAIN_REFUSALS],
        )
      ).rows.map(toRefusalRecord);
      const doNotLink = (
        await query(
          `SELECT * FROM do_not_link WHERE id IN (SELECT m.rule_id FROM do_not_link_members m JOIN identifiers x ON x.type = m.type AND x.value = m.value
             WHERE x.profile_id = $1) ORDER BY created_at, id`,
          [id],
        )
      ).rows.map(toRule);
      const tombstones = (
        await query(
          `SELECT type, value, created_at FROM tombstones WHERE profile_id = $1 OR profile_id IN (SELECT id FROM profiles WHERE merged_into = $1)
           ORDER BY type, value`,
          [id],
        )
      ).rows.map((t) => ({ type: t.type as string, value: t.value as string, createdAt: t.created_at as string }));
      return { profile, identifiers, merges: await reads.listProfileMerges(id), refusals, doNotLink, tombstones };
    },

    findMerge: (id) => findMerge(query, id),
    listDoNotLink,

    async removeDoNotLink(id) {
      const result = await query(
        'WITH members AS (DELETE FROM do_not_link_members WHERE rule_id = $1) DELETE FROM do_not_link WHERE id = $1',
        [id],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async identifierPartition(): Promise<string[][]> {
      const { rows } = await pool.query<{ keys: string[] }>(
        `SELECT array_agg(type || ':' || value ORDER BY type || ':' || value) AS keys FROM identifiers GROUP BY profile_id`,
      );
      // Sorted in JavaScript, as the SQLite store does, so both answer byte-identical lists.
      return rows.map((r) => [...r.keys].sort()).sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1));
    },
  };
}

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
