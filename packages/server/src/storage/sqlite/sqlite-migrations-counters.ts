/**
 * SQLite migration 12: the store counters kept by triggers, and warnings folded by subject.
 * Split from sqlite-migrations.ts, which lists it in order. Never edit a shipped migration: add the next one.
 */

import { warningSubjectSql } from '../warning-subject.ts';

/** A warning's subject from its columns, as `warningSubject` builds it. */
const SUBJECT_SQL = warningSubjectSql('char(31)');

/** Migration 12: store counters and aggregated warnings. */
export const SQLITE_COUNTERS_MIGRATION = {
  version: 12,
  name: 'store counters and aggregated warnings',
  // Why counters: the dashboard's totals were COUNT(*) over millions of rows (over a second at 4.5M events,
  // on the HTTP thread). Triggers keep them in the same transaction as every write that changes them, so
  // merges, undo, split, replay and deletes stay exact without code on each path. Events are counted
  // through source_minutes (one upsert per source and minute per transaction, already written for every
  // stored event) instead of a trigger per event row.
  // Why aggregated warnings: a repeated refusal wrote a row per event (2.88M rows for 4.0M events). A
  // warning now has a subject (kind, code, field, source, profile, message); repeats add to its count and
  // move last_seen_at. The existing rows are folded the same way.
  sql: `
      CREATE TABLE warnings_folded (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        code TEXT,
        field TEXT,
        message TEXT NOT NULL,
        source_id TEXT,
        message_id TEXT,
        profile_id TEXT,
        created_at TEXT NOT NULL,
        subject TEXT NOT NULL UNIQUE,
        count INTEGER NOT NULL DEFAULT 1,
        last_seen_at TEXT NOT NULL
      );
      INSERT INTO warnings_folded (seq, kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
        SELECT w.seq, w.kind, w.code, w.field, w.message, w.source_id, w.message_id, w.profile_id, w.created_at, g.subject, g.n, g.last
        FROM (
          SELECT ${SUBJECT_SQL} AS subject, min(seq) AS first, count(*) AS n, max(created_at) AS last FROM warnings GROUP BY 1
        ) AS g JOIN warnings w ON w.seq = g.first;
      DROP TABLE warnings;
      ALTER TABLE warnings_folded RENAME TO warnings;
      CREATE INDEX warnings_kind ON warnings(kind, seq);
      CREATE INDEX warnings_last_seen ON warnings(last_seen_at);

      CREATE TABLE store_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO store_counts (name, n)
        SELECT 'events', count(*) FROM events
        UNION ALL SELECT 'profiles', count(*) FROM profiles WHERE merged_into IS NULL
        UNION ALL SELECT 'external_ids', count(*) FROM identifiers
        UNION ALL SELECT 'merges', count(*) FROM merges
        UNION ALL SELECT 'warnings', coalesce(sum(count), 0) FROM warnings;
      CREATE TRIGGER count_events_minute_new AFTER INSERT ON source_minutes
        BEGIN UPDATE store_counts SET n = n + NEW.events WHERE name = 'events'; END;
      CREATE TRIGGER count_events_minute AFTER UPDATE OF events ON source_minutes
        BEGIN UPDATE store_counts SET n = n + NEW.events - OLD.events WHERE name = 'events'; END;
      CREATE TRIGGER count_profiles_new AFTER INSERT ON profiles WHEN NEW.merged_into IS NULL
        BEGIN UPDATE store_counts SET n = n + 1 WHERE name = 'profiles'; END;
      CREATE TRIGGER count_profiles_forward AFTER UPDATE OF merged_into ON profiles WHEN (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL)
        BEGIN UPDATE store_counts SET n = n + (CASE WHEN NEW.merged_into IS NULL THEN 1 ELSE -1 END) WHERE name = 'profiles'; END;
      CREATE TRIGGER count_profiles_gone AFTER DELETE ON profiles WHEN OLD.merged_into IS NULL
        BEGIN UPDATE store_counts SET n = n - 1 WHERE name = 'profiles'; END;
      CREATE TRIGGER count_identifiers_new AFTER INSERT ON identifiers
        BEGIN UPDATE store_counts SET n = n + 1 WHERE name = 'external_ids'; END;
      CREATE TRIGGER count_identifiers_gone AFTER DELETE ON identifiers
        BEGIN UPDATE store_counts SET n = n - 1 WHERE name = 'external_ids'; END;
      CREATE TRIGGER count_merges_new AFTER INSERT ON merges
        BEGIN UPDATE store_counts SET n = n + 1 WHERE name = 'merges'; END;
      CREATE TRIGGER count_merges_gone AFTER DELETE ON merges
        BEGIN UPDATE store_counts SET n = n - 1 WHERE name = 'merges'; END;
      CREATE TRIGGER count_warnings_new AFTER INSERT ON warnings
        BEGIN UPDATE store_counts SET n = n + NEW.count WHERE name = 'warnings'; END;
      CREATE TRIGGER count_warnings_repeat AFTER UPDATE OF count ON warnings
        BEGIN UPDATE store_counts SET n = n + NEW.count - OLD.count WHERE name = 'warnings'; END;
      CREATE TRIGGER count_warnings_gone AFTER DELETE ON warnings
        BEGIN UPDATE store_counts SET n = n - OLD.count WHERE name = 'warnings'; END;
    `,
};
