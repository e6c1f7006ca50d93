/**
 * The identity-trust reads of the `Store` interface on PostgreSQL (same semantics as the SQLite store's):
 * explain, the dry-run snapshot, do-not-link rules and the identifier partition. The transaction's
 * identity-trust writes are in postgres-identity-ops.ts.
 */
import type { Identifier, IdentitySnapshot } from '@kin/core';
import type { Pool } from 'pg';
import type {
  DoNotLinkRecord,
  IdentifierProvenance,
  MergeRecord,
  ProfileExplanation,
  ProfileView,
  RefusalRecord,
  Store,
} from '../storage.ts';
import type { LockedSnapshotRow } from './postgres-graph-cache.ts';
import { TxGraphCache } from './postgres-graph-cache.ts';
import type { TrustRow } from './postgres-trust-cache.ts';
import { readTrustRows, TrustCache } from './postgres-trust-cache.ts';
import { toIdentifierProvenance, toMerge, toRefusalRecord } from '../store-rows.ts';

export type Row = Record<string, unknown>;
/** Runs one statement (on the pool, or on a transaction's client). */
export type Query = (text: string, values: unknown[]) => Promise<{ rows: Row[]; rowCount?: number | null }>;

/** Most refusals explain returns for one profile (newest kept), as the SQLite store. */
const MAX_EXPLAIN_REFUSALS = 1000;

/** One ledger entry by id. */
export async function findMerge(query: Query, id: string): Promise<MergeRecord | undefined> {
  const { rows } = await query('SELECT * FROM merges WHERE id = $1', [id]);
  const row = rows[0] as Row | undefined;
  return row ? toMerge(row) : undefined;
}

/** A do-not-link rule from its row. */
export const toRule = (row: Row): DoNotLinkRecord => ({
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
      const trustRows = await readTrustRows((config) => pool.query<TrustRow>(config), identifiers, held, digest);
      trust.load(identifiers, held, trustRows);
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
