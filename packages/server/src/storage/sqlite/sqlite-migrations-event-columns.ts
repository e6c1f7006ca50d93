/**
 * Migration 42: packed event columns per block for analytics and the profile numbers they use (sqlite-event-columns.ts
 * explains them), the triggers
 * that mark a block stale when one of its events changes or goes, and every block already closed marked stale
 * (the store packs them when it opens).
 */
/** Schema (migration 42): the tables, a partial index of the stale blocks, and the triggers that mark them. */
export const SQLITE_EVENT_COLUMNS_MIGRATION = {
  version: 42,
  name: 'analytics: packed event columns per block, kept by triggers',
  sql: `
    CREATE TABLE event_columns (
      first_seq INTEGER PRIMARY KEY,
      last_seq INTEGER NOT NULL,
      names TEXT,
      data BLOB
    );
    CREATE TABLE event_profiles (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE);
    CREATE INDEX event_columns_stale ON event_columns(first_seq) WHERE data IS NULL;
    CREATE TRIGGER event_columns_update AFTER UPDATE OF profile_id, timestamp, type, event ON events
    BEGIN
      UPDATE event_columns SET data = NULL, names = NULL
        WHERE first_seq = (SELECT max(first_seq) FROM event_columns WHERE first_seq <= OLD.seq)
          AND last_seq >= OLD.seq AND data IS NOT NULL;
    END;
    CREATE TRIGGER event_columns_delete AFTER DELETE ON events
    BEGIN
      UPDATE event_columns SET data = NULL, names = NULL
        WHERE first_seq = (SELECT max(first_seq) FROM event_columns WHERE first_seq <= OLD.seq)
          AND last_seq >= OLD.seq AND data IS NOT NULL;
    END;
    INSERT INTO event_columns (first_seq, last_seq)
      SELECT ((seq - 1) / 1024) * 1024 + 1, min(((seq - 1) / 1024) * 1024 + 1024, (SELECT through_seq FROM event_block_flush))
      FROM events WHERE seq <= (SELECT through_seq FROM event_block_flush) GROUP BY (seq - 1) / 1024;
  `,
};
