/**
 * The computed-trait and audience port of the PostgreSQL store (see audience-store.ts). Times are kept as
 * ISO text (`COLLATE "C"`), so both stores order and answer them byte for byte alike.
 */
import type { Pool } from 'pg';
import type { TrackingEvent } from '@kin/core';
import type { AudienceStore, ProfileComputedState, RecomputeMark, SeqEvent } from '../audience-store.ts';
import { definitionOf, profilesInFlight } from '../audience-store.ts';
import type { ProfileView } from '../storage.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { createPostgresEvaluatorLease } from './postgres-evaluator-lease.ts';
import type { FeedHorizon } from './postgres-feed-horizon.ts';

type Row = Record<string, unknown>;

/** The tables (PostgreSQL migration 13). */
export const POSTGRES_AUDIENCE_MIGRATION_SQL = `
  CREATE TABLE computed_definitions (
    kind text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, definition jsonb NOT NULL, status text NOT NULL,
    progress double precision NOT NULL, created_at text COLLATE "C" NOT NULL, PRIMARY KEY (kind, key)
  );
  CREATE TABLE computed_values (profile_id text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, value jsonb NOT NULL, PRIMARY KEY (profile_id, key));
  CREATE TABLE audience_members (
    audience_key text COLLATE "C" NOT NULL, profile_id text COLLATE "C" NOT NULL, entered_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (audience_key, profile_id)
  );
  CREATE INDEX audience_members_profile ON audience_members (profile_id);
  CREATE TABLE computed_schedule (profile_id text COLLATE "C" PRIMARY KEY, next_check_at text COLLATE "C" NOT NULL);
  CREATE INDEX computed_schedule_due ON computed_schedule (next_check_at);
`;

/**
 * Recompute marks (PostgreSQL migration 20; see the SQLite store's migration 24): one row per profile; a
 * profile marked again takes a new id, so clearing the marks an evaluator read keeps the newer one.
 */
export const POSTGRES_RECOMPUTE_MARKS_MIGRATION = {
  version: 20,
  name: 'computed traits: recompute marks of identity changes without events',
  sql: `
    CREATE TABLE recompute_marks (id bigserial PRIMARY KEY, profile_id text COLLATE "C" NOT NULL UNIQUE);
    CREATE TABLE evaluator_cursor (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
  `,
};

/** Marks the profiles of `$1` (a sorted text array, so concurrent markers lock rows in one order). */
export const RECOMPUTE_MARKS_STATEMENT = {
  name: 'kin_recompute_marks_v1',
  text: `INSERT INTO recompute_marks (profile_id) SELECT unnest($1::text[])
    ON CONFLICT (profile_id) DO UPDATE SET id = nextval(pg_get_serial_sequence('recompute_marks', 'id'))`,
};

/**
 * Creates the port over the store's pool; `url` is where evaluator leases open their own connection;
 * `findProfile` is the store's profile read (a batch reads several in flight).
 */
export function createPostgresAudiences(
  pool: Pool,
  url: string,
  horizon: FeedHorizon,
  findProfile: (id: string) => Promise<ProfileView | undefined>,
): AudienceStore {
  const inTransaction = async (fn: (q: (text: string, values?: unknown[]) => Promise<Row[]>) => Promise<void>): Promise<void> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await fn(async (text, values) => (await client.query(text, values)).rows as Row[]);
      await client.query('COMMIT');
    } catch (error) {
      broken = await client.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      throw error;
    } finally {
      client.release(broken);
    }
  };
  return {
    // Writers commit in any order: a lower seq may commit after a higher one, so a feed page reads again the
    // last 512 seqs before its position.
    feedOverlap: 512,
    readProfiles: (profileIds) => profilesInFlight(findProfile, profileIds),
    saveDefinition: (async (kind: string, definition: { key: string }, createdAt: string) =>
      (
        await pool.query(
          "INSERT INTO computed_definitions (kind, key, definition, status, progress, created_at) VALUES ($1, $2, $3, 'backfilling', 0, $4) ON CONFLICT DO NOTHING",
          [kind, definition.key, JSON.stringify(definition), createdAt],
        )
      ).rowCount === 1) as AudienceStore['saveDefinition'],

    listDefinitions: (async (kind: string) =>
      (await pool.query('SELECT * FROM computed_definitions WHERE kind = $1 ORDER BY key', [kind])).rows.map(
        definitionOf,
      )) as AudienceStore['listDefinitions'],

    async deleteDefinition(kind, key) {
      let gone = false;
      await inTransaction(async (q) => {
        gone = (await q('DELETE FROM computed_definitions WHERE kind = $1 AND key = $2 RETURNING key', [kind, key])).length === 1;
        if (kind === 'trait') await q('DELETE FROM computed_values WHERE key = $1', [key]);
        else await q('DELETE FROM audience_members WHERE audience_key = $1', [key]);
      });
      return gone;
    },

    async setStatus(kind, keys, status, progress) {
      await pool.query('UPDATE computed_definitions SET status = $1, progress = $2 WHERE kind = $3 AND key = ANY($4::text[])', [
        status,
        progress,
        kind,
        keys,
      ]);
    },

    async readStates(profileIds) {
      const states = new Map<string, ProfileComputedState>(profileIds.map((id) => [id, { values: {}, audiences: {}, nextCheckAt: null }]));
      if (profileIds.length === 0) return states;
      const ids = [...profileIds];
      const [values, members, schedule] = await Promise.all([
        pool.query('SELECT profile_id, key, value FROM computed_values WHERE profile_id = ANY($1::text[])', [ids]),
        pool.query('SELECT profile_id, audience_key, entered_at FROM audience_members WHERE profile_id = ANY($1::text[])', [ids]),
        pool.query('SELECT profile_id, next_check_at FROM computed_schedule WHERE profile_id = ANY($1::text[])', [ids]),
      ]);
      for (const row of schedule.rows as Row[]) {
        const state = states.get(row.profile_id as string);
        if (state) state.nextCheckAt = row.next_check_at as string;
      }
      for (const row of values.rows as Row[]) {
        const state = states.get(row.profile_id as string);
        if (state) state.values[row.key as string] = row.value;
      }
      for (const row of members.rows as Row[]) {
        const state = states.get(row.profile_id as string);
        if (state) state.audiences[row.audience_key as string] = row.entered_at as string;
      }
      return states;
    },

    async writeStates(writes, removed) {
      const ids = [...removed, ...writes.map((w) => w.profileId)];
      if (ids.length === 0) return;
      const values = writes.flatMap((w) => Object.entries(w.state.values).map(([key, value]) => ({ p: w.profileId, k: key, v: value })));
      const members = writes.flatMap((w) => Object.entries(w.state.audiences).map(([key, at]) => ({ p: w.profileId, k: key, at })));
      const schedule = writes.filter((w) => w.nextCheckAt !== null).map((w) => ({ p: w.profileId, at: w.nextCheckAt }));
      await inTransaction(async (q) => {
        await q('DELETE FROM computed_values WHERE profile_id = ANY($1::text[])', [ids]);
        await q('DELETE FROM audience_members WHERE profile_id = ANY($1::text[])', [ids]);
        await q('DELETE FROM computed_schedule WHERE profile_id = ANY($1::text[])', [ids]);
        if (values.length > 0)
          await q(
            'INSERT INTO computed_values (profile_id, key, value) SELECT p, k, v FROM json_to_recordset($1::json) AS x(p text, k text, v jsonb)',
            [JSON.stringify(values)],
          );
        if (members.length > 0) {
          await q(
            'INSERT INTO audience_members (audience_key, profile_id, entered_at) SELECT k, p, at FROM json_to_recordset($1::json) AS x(p text, k text, at text)',
            [JSON.stringify(members)],
          );
        }
        if (schedule.length > 0)
          await q(
            'INSERT INTO computed_schedule (profile_id, next_check_at) SELECT p, at FROM json_to_recordset($1::json) AS x(p text, at text)',
            [JSON.stringify(schedule)],
          );
      });
    },

    async dueProfiles(now, limit) {
      const { rows } = await pool.query(
        'SELECT profile_id FROM computed_schedule WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2',
        [now, limit],
      );
      return (rows as Row[]).map((r) => r.profile_id as string);
    },

    async listMembers(key, query) {
      const after = String(cursorKey('members', query.cursor)?.[0] ?? '');
      const { rows } = await pool.query(
        'SELECT profile_id, entered_at FROM audience_members WHERE audience_key = $1 AND profile_id > $2 ORDER BY profile_id LIMIT $3',
        [key, after, query.limit + 1],
      );
      return pageOf(
        'members',
        rows as Row[],
        query.limit,
        (r) => ({ id: r.profile_id as string, enteredAt: r.entered_at as string }),
        (r) => [r.profile_id as string],
      );
    },

    async countMembers(key) {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM audience_members WHERE audience_key = $1', [key]);
      return (rows[0] as Row).n as number;
    },

    async eventsAfter(seq, limit, names) {
      const bound = await horizon.committed();
      if (bound <= seq) return [];
      // Only the payloads asked for cross the wire and are parsed (see the SQLite adapter).
      const { rows } = await pool.query(
        'SELECT seq, profile_id, event, message_id, CASE WHEN $4::text[] IS NULL OR event = ANY($4::text[]) THEN payload END AS payload FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3',
        [seq, bound, limit, names ? [...names] : null],
      );
      return (rows as Row[]).map((r) => ({
        seq: Number(r.seq),
        profileId: (r.profile_id as string | null) ?? null,
        event: (r.event as string | null) ?? null,
        messageId: r.message_id as string,
        payload: r.payload,
      }));
    },

    async eventsOfProfiles(groups, names) {
      const liveOf = new Map<string, string>();
      for (const [live, ids] of groups) for (const id of ids) liveOf.set(id, live);
      const out = new Map<string, SeqEvent[]>([...groups.keys()].map((id) => [id, []]));
      if (liveOf.size === 0) return out;
      const { rows } = await pool.query(
        'SELECT seq, profile_id, payload FROM events WHERE profile_id = ANY($1::text[]) AND ($2::text[] IS NULL OR event = ANY($2::text[]))',
        [[...liveOf.keys()], names ? [...names] : null],
      );
      for (const row of rows as Row[])
        out.get(liveOf.get(row.profile_id as string)!)!.push({ seq: Number(row.seq), event: row.payload as TrackingEvent });
      return out;
    },

    async lastEventSeq() {
      return horizon.committed();
    },

    async recomputeMarks(limit) {
      const { rows } = await pool.query('SELECT id, profile_id FROM recompute_marks ORDER BY id LIMIT $1', [limit]);
      return (rows as Row[]).map((r): RecomputeMark => ({ id: Number(r.id), profileId: r.profile_id as string }));
    },

    async clearRecomputeMarks(ids) {
      if (ids.length > 0) await pool.query('DELETE FROM recompute_marks WHERE id = ANY($1::bigint[])', [[...ids]]);
    },

    evaluatorLease: () => createPostgresEvaluatorLease(url),

    async readFeedCursor() {
      const { rows } = await pool.query('SELECT seq FROM evaluator_cursor WHERE id = 1');
      return rows[0] === undefined ? undefined : Number((rows[0] as Row).seq);
    },

    async writeFeedCursor(seq) {
      await pool.query('INSERT INTO evaluator_cursor (id, seq) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq', [seq]);
    },
  };
}
