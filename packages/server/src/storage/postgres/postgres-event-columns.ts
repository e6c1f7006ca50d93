/**
 * Packed per-day columns of the events for PostgreSQL analytics (migration 39): for each UTC day, every event's
 * name index, profile number, time and seq as four arrays (`event_columns`), so a funnel reads a day in one row
 * instead of ~16,000. The SQLite store's `event_columns` (migration 42) is the model; the difference is that
 * several PostgreSQL writers commit at once, so a day is packed by the reader, not by a single writer.
 *
 * How a pack stays exact under concurrent writers:
 * - Statement triggers on `events` (insert, update of profile/time/name, delete) add a row to
 *   `event_column_marks` for each day the statement touched, in the writer's own transaction: append-only,
 *   no unique key, so no writer ever waits on another or on a repack.
 * - A day is fresh in a snapshot when that snapshot sees no mark for it; its pack (if any) is then exactly the
 *   day's events (no pack: no events). A stale day is read from `events`, as before migration 39.
 * - `repackDay` holds a session advisory lock on the day (other repackers skip it), then, in one REPEATABLE READ
 *   snapshot taken after the lock, deletes the marks it sees and writes the pack of the events it sees. A writer
 *   whose transaction that snapshot does not see left its mark behind, so the day is stale again until the next
 *   repack. Why the lock first: a second repacker with an older snapshot could otherwise overwrite a newer pack
 *   and consume no mark.
 * - Profiles are numbered once (`event_profile_numbers`, only ever added to) so a pack holds 4-byte numbers and
 *   the reader keeps the ids between questions. A pack keeps the profile each event was written or replayed to;
 *   the reader follows `profiles.merged_into` at query time, as for rows (merges, undos and splits update
 *   `events.profile_id` and so mark the day).
 */
import type pg from 'pg';
import { setStatementTimeout } from './postgres-client-transaction.ts';

/** Milliseconds of a day: packs are per UTC day. */
export const PACK_DAY_MS = 86_400_000;

const DAY_OF = (column: string) => `floor(extract(epoch from ${column}) / 86400)::integer`;

/** Migration 39: the packed columns, their marks, the profile numbers and the triggers that mark. */
export const POSTGRES_EVENT_COLUMNS_MIGRATION = {
  version: 39,
  name: 'analytics: packed per-day event columns',
  sql: `
    CREATE TABLE event_columns (
      day integer NOT NULL,
      part integer NOT NULL,
      events integer NOT NULL,
      names text[] COLLATE "C" NOT NULL,
      name bytea NOT NULL,
      profile bytea NOT NULL,
      at bytea NOT NULL,
      seq bytea NOT NULL,
      PRIMARY KEY (day, part)
    );
    -- Read whole on every question: compressing would cost the reader's CPU for little disk.
    ALTER TABLE event_columns ALTER name SET STORAGE EXTERNAL, ALTER profile SET STORAGE EXTERNAL,
      ALTER at SET STORAGE EXTERNAL, ALTER seq SET STORAGE EXTERNAL;
    CREATE TABLE event_column_marks (day integer NOT NULL);
    CREATE INDEX event_column_marks_day ON event_column_marks (day);
    CREATE TABLE event_profile_numbers (
      n integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text COLLATE "C" NOT NULL UNIQUE
    );
    CREATE FUNCTION kin_mark_event_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO event_column_marks (day) SELECT DISTINCT ${DAY_OF('timestamp')} FROM kin_new_events;
      ELSIF TG_OP = 'DELETE' THEN
        -- A deleted event's time, name and profile number go with it (privacy), not at the next repack (a repack
        -- of the day running meanwhile may write a pack with it, which the mark leaves unread until repacked).
        INSERT INTO event_column_marks (day) SELECT DISTINCT ${DAY_OF('timestamp')} FROM kin_old_events;
        DELETE FROM event_columns WHERE day IN (SELECT ${DAY_OF('timestamp')} FROM kin_old_events);
      ELSE
        INSERT INTO event_column_marks (day)
        SELECT DISTINCT d FROM kin_old_events o JOIN kin_new_events n ON n.seq = o.seq,
          LATERAL (VALUES (${DAY_OF('o.timestamp')}), (${DAY_OF('n.timestamp')})) AS v(d)
        WHERE o.profile_id IS DISTINCT FROM n.profile_id OR o.timestamp <> n.timestamp
          OR o.type <> n.type OR o.event IS DISTINCT FROM n.event;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER events_mark_insert AFTER INSERT ON events REFERENCING NEW TABLE AS kin_new_events
      FOR EACH STATEMENT EXECUTE FUNCTION kin_mark_event_days();
    CREATE TRIGGER events_mark_update AFTER UPDATE ON events REFERENCING OLD TABLE AS kin_old_events NEW TABLE AS kin_new_events
      FOR EACH STATEMENT EXECUTE FUNCTION kin_mark_event_days();
    CREATE TRIGGER events_mark_delete AFTER DELETE ON events REFERENCING OLD TABLE AS kin_old_events
      FOR EACH STATEMENT EXECUTE FUNCTION kin_mark_event_days();
    CREATE FUNCTION kin_forget_event_columns() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM event_columns;
      DELETE FROM event_column_marks;
      RETURN NULL;
    END $$;
    CREATE TRIGGER events_forget_columns AFTER TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION kin_forget_event_columns();
    -- The events written before this migration: every day that has any is stale until packed.
    INSERT INTO event_column_marks (day) SELECT DISTINCT ${DAY_OF('timestamp')} FROM events;
  `,
};

/** Key of the session advisory locks a repack holds on its day (with the day as the second key). */
export const REPACK_LOCK_KEY = 0x4b694543; // 'KiEC'

/** Numbers the day's profiles that have no number yet (its own short transaction: numbers are never taken back). */
const NUMBER_PROFILES = `
  INSERT INTO event_profile_numbers (id)
  SELECT DISTINCT e.profile_id FROM events e
  WHERE e.timestamp >= $1 AND e.timestamp < $2 AND e.profile_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM event_profile_numbers p WHERE p.id = e.profile_id)
  ON CONFLICT (id) DO NOTHING`;

/** Events per part of a day's pack. */
export const PACK_PART = 1024;

/**
 * Packs the day ($1; its bounds $2, $3) in parts of PACK_PART events, after the day's old parts are deleted. No row
 * comes back when an event's profile has no number yet (numbered by a writer after NUMBER_PROFILES ran): the caller
 * rolls back and tries again. Each array is `array_send`'s binary form, so the reader takes the values out of the
 * bytes without parsing text. Why parts: each value the driver hands over stays below V8's large-object size
 * (a day's 16,000 events in one value made every question's strings and buffers old-generation garbage, and a
 * process with a large heap paid full collections for them).
 */
const PACK_DAY = `
  WITH e AS MATERIALIZED (
    SELECT coalesce(e.event, e.type) AS name, e.profile_id, e.seq::float8 AS seq,
      (extract(epoch from e.timestamp) * 1000)::float8 AS at, (row_number() OVER () - 1) / ${PACK_PART} AS part
    FROM events e WHERE e.timestamp >= $2 AND e.timestamp < $3),
  n AS (SELECT name, (row_number() OVER (ORDER BY name) - 1)::integer AS i FROM (SELECT DISTINCT name FROM e) d),
  r AS (SELECT r.part, n.i, p.n AS pn, r.profile_id, r.seq, r.at FROM e r JOIN n ON n.name = r.name
        LEFT JOIN event_profile_numbers p ON p.id = r.profile_id)
  INSERT INTO event_columns (day, part, events, names, name, profile, at, seq)
  SELECT $1, r.part, count(*), (SELECT array_agg(name ORDER BY i) FROM n),
    array_send(array_agg(r.i)), array_send(array_agg(coalesce(r.pn, -1))), array_send(array_agg(r.at)), array_send(array_agg(r.seq))
  FROM r
  WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.profile_id IS NOT NULL AND r.pn IS NULL)
  GROUP BY r.part
  RETURNING day`;

/** Whether some event of the day has a profile without a number (why PACK_DAY wrote nothing for a day with events). */
const UNNUMBERED = `
  SELECT EXISTS (SELECT 1 FROM events e WHERE e.timestamp >= $1 AND e.timestamp < $2 AND e.profile_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM event_profile_numbers p WHERE p.id = e.profile_id)) AS missing`;

/** The stale days in [fromDay, toDay] (those with marks), oldest first. */
export async function staleDays(pool: pg.Pool | pg.PoolClient, fromDay: number, toDay: number): Promise<number[]> {
  const { rows } = await pool.query<[number]>({
    text: 'SELECT DISTINCT day FROM event_column_marks WHERE day >= $1 AND day <= $2 ORDER BY day',
    values: [fromDay, toDay],
    rowMode: 'array',
  });
  return rows.map((r) => r[0]);
}

/**
 * Packs one day (see the file comment); answers whether it did (false: another repacker holds the day, writers
 * kept numbering new profiles of it, or the pack ran past `deadline`). Never waits on a writer: it reads `events` and deletes only marks.
 */
export async function repackDay(pool: pg.Pool, day: number, deadline: number): Promise<boolean> {
  const client = await pool.connect();
  let broken = false;
  try {
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [REPACK_LOCK_KEY, day]);
    if (locked.rows[0]?.ok !== true) return false;
    try {
      const bounds = [new Date(day * PACK_DAY_MS), new Date((day + 1) * PACK_DAY_MS)];
      for (let attempt = 0; attempt < 3; attempt++) {
        await client.query(NUMBER_PROFILES, bounds);
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        try {
          await setStatementTimeout(client, deadline);
          await client.query('DELETE FROM event_column_marks WHERE day = $1', [day]);
          await client.query('DELETE FROM event_columns WHERE day = $1', [day]);
          const packed = await client.query(PACK_DAY, [day, ...bounds]);
          const missing = packed.rowCount === 0 && (await client.query<{ missing: boolean }>(UNNUMBERED, bounds)).rows[0]?.missing === true;
          await client.query(missing ? 'ROLLBACK' : 'COMMIT');
          if (!missing) return true;
        } catch (error) {
          await client.query('ROLLBACK');
          // Out of the time given to packing, or a delete of events removed this day's packs while the repack ran
          // (a serialization failure): the day stays stale, and the scan reads its rows.
          const code = (error as { code?: string }).code;
          if (code === '57014' || code === '40001') return false;
          throw error;
        }
      }
      return false;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [REPACK_LOCK_KEY, day]);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
