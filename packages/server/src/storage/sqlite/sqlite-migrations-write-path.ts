/**
 * The SQLite migrations that moved per-event index writes off the writer's hot path: message ids (8) and the
 * timeline (9) written in bulk in key order, and counters per source and minute (10). Split from sqlite-migrations.ts, which lists them in order.
 * Never edit a shipped migration: add the next one.
 */

/** Migration 8: message ids written in bulk. */
export const SQLITE_MESSAGE_IDS_BULK_MIGRATION = {
  version: 8,
  name: 'message ids written in bulk',
  // Why: claims wait in memory and reach message_ids in key order (see sqlite-message-ids.ts); through_seq
  // says up to which event message_ids is complete, so the rest is read back from the events table.
  sql: `
      CREATE TABLE message_id_flush (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL);
      INSERT INTO message_id_flush (id, through_seq) SELECT 1, coalesce(max(seq), 0) FROM events;
    `,
};

/** Migration 9: the timeline written in bulk. */
export const SQLITE_TIMELINE_BULK_MIGRATION = {
  version: 9,
  name: 'timeline written in bulk',
  // Why: the index events(profile_id, timestamp, seq) took one page at a random place per new event; entries
  // now wait in timeline_tail (appended) and reach timeline in key order (see sqlite-timeline.ts).
  sql: `
      CREATE TABLE timeline (
        profile_id TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (profile_id, timestamp, seq)
      ) WITHOUT ROWID;
      CREATE TABLE timeline_tail (seq INTEGER PRIMARY KEY, profile_id TEXT NOT NULL, timestamp TEXT NOT NULL);
      CREATE TABLE timeline_flush (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL);
      INSERT INTO timeline (profile_id, timestamp, seq) SELECT profile_id, timestamp, seq FROM events WHERE profile_id IS NOT NULL ORDER BY 1, 2, 3;
      INSERT INTO timeline_flush (id, through_seq) SELECT 1, coalesce(max(seq), 0) FROM events;
      DROP INDEX events_profile_time;
    `,
};

/** Migration 10: events per source and minute. */
export const SQLITE_SOURCE_MINUTES_MIGRATION = {
  version: 10,
  name: 'events per source and minute',
  // Why: the index events(source_id, received_at) cost 2.7 µs per event on the writer (measured) for two
  // dashboard queries; counters per source and minute are written once per transaction instead.
  sql: `
      CREATE TABLE source_minutes (
        source_id TEXT NOT NULL,
        minute INTEGER NOT NULL,
        events INTEGER NOT NULL,
        last_at TEXT NOT NULL,
        PRIMARY KEY (source_id, minute)
      ) WITHOUT ROWID;
      INSERT INTO source_minutes (source_id, minute, events, last_at)
        SELECT source_id, CAST(strftime('%s', received_at) AS INTEGER) / 60, count(*), max(received_at)
        FROM events WHERE received_at IS NOT NULL GROUP BY 1, 2;
      DROP INDEX events_source_received;
    `,
};
