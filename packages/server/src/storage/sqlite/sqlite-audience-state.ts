/**
 * The per-profile state of computed traits and audiences on SQLite (see audience-store.ts): each profile's
 * values, memberships and next check, and the evaluator's feed position. Why in a file of its own beside the
 * database (`computedStatePath`, opened on first use): the evaluator rewrites it several times a second, and
 * every commit to the main file by a second connection makes the writer thread drop its identity-graph cache
 * and wait for the lock. The state is derived (a backfill rebuilds it), so the file syncs with NORMAL. An
 * in-memory store keeps the state in its own database.
 */
import type Database from 'better-sqlite3';
import DatabaseFile from 'better-sqlite3';
import type { AudienceStore, ProfileComputedState } from '../audience-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { EACH, inTransaction } from './sqlite-connection.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';
import { DELETED_TRAITS_SQL, PROFILE_VALUES_SQL, convertValueRows, withoutDeletedTraits } from './sqlite-state-values.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** Each profile's values (sqlite-state-values.ts), memberships and next check: in the state file. */
const STATE_TABLES_SQL = `
  ${PROFILE_VALUES_SQL}
  CREATE TABLE IF NOT EXISTS audience_members (
    audience_key TEXT NOT NULL, profile_id TEXT NOT NULL, entered_at TEXT NOT NULL, PRIMARY KEY (audience_key, profile_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS audience_members_profile ON audience_members(profile_id);
  CREATE TABLE IF NOT EXISTS computed_schedule (profile_id TEXT PRIMARY KEY, next_check_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS computed_schedule_due ON computed_schedule(next_check_at);
  CREATE TABLE IF NOT EXISTS evaluator_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
  ${DELETED_TRAITS_SQL}
`;

/** The file beside the database that holds the per-profile state (`kin.db` -> `kin.db-computed`). */
export function computedStatePath(path: string): string {
  return `${path}-computed`;
}

/** The state methods of the port, and the state file's connection (for a definition's delete). */
export type SqliteAudienceState = Pick<
  AudienceStore,
  'readStates' | 'writeStates' | 'dueProfiles' | 'listMembers' | 'countMembers' | 'readFeedCursor' | 'writeFeedCursor'
> & {
  /** Runs `fn` in a transaction of the state file (see `createAudienceState`). */
  writeState<T>(fn: (s: Database.Database) => T): Promise<T>;
  close(): void;
};

/** Creates the state over the main connection `db` (its write queue) and the database's `path`. */
export function createAudienceState(options: { db: Database.Database; queue: WriteQueue; path: string }): SqliteAudienceState {
  const { db, queue } = options;
  let side: Database.Database | undefined;
  const state = (): Database.Database => {
    if (side) return side;
    const opened = options.path === ':memory:' ? db : new DatabaseFile(computedStatePath(options.path));
    if (opened !== db) {
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = NORMAL');
      opened.pragma('busy_timeout = 10000');
    }
    try {
      opened.exec(STATE_TABLES_SQL);
      convertValueRows(opened);
    } catch (error) {
      // Not kept: the next use opens the file again, so this connection would stay open for nothing.
      if (opened !== db) opened.close();
      throw error;
    }
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
    writeState,
    async readStates(profileIds) {
      const states = new Map<string, ProfileComputedState>(profileIds.map((id) => [id, { values: {}, audiences: {}, nextCheckAt: null }]));
      // One statement per table for the whole batch (the evaluator reads hundreds of profiles a turn).
      const s = state();
      const ids = JSON.stringify([...states.keys()]);
      const of = (row: Row): ProfileComputedState => states.get(row.profile_id as string)!;
      for (const row of stmt(s, `SELECT profile_id, next_check_at FROM computed_schedule WHERE profile_id IN ${EACH}`).all(ids) as Row[])
        of(row).nextCheckAt = row.next_check_at as string;
      for (const row of stmt(s, `SELECT profile_id, vals FROM profile_values WHERE profile_id IN ${EACH}`).all(ids) as Row[])
        of(row).values = JSON.parse(row.vals as string) as Record<string, unknown>;
      for (const row of stmt(s, `SELECT profile_id, audience_key, entered_at FROM audience_members WHERE profile_id IN ${EACH}`).all(
        ids,
      ) as Row[])
        of(row).audiences[row.audience_key as string] = row.entered_at as string;
      return states;
    },

    async writeStates(writes, removed) {
      await writeState((s) => {
        const forget = [
          stmt(s, 'DELETE FROM profile_values WHERE profile_id = ?'),
          stmt(s, 'DELETE FROM audience_members WHERE profile_id = ?'),
          stmt(s, 'DELETE FROM computed_schedule WHERE profile_id = ?'),
        ];
        const values = stmt(
          s,
          'INSERT INTO profile_values (profile_id, vals) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET vals = excluded.vals',
        );
        const member = stmt(
          s,
          'INSERT INTO audience_members (audience_key, profile_id, entered_at) VALUES (?, ?, ?) ON CONFLICT (audience_key, profile_id) DO UPDATE SET entered_at = excluded.entered_at',
        );
        const schedule = stmt(s, 'INSERT INTO computed_schedule (profile_id, next_check_at) VALUES (?, ?)');
        const dropMember = stmt(s, 'DELETE FROM audience_members WHERE audience_key = ? AND profile_id = ?');
        for (const id of removed) for (const statement of forget) statement.run(id);
        const live = withoutDeletedTraits(s);
        for (const { profileId, state: computed, nextCheckAt, before } of writes) {
          const state = live(computed);
          // Without the stored state: replace everything; with it, only what differs (the values' row when one of
          // them changed, the memberships that changed). A text compare may see a change where the keys' order
          // differs only: one more write, never a missed one.
          if (!before) for (const statement of forget) statement.run(profileId);
          const old = before ?? { values: {}, audiences: {}, nextCheckAt: null };
          const text = JSON.stringify(state.values);
          if (text !== JSON.stringify(old.values)) {
            if (text === '{}') forget[0]!.run(profileId);
            else values.run(profileId, text);
          }
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
