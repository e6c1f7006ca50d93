/**
 * The identity-trust operations of the `Store` interface (explain, dry-run snapshot, undo/split/replay,
 * tombstones, do-not-link) on PostgreSQL. Reads are implemented; the graph-rewriting operations are not
 * yet: PostgreSQL has no schema for provenance, refusals, rules or tombstones (the SQLite store's migration
 * 4), so they throw `PostgresUnsupportedError` instead of pretending. No rule or tombstone can exist here,
 * so the lists are honestly empty.
 */
import type { Identifier, IdentitySnapshot } from '@kin/core';
import type { Pool } from 'pg';
import type { MergeRecord, ProfileExplanation, ProfileView, Store, StoreTx } from '../storage.ts';
import type { LockedSnapshotRow } from './postgres-graph-cache.ts';
import { TxGraphCache } from './postgres-graph-cache.ts';

/** An operation the PostgreSQL store does not implement yet. */
export class PostgresUnsupportedError extends Error {
  constructor(operation: string) {
    super(`${operation} is not supported by the PostgreSQL store yet (use SQLite for undo, split, replay and tombstones)`);
    this.name = 'PostgresUnsupportedError';
  }
}

type Row = Record<string, unknown>;
/** Runs one statement (on the pool, or on a transaction's client). */
type Query = (text: string, values: unknown[]) => Promise<{ rows: Row[] }>;

/** A ledger row as the API shows it. */
export function toMerge(row: Row): MergeRecord {
  return {
    id: row.id as string,
    survivorId: row.survivor_id as string,
    absorbedId: row.absorbed_id as string,
    rule: row.rule as string,
    via: row.via as Identifier[],
    messageId: row.message_id as string,
    sourceId: row.source_id as string,
    createdAt: row.created_at as string,
  };
}

/** One ledger entry by id. */
export async function findMerge(query: Query, id: string): Promise<MergeRecord | undefined> {
  const { rows } = await query('SELECT * FROM merges WHERE id = $1', [id]);
  const row = rows[0] as Row | undefined;
  return row ? toMerge(row) : undefined;
}

/** The Store's identity-trust methods, given the store's own profile and ledger reads. */
export function postgresIdentityReads(
  pool: Pool,
  reads: { findProfile(id: string): Promise<ProfileView | undefined>; listProfileMerges(id: string): Promise<MergeRecord[]> },
): Pick<Store, 'readSnapshot' | 'explainProfile' | 'findMerge' | 'listDoNotLink' | 'removeDoNotLink' | 'identifierPartition'> {
  return {
    async readSnapshot(identifiers: Identifier[]): Promise<IdentitySnapshot> {
      if (identifiers.length === 0) return { known: [], profiles: {} };
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
      return cache.snapshot(identifiers);
    },
    async explainProfile(profileId): Promise<ProfileExplanation | undefined> {
      const profile = await reads.findProfile(profileId);
      if (!profile) return undefined;
      return { profile, identifiers: profile.externalIds, merges: await reads.listProfileMerges(profile.id), refusals: [], doNotLink: [], tombstones: [] };
    },
    findMerge: (id) => findMerge((text, values) => pool.query<Row>(text, values), id),
    listDoNotLink: async () => [],
    removeDoNotLink: async () => false,
    async identifierPartition(): Promise<string[][]> {
      const { rows } = await pool.query<{ keys: string[] }>(
        `SELECT array_agg(type || ':' || value ORDER BY type || ':' || value) AS keys FROM identifiers GROUP BY profile_id`,
      );
      // Sorted in JavaScript, as the SQLite store does, so both answer byte-identical lists.
      return rows.map((r) => [...r.keys].sort()).sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1));
    },
  };
}

/** The transaction's identity-trust operations: `findMerge` reads; the rewrites are not supported yet. */
export function postgresIdentityTx(
  query: Query,
): Pick<StoreTx, 'findMerge' | 'detachProfile' | 'resetGraph' | 'listReplayEvents' | 'forwardProfiles' | 'addDoNotLink' | 'recordLedger' | 'markMergesUndone' | 'tombstone'> {
  const unsupported = (operation: string) => () => Promise.reject(new PostgresUnsupportedError(operation));
  return {
    findMerge: (id) => findMerge(query, id),
    detachProfile: unsupported('detachProfile'),
    resetGraph: unsupported('resetGraph'),
    listReplayEvents: unsupported('listReplayEvents'),
    forwardProfiles: unsupported('forwardProfiles'),
    addDoNotLink: unsupported('addDoNotLink'),
    recordLedger: unsupported('recordLedger'),
    markMergesUndone: unsupported('markMergesUndone'),
    tombstone: unsupported('tombstone'),
  };
}
