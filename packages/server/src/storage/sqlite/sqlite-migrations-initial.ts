/**
 * Migration 1 of the SQLite schema: the tables every later migration builds on (see the shapes explained
 * in sqlite-migrations.ts). Kept in its own file because it is the largest single migration; the list in
 * sqlite-migrations.ts runs it first. Never edit it: add the next one.
 */

/** Migration 1: the initial schema. */
export const SQLITE_INITIAL_MIGRATION = {
  version: 1,
  name: 'initial',
  sql: `
      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        write_key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE UNIQUE INDEX sources_active_name ON sources(name) WHERE revoked_at IS NULL;

      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        merged_into TEXT,
        merge_count INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX profiles_merged_into ON profiles(merged_into) WHERE merged_into IS NOT NULL;

      CREATE TABLE identifiers (
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (type, value)
      ) WITHOUT ROWID;
      CREATE INDEX identifiers_profile ON identifiers(profile_id);

      CREATE TABLE traits (
        profile_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT,
        ts TEXT NOT NULL,
        source_id TEXT NOT NULL,
        PRIMARY KEY (profile_id, key)
      ) WITHOUT ROWID;

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        profile_id TEXT,
        type TEXT NOT NULL,
        event TEXT,
        timestamp TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX events_profile_time ON events(profile_id, timestamp, seq);

      CREATE TABLE message_ids (
        h INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE TABLE message_id_overflow (
        source_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (source_id, message_id)
      ) WITHOUT ROWID;

      CREATE TABLE merges (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        survivor_id TEXT NOT NULL,
        absorbed_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        via TEXT NOT NULL,
        message_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX merges_survivor ON merges(survivor_id);
      CREATE INDEX merges_absorbed ON merges(absorbed_id);

      CREATE TABLE warnings (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        code TEXT,
        field TEXT,
        message TEXT NOT NULL,
        source_id TEXT,
        message_id TEXT,
        profile_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX warnings_kind ON warnings(kind, seq);
    `,
};
