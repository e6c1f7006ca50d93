/**
 * Versioned SQLite schema. Each migration runs once, in order, inside a transaction; `schema_migrations`
 * records what ran. Never edit a shipped migration: add the next one.
 *
 * Why these shapes (the write path decides Kin's speed):
 * - `message_ids` is keyed by a 63-bit hash of (source, messageId) as the rowid: the key is 8 bytes
 *   instead of ~40, so the de-duplication b-tree stays dense and mostly cached; the full id is kept
 *   beside it so de-duplication stays exact, and a hash collision falls back to `message_id_overflow`.
 * - `identifiers` and `traits` are WITHOUT ROWID tables clustered on their natural keys (one b-tree each).
 * - A removed trait stays as a row with a NULL value (a tombstone with its time), so an older event or an
 *   older profile folded in by a merge can never bring the value back.
 * - `events` is append-only on an integer rowid; each profile's timeline is the `timeline` table (migration 9).
 */
import { warningSubjectSql } from '../warning-subject.ts';
import { SQLITE_MESSAGING_MIGRATION } from './sqlite-messaging.ts';
import { ENGAGEMENT_SCHEMA_SQL } from '../messaging-engagement-sql.ts';
import { DECISION_STEP_SQL } from '../messaging-step-sql.ts';
import { PERSON_ROW_INDEXES_SQL } from '../person-rows.ts';
import { SQLITE_PRIVACY_MIGRATION } from './sqlite-privacy.ts';
import { SQLITE_ACCESS_MIGRATION } from './sqlite-access.ts';
import { SQLITE_LINK_COUNTERS_MIGRATION, SQLITE_LINKS_MIGRATION } from './sqlite-links.ts';
import { SQLITE_MATCH_INDEX_MIGRATION, SQLITE_MATCH_RECORD_HASH_MIGRATION, SQLITE_MATCH_TOTALS_MIGRATION } from './sqlite-match-index.ts';
import { SQLITE_AUDIENCE_MIGRATION_SQL, SQLITE_RECOMPUTE_MARKS_MIGRATION } from './sqlite-audiences.ts';
import { SQLITE_EVENT_BLOCKS_MIGRATION } from './sqlite-event-blocks.ts';
import { SQLITE_TOMBSTONE_KEYS_MIGRATION } from './sqlite-tombstone-keys.ts';

/** A warning's subject from its columns, as `warningSubject` builds it. */
const SUBJECT_SQL = warningSubjectSql('char(31)');

export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
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
  },
  {
    version: 2,
    name: 'search-and-activity',
    // Why: the dashboard searches identifiers by value across types and traits by value, and shows
    // events per source over time. received_at grows with seq, so its index appends instead of scattering.
    sql: `
      CREATE INDEX identifiers_value ON identifiers(value);
      CREATE INDEX traits_value ON traits(value) WHERE value IS NOT NULL;
      ALTER TABLE events ADD COLUMN received_at TEXT;
      UPDATE events SET received_at = json_extract(payload, '$.receivedAt');
      CREATE INDEX events_source_received ON events(source_id, received_at);
    `,
  },
  {
    version: 3,
    name: 'match-review',
    // Why: probabilistic matching links profiles that share no identifier. Pairs it is unsure about wait
    // in review_items for a person's decision; every merge it makes keeps its probability and per-field
    // evidence in match_links, keyed by the ledger entry's message id.
    sql: `
      CREATE TABLE review_items (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL,
        a_profile TEXT NOT NULL,
        b_profile TEXT NOT NULL,
        probability REAL NOT NULL,
        reason TEXT NOT NULL,
        evidence TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_at TEXT
      );
      CREATE INDEX review_items_status ON review_items(status, seq);
      CREATE INDEX review_items_pair ON review_items(a_profile, b_profile);
      CREATE TABLE match_links (
        message_id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        survivor_id TEXT NOT NULL,
        absorbed_id TEXT NOT NULL,
        probability REAL NOT NULL,
        evidence TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'trustworthy-identity',
    // Why: explain needs how each identifier joined (event and rule) and what was refused; undo needs each
    // merge's sides and the event that created each profile (so a replay gives the old id back); replays
    // need the verification outcome kept with the event (tokens expire, secrets rotate). Do-not-link
    // rules are indexed by member identifier; device/user pairs keep the seq of the event that paired them
    // so a replay counts only what the online run had seen.
    sql: `
      ALTER TABLE identifiers ADD COLUMN link_message_id TEXT;
      ALTER TABLE identifiers ADD COLUMN link_rule TEXT;
      ALTER TABLE identifiers ADD COLUMN linked_at TEXT;
      ALTER TABLE profiles ADD COLUMN created_message_id TEXT;
      ALTER TABLE profiles ADD COLUMN created_source_id TEXT;
      ALTER TABLE events ADD COLUMN unverified TEXT;
      ALTER TABLE merges ADD COLUMN sides TEXT;
      ALTER TABLE merges ADD COLUMN undone_by TEXT;
      ALTER TABLE merges ADD COLUMN rule_id TEXT;

      CREATE TABLE refusals (
        seq INTEGER PRIMARY KEY,
        profile_id TEXT,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        message_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX refusals_profile ON refusals(profile_id, seq);

      CREATE TABLE do_not_link (
        id TEXT PRIMARY KEY,
        sides TEXT NOT NULL,
        reason TEXT NOT NULL,
        ledger_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE do_not_link_members (
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        side INTEGER NOT NULL,
        PRIMARY KEY (type, value, rule_id)
      ) WITHOUT ROWID;
      CREATE INDEX do_not_link_members_rule ON do_not_link_members(rule_id);

      CREATE TABLE tombstones (
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        profile_id TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (type, value)
      ) WITHOUT ROWID;

      CREATE TABLE device_users (
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        user_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (type, value, user_id)
      ) WITHOUT ROWID;

      CREATE TABLE consent (
        profile_id TEXT NOT NULL,
        category TEXT NOT NULL,
        granted INTEGER NOT NULL,
        ts TEXT NOT NULL,
        PRIMARY KEY (profile_id, category)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'search identifiers through the primary key',
    // Why: an index on the value alone took one more random page per new identifier on every commit, for a
    // search that the (type, value) key answers as well once per type (see searchProfiles).
    sql: `DROP INDEX IF EXISTS identifiers_value;`,
  },
  {
    version: 8,
    name: 'message ids written in bulk',
    // Why: claims wait in memory and reach message_ids in key order (see sqlite-message-ids.ts); through_seq
    // says up to which event message_ids is complete, so the rest is read back from the events table.
    sql: `
      CREATE TABLE message_id_flush (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL);
      INSERT INTO message_id_flush (id, through_seq) SELECT 1, coalesce(max(seq), 0) FROM events;
    `,
  },
  {
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
  },
  {
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
  },
  {
    version: 11,
    name: 'name search',
    // Why a partial expression index: the dashboard finds people by a part of their name, case-insensitively
    // (profileIdsByName). Only rows of the name traits enter it, so an event pays for it only when it
    // changes a name. The value is JSON text ('"Farid"'); lower() folds ASCII letters.
    sql: `CREATE INDEX traits_name ON traits(lower(value)) WHERE key IN ('firstName', 'lastName', 'name');`,
  },
  {
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
  },
  {
    version: 13,
    name: 'trait source ranks and history',
    // Why: the policy's traitSources rank a trait's sources before time; the rank is kept with the value
    // (written under the policy of that time) so merges and late events compare without lookups. The
    // history keeps each value a trait received (newest 20 per trait by event time, see TRAIT_HISTORY_KEPT).
    sql: `
      ALTER TABLE traits ADD COLUMN trust INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE trait_history (
        seq INTEGER PRIMARY KEY,
        profile_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT,
        ts TEXT NOT NULL,
        source_id TEXT NOT NULL,
        trust INTEGER NOT NULL
      );
      CREATE INDEX trait_history_key ON trait_history (profile_id, key, ts);
    `,
  },
  {
    version: 14,
    name: 'name search: the words after the first',
    // Why: a full name in one trait (`name` = "Farid Fischer", as CRM files have it) was found by its first word
    // only. This partial index holds what follows the first space of each such `name`, lower-cased.
    sql: `CREATE INDEX traits_name_rest ON traits(lower(substr(value, instr(value, ' ') + 1))) WHERE key = 'name' AND instr(value, ' ') > 0;`,
  },
  SQLITE_PRIVACY_MIGRATION,
  SQLITE_ACCESS_MIGRATION,
  SQLITE_LINKS_MIGRATION,
  { version: 17, name: 'computed traits and audiences', sql: SQLITE_AUDIENCE_MIGRATION_SQL },
  SQLITE_RECOMPUTE_MARKS_MIGRATION,
  SQLITE_MESSAGING_MIGRATION,
  {
    version: 20,
    name: 'analytics: events by name and time, events by time',
    // Why: funnels and attribution read the events of a few names over a time range (docs/analytics.md);
    // paths read every event of a range. Both keys grow with time, so their inserts mostly append.
    sql: `
      CREATE INDEX events_name_time ON events(coalesce(event, type), timestamp, profile_id);
      CREATE INDEX events_time ON events(timestamp);
    `,
  },
  SQLITE_EVENT_BLOCKS_MIGRATION,
  { version: 25, name: 'engagement per profile and channel (best_engagement)', sql: ENGAGEMENT_SCHEMA_SQL },
  SQLITE_TOMBSTONE_KEYS_MIGRATION,
  SQLITE_MATCH_INDEX_MIGRATION,
  SQLITE_LINK_COUNTERS_MIGRATION,
  { version: 30, name: 'decisions by journey step (the step diagram)', sql: DECISION_STEP_SQL },
  SQLITE_MATCH_TOTALS_MIGRATION,
  { version: 31, name: "a person's clicks and deliveries by index (privacy)", sql: PERSON_ROW_INDEXES_SQL },
  SQLITE_MATCH_RECORD_HASH_MIGRATION,
  // Subjects add their migration at the end; they apply in version order.
].sort((x, y) => x.version - y.version);
