/**
 * The computed-trait and audience port of the SQLite store (see audience-store.ts). Writes share the store's
 * write queue, so they never slip into an open transaction; reads use the read connection.
 */
import type Database from 'better-sqlite3';
import DatabaseFile from 'better-sqlite3';
import type { TrackingEvent } from '@kin/core';
import type { AudienceStore, ProfileComputedState, RecomputeMark, SeqEvent } from '../audience-store.ts';
import { definitionOf } from '../audience-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { SqliteLeases } from './sqlite-lease.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';
import { createTailIndex } from './sqlite-tail-index.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** The profile ids of a batch, given as one JSON array parameter. */
const EACH = '(SELECT value FROM json_each(?))';

/** The definitions (SQLite migration 17): small and rarely written, kept with the data they describe. */
export const SQLITE_AUDIENCE_MIGRATION_SQL = `
  CREATE TABLE computed_definitions (
    kind TEXT NOT NULL, key TEXT NOT NULL, definition TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
`;

/**
 * Recompute marks (SQLite migration 24): profiles whose events changed without a new event of theirs in the
 * feed. In the main file, because they commit with the change that makes them; one row per profile, and
 * `INSERT OR REPLACE` gives a marked-again profile a new id (see `RecomputeMark`).
 */
export const SQLITE_RECOMPUTE_MARKS_MIGRATION = {
  version: 24,
  name: 'computed traits: recompute marks of identity changes without events',
  sql: `CREATE TABLE recompute_marks (id INTEGER PRIMARY KEY AUTOINCREMENT, profile_id TEXT NOT NULL UNIQUE);`,
};

/** Marks profiles for recompute on `connection` (inside the caller's transaction). */
export function insertRecomputeMarks(connection: Database.Database, profileIds: Iterable<string>): void {
  const insert = stmt(connection, 'INSERT OR REPLACE INTO recompute_marks (profile_id) VALUES (?)');
  for (const id of profileIds) insert.run(id);
}

/** Each profile's values, memberships and next check: in the state file (see `createSqliteAudiences`). */
const STATE_TABLES_SQL = `
  CREATE TABLE IF NOT EXISTS computed_values (profile_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (profile_id, key)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audience_members (
    audience_key TEXT NOT NULL, profile_id TEXT NOT NULL, entered_at TEXT NOT NULL, PRIMARY KEY (audience_key, profile_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS audience_members_profile ON audience_members(profile_id);
  CREATE TABLE IF NOT EXISTS computed_schedule (profile_id TEXT PRIMARY KEY, next_check_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS computed_schedule_due ON computed_schedule(next_check_at);
  CREATE TABLE IF NOT EXISTS evaluator_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
`;

/** The file beside the database that holds the per-profile state (`kin.db` -> `kin.db-computed`). */
export function computedStatePath(path: string): string {
  return `${path}-computed`;
}

/**
 * Creates the port over the store's connections. Why the per-profile state lives in a file of its own
 * (`computedStatePath`, opened on first use): the evaluator rewrites it several times a second, and every
 * commit to the main file by a second connection makes the writer thread drop its identity-graph cache and
 * wait for the lock. The state is derived (a backfill rebuilds it), so the file syncs with NORMAL. An
 * in-memory store keeps the state in its own database.
 */
export function createSqliteAudiences(options: {
  db: Database.Database;
  read: () => Database.Database;
  queue: WriteQueue;
  path: string;
  leases: SqliteLeases;
}): AudienceStore & { close(): void } {
  const { db, read, queue } = options;
  const tail = createTailIndex();
  const write = <T>(fn: () => T): Promise<T> => queue.run(() => inTransaction(db, fn));
  let side: Database.Database | undefined;
  const state = (): Database.Database => {
    if (side) return side;
    const opened = options.path === ':memory:' ? db : new DatabaseFile(computedStatePath(options.path));
    if (opened !== db) {
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = NORMAL');
      opened.pragma('busy_timeout = 10000');
    }
    opened.exec(STATE_TABLES_SQL);
    side = opened;
    return opened;
  };
  /** A write to the state; on the main connection (in memory) through its queue, never inside an open transaction. */
  const writeState = async <T>(fn: (s: Database.Database) => T): Promise<T> => {
    const s = state();
    const run = (): T => inTransaction(s, () => fn(s));
    return s === db ? queue.run(run) : run();
  };
  return {
    saveDefinition: (async (kind: string, definition: { key: string }, createdAt: string) =>
      write(
        () =>
          stmt(
            db,
            "INSERT INTO computed_definitions (kind, key, definition, status, progress, created_at) VALUES (?, ?, ?, 'backfilling', 0, ?) ON CONFLICT DO NOTHING",
          ).run(kind, definition.key, JSON.stringify(definition), createdAt).changes === 1,
      )) as AudienceStore['saveDefinition'],

    listDefinitions: (async (kind: string) =>
      (stmt(read(), 'SELECT * FROM computed_definitions WHERE kind = ? ORDER BY key').all(kind) as Row[]).map(
        definitionOf,
      )) as AudienceStore['listDefinitions'],

    async deleteDefinition(kind, key) {
      const gone = await write(() => stmt(db, 'DELETE FROM computed_definitions WHERE kind = ? AND key = ?').run(kind, key).changes === 1);
      await writeState((s) =>
        stmt(s, kind === 'trait' ? 'DELETE FROM computed_values WHERE key = ?' : 'DELETE FROM audience_members WHERE audience_key = ?').run(
          key,
        ),
      );
      return gone;
    },

    async setStatus(kind, keys, status, progress) {
      await write(() => {
        const update = stmt(db, 'UPDATE computed_definitions SET status = ?, progress = ? WHERE kind = ? AND key = ?');
        for (const key of keys) update.run(status, progress, kind, key);
      });
    },

    async readStates(profileIds) {
      const states = new Map<string, ProfileComputedState>(profileIds.map((id) => [id, { values: {}, audiences: {}, nextCheckAt: null }]));
      // One statement per table for the whole batch (the evaluator reads hundreds of profiles a turn).
      const s = state();
      const ids = JSON.stringify([...states.keys()]);
      const of = (row: Row): ProfileComputedState => states.get(row.profile_id as string)!;
      for (const row of stmt(s, `SELECT profile_id, next_check_at FROM computed_schedule WHERE profile_id IN ${EACH}`).all(ids) as Row[])
        of(row).nextCheckAt = row.next_check_at as string;
      for (const row of stmt(s, `SELECT profile_id, key, value FROM computed_values WHERE profile_id IN ${EACH}`).all(ids) as Row[])
        of(row).values[row.key as string] = JSON.parse(row.value as string);
      for (const row of stmt(s, `SELECT profile_id, audience_key, entered_at FROM audience_members WHERE profile_id IN ${EACH}`).all(
        ids,
      ) as Row[])
        of(row).audiences[row.audience_key as string] = row.entered_at as string;
      return states;
    },

    async writeStates(writes, removed) {
      await writeState((s) => {
        const forget = [
          stmt(s, 'DELETE FROM computed_values WHERE profile_id = ?'),
          stmt(s, 'DELETE FROM audience_members WHERE profile_id = ?'),
          stmt(s, 'DELETE FROM computed_schedule WHERE profile_id = ?'),
        ];
        const value = stmt(
          s,
          'INSERT INTO computed_values (profile_id, key, value) VALUES (?, ?, ?) ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value',
        );
        const member = stmt(
          s,
          'INSERT INTO audience_members (audience_key, profile_id, entered_at) VALUES (?, ?, ?) ON CONFLICT (audience_key, profile_id) DO UPDATE SET entered_at = excluded.entered_at',
        );
        const schedule = stmt(s, 'INSERT INTO computed_schedule (profile_id, next_check_at) VALUES (?, ?)');
        const dropValue = stmt(s, 'DELETE FROM computed_values WHERE profile_id = ? AND key = ?');
        const dropMember = stmt(s, 'DELETE FROM audience_members WHERE audience_key = ? AND profile_id = ?');
        for (const id of removed) for (const statement of forget) statement.run(id);
        for (const { profileId, state, nextCheckAt, before } of writes) {
          // Without the stored state: replace everything; with it, only the rows that differ (most recomputes
          // change a few of the values).
          if (!before) for (const statement of forget) statement.run(profileId);
          const old = before ?? { values: {}, audiences: {}, nextCheckAt: null };
          for (const [key, v] of Object.entries(state.values)) {
            const text = JSON.stringify(v);
            if (!Object.hasOwn(old.values, key) || JSON.stringify(old.values[key]) !== text) value.run(profileId, key, text);
          }
          for (const key of Object.keys(old.values)) if (!Object.hasOwn(state.values, key)) dropValue.run(profileId, key);
          for (const [key, at] of Object.entries(state.audiences)) if (old.audiences[key] !== at) member.run(key, profileId, at);
          for (const key of Object.keys(old.audiences)) if (!Object.hasOwn(state.audiences, key)) dropMember.run(key, profileId);
          if (before && (before.nextCheckAt ?? null) === nextCheckAt) continue;
          if (before) forget[2]!.run(profileId);
          if (nextCheckAt !== null) schedule.run(profileId, nextCheckAt);
        }
      });
    },

    async dueProfiles(now, limit) {
      return (
        stmt(state(), 'SELECT profile_id FROM computed_schedule WHERE next_check_at <= ? ORDER BY next_check_at LIMIT ?').all(
          now,
          limit,
        ) as Row[]
      ).map((r) => r.profile_id as string);
    },

    async listMembers(key, query) {
      const after = cursorKey('members', query.cursor)?.[0] ?? '';
      const rows = stmt(
        state(),
        'SELECT profile_id, entered_at FROM audience_members WHERE audience_key = ? AND profile_id > ? ORDER BY profile_id LIMIT ?',
      ).all(key, after, query.limit + 1) as Row[];
      return pageOf(
        'members',
        rows,
        query.limit,
        (r) => ({ id: r.profile_id as string, enteredAt: r.entered_at as string }),
        (r) => [r.profile_id as string],
      );
    },

    async countMembers(key) {
      return (stmt(state(), 'SELECT count(*) AS n FROM audience_members WHERE audience_key = ?').get(key) as Row).n as number;
    },

    async eventsAfter(seq, limit, names) {
      const list = names ? JSON.stringify([...names]) : null;
      // Why the names in SQL: most payloads of a feed page are of events no definition reads (pages, identifies,
      // the evaluator's own audience events); left in the table they cost no string and no garbage.
      return (
        stmt(
          read(),
          'SELECT seq, profile_id, event, message_id, CASE WHEN ? IS NULL OR event IN (SELECT value FROM json_each(?)) THEN payload END AS payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
        ).all(list, list, seq, limit) as Row[]
      ).map((r) => ({
        seq: r.seq as number,
        profileId: (r.profile_id as string | null) ?? null,
        event: (r.event as string | null) ?? null,
        messageId: r.message_id as string,
        payload: r.payload,
      }));
    },

    async eventsOfProfiles(groups, names, held) {
      const liveOf = new Map<string, string>();
      for (const [live, ids] of groups) for (const id of ids) liveOf.set(id, live);
      const out = new Map<string, SeqEvent[]>([...groups.keys()].map((id) => [id, []]));
      const r = read();
      // One read transaction: each entry is either in the tail (past `through_seq`) or in `timeline`.
      const rows = inTransaction(r, () => {
        const owner = new Map<number, string>();
        for (const [seq, id] of tail.entries(r, liveOf)) owner.set(seq, liveOf.get(id)!);
        const ids = JSON.stringify([...liveOf.keys()]);
        for (const row of stmt(r, 'SELECT seq, profile_id FROM timeline WHERE profile_id IN (SELECT value FROM json_each(?))').all(
          ids,
        ) as Row[]) {
          owner.set(row.seq as number, liveOf.get(row.profile_id as string)!);
        }
        for (const [seq, live] of owner) {
          const event = held?.get(seq);
          if (event && (!names || names.has(event.event ?? ''))) out.get(live)!.push({ seq, event });
        }
        // Only the payloads of events of the names asked for, and not held already, are read and parsed.
        const list = names ? JSON.stringify([...names]) : null;
        const read = stmt(
          r,
          'SELECT seq, payload FROM events WHERE seq IN (SELECT value FROM json_each(?)) AND (? IS NULL OR event IN (SELECT value FROM json_each(?)))',
        ).all(JSON.stringify(held ? [...owner.keys()].filter((seq) => !held.has(seq)) : [...owner.keys()]), list, list) as Row[];
        return read.map((row) => ({ row, live: owner.get(row.seq as number)! }));
      });
      for (const { row, live } of rows)
        out.get(live)!.push({ seq: row.seq as number, event: JSON.parse(row.payload as string) as TrackingEvent });
      return out;
    },

    async lastEventSeq() {
      return ((stmt(read(), 'SELECT max(seq) AS n FROM events').get() as Row).n as number | null) ?? 0;
    },

    async recomputeMarks(limit) {
      return (stmt(read(), 'SELECT id, profile_id FROM recompute_marks ORDER BY id LIMIT ?').all(limit) as Row[]).map(
        (r): RecomputeMark => ({ id: r.id as number, profileId: r.profile_id as string }),
      );
    },

    async clearRecomputeMarks(ids) {
      if (ids.length === 0) return;
      await write(() => stmt(db, 'DELETE FROM recompute_marks WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids)));
    },

    evaluatorLease: () => options.leases.lease('audience-evaluator'),

    async readFeedCursor() {
      return (stmt(state(), 'SELECT seq FROM evaluator_cursor WHERE id = 1').pluck().get() as number | undefined) ?? undefined;
    },

    async writeFeedCursor(seq) {
      await writeState((s) =>
        stmt(s, 'INSERT INTO evaluator_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq').run(seq),
      );
    },

    close() {
      if (side && side !== db) side.close();
      side = undefined;
    },
  };
}

const transactions = new WeakMap<Database.Database, (fn: () => unknown) => unknown>();

/** Runs `fn` in a transaction of `connection`, with a transaction function made once per connection (each new one prepares its statements). */
function inTransaction<T>(connection: Database.Database, fn: () => T): T {
  let run = transactions.get(connection);
  if (!run) transactions.set(connection, (run = connection.transaction((f: () => unknown) => f())));
  return run(fn) as T;
}
