/**
 * Versioned PostgreSQL schema, and the migrator. Each migration runs once, in order, in its own transaction;
 * `schema_migrations` records what ran. A session-level advisory lock makes processes that start at the
 * same time take turns: the first migrates, the others then find nothing left to do.
 * Never edit a shipped migration: add the next one.
 *
 * Why these shapes (the write path decides Kin's speed; see docs/postgres-storage.md):
 * - Every text key column is `COLLATE "C"`: byte-wise comparison is faster than locale collation and sorts
 *   exactly like SQLite's BINARY, so both adapters list things in the same order.
 * - `identifiers` (type, value) is the lookup of every event; (profile_id) serves snapshots and merges.
 * - A removed trait stays as a row with a NULL value (a tombstone with its time), so an older event or an
 *   older profile folded in by a merge can never bring the value back.
 * - `events` is partitioned by month of the event time; rows outside 2000–2099 land in the default
 *   partition. The primary key must hold the partition key, hence (seq, timestamp). The timeline index
 *   (profile_id, timestamp DESC, seq DESC) answers a profile's newest-first page with one index range.
 * - `message_ids` is keyed by the exact (source_id, message_id) pair; a BRIN index on the claim time keeps
 *   pruning cheap without a second b-tree on the hottest insert path.
 * - `kin_load_snapshot` takes the identity locks and reads the snapshot server-side: one round trip per
 *   event instead of four, and the lock/re-read loop cannot be interleaved with client latency.
 */
import type { Pool, PoolClient } from 'pg';
import { MATCHING_MIGRATION_SQL } from './postgres-matching-store.ts';
import { POSTGRES_PRIVACY_MIGRATION } from './postgres-privacy.ts';
import { POSTGRES_ACCESS_MIGRATION } from './postgres-access.ts';
import { POSTGRES_LINK_COUNTERS_MIGRATION, POSTGRES_LINKS_MIGRATION } from './postgres-links.ts';
import {
  POSTGRES_MATCH_INDEX_MIGRATION,
  POSTGRES_MATCH_RECORD_HASH_MIGRATION,
  POSTGRES_MATCH_TOTALS_MIGRATION,
} from './postgres-match-index.ts';
import { warningSubjectSql } from '../warning-subject.ts';
import { POSTGRES_MESSAGING_MIGRATION } from './postgres-messaging.ts';
import { ENGAGEMENT_SCHEMA_SQL } from '../messaging-engagement-sql.ts';
import { DECISION_STEP_SQL } from '../messaging-step-sql.ts';
import { PERSON_ROW_INDEXES_SQL } from '../person-rows.ts';
import { POSTGRES_AUDIENCE_MIGRATION_SQL, POSTGRES_RECOMPUTE_MARKS_MIGRATION } from './postgres-audiences.ts';
import { POSTGRES_TOMBSTONE_KEYS_MIGRATION } from './postgres-tombstone-keys.ts';

/** A warning's subject from its columns, as `warningSubject` builds it. */
const SUBJECT_SQL = warningSubjectSql('chr(31)');

/** One schema version. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Key of the session advisory lock held while migrating (any constant unique to Kin). */
const MIGRATION_LOCK_KEY = 0x4b696e4d; // 'KinM'

/**
 * Migration 7's counter triggers: per table, the counter, what a row adds (`1` or its `count`), which rows
 * count, and the statements that change the total (UPDATE only where a row can move in or out of the count).
 */
const COUNTED: ReadonlyArray<{ table: string; counter: string; weight: string; filter: string; update: boolean }> = [
  { table: 'events', counter: 'events', weight: '1', filter: 'true', update: false },
  { table: 'profiles', counter: 'profiles', weight: '1', filter: 'merged_into IS NULL', update: true },
  { table: 'identifiers', counter: 'external_ids', weight: '1', filter: 'true', update: false },
  { table: 'merges', counter: 'merges', weight: '1', filter: 'true', update: false },
  { table: 'warnings', counter: 'warnings', weight: 'count', filter: 'true', update: true },
];

const COUNTER_TRIGGERS = COUNTED.flatMap(({ table, counter, weight, filter, update }) => {
  const args = `kin_count_rows('${counter}', '${weight}', '${filter}')`;
  const triggers = [
    `CREATE TRIGGER count_${table}_new AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${args};`,
    `CREATE TRIGGER count_${table}_gone AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${args};`,
  ];
  if (update) {
    triggers.push(
      `CREATE TRIGGER count_${table}_changed AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${args};`,
    );
  }
  return triggers;
}).join('\n');

/** The migrations, oldest first. */
export const POSTGRES_MIGRATIONS: ReadonlyArray<PostgresMigration> = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE sources (
        id text COLLATE "C" PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        write_key_hash text COLLATE "C" NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE UNIQUE INDEX sources_active_name ON sources (name) WHERE revoked_at IS NULL;

      CREATE TABLE profiles (
        id text COLLATE "C" PRIMARY KEY,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        merged_into text COLLATE "C",
        merge_count integer NOT NULL DEFAULT 0
      );
      CREATE INDEX profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;

      CREATE TABLE identifiers (
        type text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        profile_id text COLLATE "C" NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (type, value)
      );
      CREATE INDEX identifiers_profile ON identifiers (profile_id);

      CREATE TABLE traits (
        profile_id text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value jsonb,
        ts timestamptz NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (profile_id, key)
      );

      CREATE TABLE events (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        message_id text COLLATE "C" NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        profile_id text COLLATE "C",
        type text COLLATE "C" NOT NULL,
        event text COLLATE "C",
        timestamp timestamptz NOT NULL,
        payload json NOT NULL,
        PRIMARY KEY (seq, timestamp)
      ) PARTITION BY RANGE (timestamp);
      CREATE TABLE events_default PARTITION OF events DEFAULT;
      CREATE INDEX events_profile_time ON events (profile_id, timestamp DESC, seq DESC);

      CREATE TABLE message_ids (
        source_id text COLLATE "C" NOT NULL,
        message_id text COLLATE "C" NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (source_id, message_id)
      );
      CREATE INDEX message_ids_received ON message_ids USING brin (received_at);

      CREATE TABLE merges (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        survivor_id text COLLATE "C" NOT NULL,
        absorbed_id text COLLATE "C" NOT NULL,
        rule text NOT NULL,
        via json NOT NULL,
        message_id text NOT NULL,
        source_id text NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX merges_survivor ON merges (survivor_id);
      CREATE INDEX merges_absorbed ON merges (absorbed_id);

      CREATE TABLE warnings (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text COLLATE "C" NOT NULL,
        code text,
        field text,
        message text NOT NULL,
        source_id text,
        message_id text,
        profile_id text,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX warnings_kind ON warnings (kind, seq);

      -- Creates the monthly partition of events holding p_month (the first day of a month), unless it exists.
      -- The catalog check is a plain query (a fresh snapshot), and creators take turns on an advisory lock.
      CREATE FUNCTION kin_ensure_events_partition(p_month date) RETURNS void
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        part text := format('events_p%s', to_char(p_month, 'YYYY_MM'));
        exists_sql text := 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                             WHERE c.relname = $1 AND n.nspname = current_schema())';
        found boolean;
      BEGIN
        EXECUTE exists_sql INTO found USING part;
        IF found THEN RETURN; END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('kin:events-partitions', 0));
        EXECUTE exists_sql INTO found USING part;
        IF found THEN RETURN; END IF;
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
          part, (p_month::timestamp AT TIME ZONE 'UTC'), ((p_month + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      END
      $fn$;

      -- The identity snapshot of one event, read under locks so that concurrent writers cannot both decide on
      -- the same identifiers. First the identifiers, in one order (type, then value, byte-wise), then the
      -- profiles they reach (sorted by id); then re-read, because an identifier may have moved to another
      -- profile (a merge) while we waited, and lock the newcomers, until what we read is what we hold.
      -- Why this is enough: every writer of a profile (touch, link, trait, merge on either side) works from a
      -- snapshot taken this way, so it holds that profile's lock; a new profile is only reachable through
      -- identifiers its creator held locked.
      CREATE FUNCTION kin_load_snapshot(p_types text[], p_values text[])
      RETURNS TABLE (profile_id text, created_at timestamptz, merge_count integer, type text, value text, last_seen timestamptz)
      LANGUAGE plpgsql VOLATILE AS $fn$
      #variable_conflict use_column
      DECLARE
        held text[] := '{}';
        reached text[];
        fresh text[];
      BEGIN
        -- A sorted subquery streams its rows in order, so the locks are taken in that order.
        PERFORM pg_advisory_xact_lock(hashtextextended(s.t || ':' || s.v, 0))
        FROM (SELECT DISTINCT u.t COLLATE "C" AS t, u.v COLLATE "C" AS v FROM unnest(p_types, p_values) AS u(t, v) ORDER BY 1, 2) AS s;
        LOOP
          -- Read where the identifiers point now and lock the profiles not held yet (sorted). When none is new,
          -- this read happened entirely under locks we already held: it is stable.
          SELECT r.reached, r.fresh INTO reached, fresh FROM (
            SELECT coalesce(array_agg(DISTINCT x.profile_id ORDER BY x.profile_id), '{}') AS reached,
                   coalesce(array_agg(DISTINCT x.profile_id ORDER BY x.profile_id) FILTER (WHERE x.profile_id <> ALL (held)), '{}') AS fresh
            FROM identifiers x JOIN unnest(p_types, p_values) AS u(t, v) ON x.type = u.t AND x.value = u.v) AS r;
          EXIT WHEN cardinality(fresh) = 0;
          PERFORM pg_advisory_xact_lock(hashtextextended('profile:' || f, 0)) FROM unnest(fresh) AS f;
          held := held || fresh;
        END LOOP;
        RETURN QUERY
          SELECT p.id, p.created_at, p.merge_count, x.type, x.value, x.last_seen
          FROM profiles p JOIN identifiers x ON x.profile_id = p.id
          WHERE p.id = ANY (reached)
          ORDER BY p.id, x.type, x.value;
      END
      $fn$;
    `,
  },
  {
    version: 2,
    name: 'search-and-activity',
    // Why: the dashboard searches identifiers by value across types and traits by value, and shows events
    // per source over time (received_at, which grows with seq, so its index appends).
    sql: `
      CREATE INDEX identifiers_value ON identifiers (value);
      CREATE INDEX traits_value ON traits (value) WHERE value IS NOT NULL;
      ALTER TABLE events ADD COLUMN received_at timestamptz;
      UPDATE events SET received_at = (payload->>'receivedAt')::timestamptz;
      CREATE INDEX events_source_received ON events (source_id, received_at);
    `,
  },
  {
    version: 3,
    name: 'batch-snapshot',
    // Why: a transaction applying a batch locks and reads the identities of the whole batch at once and keeps
    // them in memory (see postgres-graph-cache.ts). It needs first_seen too, to decide touches itself, and a
    // set (not an array scan) of held profiles, because a batch reaches hundreds of them. The locking protocol
    // is the one of kin_load_snapshot (migration 1), which stays for processes still running that version.
    sql: `
      CREATE FUNCTION kin_lock_snapshot(p_types text[], p_values text[])
      RETURNS TABLE (profile_id text, created_at timestamptz, merge_count integer, type text, value text,
                     first_seen timestamptz, last_seen timestamptz)
      LANGUAGE plpgsql VOLATILE AS $fn$
      #variable_conflict use_column
      DECLARE
        held text[] := '{}';
        reached text[];
        fresh text[];
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(s.t || ':' || s.v, 0))
        FROM (SELECT DISTINCT u.t COLLATE "C" AS t, u.v COLLATE "C" AS v FROM unnest(p_types, p_values) AS u(t, v) ORDER BY 1, 2) AS s;
        LOOP
          SELECT coalesce(array_agg(DISTINCT x.profile_id ORDER BY x.profile_id), '{}') INTO reached
          FROM identifiers x JOIN unnest(p_types, p_values) AS u(t, v) ON x.type = u.t AND x.value = u.v;
          SELECT coalesce(array_agg(r ORDER BY r), '{}') INTO fresh
          FROM (SELECT unnest(reached) EXCEPT SELECT unnest(held)) AS f(r);
          EXIT WHEN cardinality(fresh) = 0;
          PERFORM pg_advisory_xact_lock(hashtextextended('profile:' || f, 0)) FROM unnest(fresh) AS f;
          held := held || fresh;
        END LOOP;
        RETURN QUERY
          SELECT p.id, p.created_at, p.merge_count, x.type, x.value, x.first_seen, x.last_seen
          FROM profiles p JOIN identifiers x ON x.profile_id = p.id
          WHERE p.id = ANY (reached)
          ORDER BY p.id, x.type, x.value;
      END
      $fn$;
    `,
  },
  {
    version: 4,
    name: 'match-review',
    // Why: probabilistic matching queues doubtful pairs for a person's decision (review_items) and keeps the
    // probability and evidence of every merge it makes (match_links, keyed by the ledger entry's message id).
    sql: MATCHING_MIGRATION_SQL,
  },
  {
    version: 5,
    name: 'merge-batch',
    // Why: a batch's merges of stored profiles are sent together, in order, in one round trip at the next
    // flush. Each is exactly the per-merge statement (kin_merge_v2): the absorbed identifiers, events and
    // forwards move to the survivor; its traits join the survivor's where they win (see TRAIT_WINS in
    // postgres-writes.ts); one ledger entry.
    sql: `
      CREATE FUNCTION kin_merge_batch(p_merges json) RETURNS void
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        m record;
      BEGIN
        FOR m IN SELECT * FROM json_to_recordset(p_merges) AS r(survivor_id text, absorbed_id text, at timestamptz, id text, rule text,
                                                              via json, message_id text, source_id text) LOOP
          UPDATE identifiers SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          WITH dropped AS (DELETE FROM traits WHERE profile_id = m.absorbed_id RETURNING key, value, ts, source_id)
          INSERT INTO traits (profile_id, key, value, ts, source_id) SELECT m.survivor_id, d.key, d.value, d.ts, d.source_id FROM dropped d
          ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id
            WHERE (excluded.ts, excluded.source_id, coalesce(excluded.value::text, 'null') COLLATE "C") > (traits.ts, traits.source_id, coalesce(traits.value::text, 'null') COLLATE "C");
          UPDATE events SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          UPDATE profiles SET merge_count = merge_count + 1 + coalesce((SELECT merge_count FROM profiles WHERE id = m.absorbed_id), 0),
            updated_at = m.at WHERE id = m.survivor_id;
          UPDATE profiles SET merged_into = m.survivor_id, updated_at = m.at WHERE id = m.absorbed_id OR merged_into = m.absorbed_id;
          INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at)
          VALUES (m.id, m.survivor_id, m.absorbed_id, m.rule, m.via, m.message_id, m.source_id, m.at);
        END LOOP;
      END
      $fn$;
    `,
  },
  {
    version: 6,
    name: 'identity-trust',
    // Why (the SQLite store's migration 4, same semantics): explain needs how each identifier joined (event
    // and rule) and what was refused; undo needs each merge's sides and the event that created each profile
    // (so a replay gives the old id back); replays need the verification outcome kept with the event.
    // Do-not-link rules are indexed by member identifier; device/user pairs keep the seq of the event that
    // paired them so a replay counts only what the online run had seen. kin_merge_batch_v2 is
    // kin_merge_batch plus the merge's sides and consent (most restrictive, or latest); the old function
    // stays for processes still running the previous version.
    sql: `
      ALTER TABLE identifiers ADD COLUMN link_message_id text, ADD COLUMN link_rule text, ADD COLUMN linked_at timestamptz;
      ALTER TABLE profiles ADD COLUMN created_message_id text, ADD COLUMN created_source_id text;
      ALTER TABLE events ADD COLUMN unverified json;
      ALTER TABLE merges ADD COLUMN sides json, ADD COLUMN undone_by text COLLATE "C", ADD COLUMN rule_id text COLLATE "C";

      CREATE TABLE refusals (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        profile_id text COLLATE "C",
        type text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        reason text NOT NULL,
        detail text NOT NULL,
        message_id text NOT NULL,
        source_id text NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX refusals_profile ON refusals (profile_id, seq);

      CREATE TABLE do_not_link (
        id text COLLATE "C" PRIMARY KEY,
        sides json NOT NULL,
        reason text NOT NULL,
        ledger_id text,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE do_not_link_members (
        type text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        rule_id text COLLATE "C" NOT NULL,
        side integer NOT NULL,
        PRIMARY KEY (type, value, rule_id)
      );
      CREATE INDEX do_not_link_members_rule ON do_not_link_members (rule_id);

      CREATE TABLE tombstones (
        type text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        profile_id text COLLATE "C",
        created_at timestamptz NOT NULL,
        PRIMARY KEY (type, value)
      );
      CREATE INDEX tombstones_profile ON tombstones (profile_id);

      CREATE TABLE device_users (
        type text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (type, value, user_id)
      );

      CREATE TABLE consent (
        profile_id text COLLATE "C" NOT NULL,
        category text COLLATE "C" NOT NULL,
        granted boolean NOT NULL,
        ts timestamptz NOT NULL,
        PRIMARY KEY (profile_id, category)
      );

      CREATE FUNCTION kin_merge_batch_v2(p_merges json) RETURNS void
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        m record;
      BEGIN
        FOR m IN SELECT * FROM json_to_recordset(p_merges) AS r(survivor_id text, absorbed_id text, at timestamptz, id text, rule text,
                                                              via json, message_id text, source_id text, sides json, consent text) LOOP
          UPDATE identifiers SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          WITH dropped AS (DELETE FROM traits WHERE profile_id = m.absorbed_id RETURNING key, value, ts, source_id)
          INSERT INTO traits (profile_id, key, value, ts, source_id) SELECT m.survivor_id, d.key, d.value, d.ts, d.source_id FROM dropped d
          ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id
            WHERE (excluded.ts, excluded.source_id, coalesce(excluded.value::text, 'null') COLLATE "C") > (traits.ts, traits.source_id, coalesce(traits.value::text, 'null') COLLATE "C");
          -- Consent per category: the most restrictive value wins (a refusal on either side stays a refusal),
          -- or with 'latest' the value set last (at the same time, a refusal wins).
          WITH dropped AS (DELETE FROM consent WHERE profile_id = m.absorbed_id RETURNING category, granted, ts)
          INSERT INTO consent (profile_id, category, granted, ts) SELECT m.survivor_id, d.category, d.granted, d.ts FROM dropped d
          ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
            WHERE CASE WHEN m.consent = 'latest'
              THEN excluded.ts > consent.ts OR (excluded.ts = consent.ts AND excluded.granted < consent.granted)
              ELSE excluded.granted < consent.granted OR (excluded.granted = consent.granted AND excluded.ts > consent.ts) END;
          UPDATE events SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          UPDATE profiles SET merge_count = merge_count + 1 + coalesce((SELECT merge_count FROM profiles WHERE id = m.absorbed_id), 0),
            updated_at = m.at WHERE id = m.survivor_id;
          UPDATE profiles SET merged_into = m.survivor_id, updated_at = m.at WHERE id = m.absorbed_id OR merged_into = m.absorbed_id;
          INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, sides)
          VALUES (m.id, m.survivor_id, m.absorbed_id, m.rule, m.via, m.message_id, m.source_id, m.at, m.sides);
        END LOOP;
      END
      $fn$;
    `,
  },
  {
    version: 7,
    name: 'name search',
    // Why a partial expression index: the dashboard finds people by a part of their name, case-insensitively
    // (profileIdsByName). Only rows of the name traits enter it, so an event pays for it only when it
    // changes a name; text_pattern_ops lets LIKE 'prefix%' use it.
    sql: `
      CREATE INDEX traits_name ON traits (lower(value #>> '{}') text_pattern_ops) WHERE key IN ('firstName', 'lastName', 'name');
    `,
  },
  {
    version: 8,
    name: 'store counters and aggregated warnings',
    // Why (the SQLite store's migration 12): the dashboard's totals were COUNT(*) over millions of rows, and a
    // repeated refusal wrote one warning row per event. Statement-level triggers with transition tables keep
    // the counters in the writing transaction (one upsert per statement, whatever the number of rows). Each
    // backend adds to its own slot (its pid), so concurrent workers never wait for, or deadlock on, a shared
    // counter row; `pruneWarnings` folds the slots into slot 0 now and then. Warnings get a subject and a
    // count, and the existing rows are folded the same way.
    sql: `
      CREATE TABLE warnings_folded (
        seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind text COLLATE "C" NOT NULL,
        code text,
        field text,
        message text NOT NULL,
        source_id text,
        message_id text,
        profile_id text,
        created_at timestamptz NOT NULL,
        subject text COLLATE "C" NOT NULL UNIQUE,
        count bigint NOT NULL DEFAULT 1,
        last_seen_at timestamptz NOT NULL
      );
      INSERT INTO warnings_folded (seq, kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
        SELECT w.seq, w.kind, w.code, w.field, w.message, w.source_id, w.message_id, w.profile_id, w.created_at, g.subject, g.n, g.last
        FROM (
          SELECT ${SUBJECT_SQL} AS subject, min(seq) AS first, count(*) AS n, max(created_at) AS last FROM warnings GROUP BY 1
        ) AS g JOIN warnings w ON w.seq = g.first;
      SELECT setval(pg_get_serial_sequence('warnings_folded', 'seq'), coalesce((SELECT max(seq) FROM warnings), 0) + 1, false);
      DROP TABLE warnings;
      ALTER TABLE warnings_folded RENAME TO warnings;
      ALTER INDEX warnings_folded_pkey RENAME TO warnings_pkey;
      CREATE INDEX warnings_kind ON warnings (kind, seq);
      CREATE INDEX warnings_last_seen ON warnings (last_seen_at);

      CREATE TABLE store_counts (name text COLLATE "C" NOT NULL, slot integer NOT NULL, n bigint NOT NULL, PRIMARY KEY (name, slot));

      -- Adds to counter TG_ARGV[0] the sum of TG_ARGV[1] over the rows matching TG_ARGV[2] that the statement
      -- inserted (new_rows) minus those it deleted (old_rows); an UPDATE trigger has both.
      CREATE FUNCTION kin_count_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        plus bigint := 0;
        minus bigint := 0;
      BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          EXECUTE format('SELECT coalesce(sum(%s), 0) FROM new_rows WHERE %s', TG_ARGV[1], TG_ARGV[2]) INTO plus;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          EXECUTE format('SELECT coalesce(sum(%s), 0) FROM old_rows WHERE %s', TG_ARGV[1], TG_ARGV[2]) INTO minus;
        END IF;
        IF plus <> minus THEN
          INSERT INTO store_counts (name, slot, n) VALUES (TG_ARGV[0], pg_backend_pid(), plus - minus)
          ON CONFLICT (name, slot) DO UPDATE SET n = store_counts.n + excluded.n;
        END IF;
        RETURN NULL;
      END
      $fn$;

      ${COUNTER_TRIGGERS}

      -- The triggers exist (and hold their tables' locks until commit), so these counts miss nothing.
      INSERT INTO store_counts (name, slot, n)
        SELECT 'events', 0, count(*) FROM events
        UNION ALL SELECT 'profiles', 0, count(*) FROM profiles WHERE merged_into IS NULL
        UNION ALL SELECT 'external_ids', 0, count(*) FROM identifiers
        UNION ALL SELECT 'merges', 0, count(*) FROM merges
        UNION ALL SELECT 'warnings', 0, coalesce(sum(count), 0) FROM warnings;
    `,
  },
  {
    version: 9,
    name: 'trait source ranks and history',
    // Why: the policy's traitSources rank a trait's sources before time; the rank is kept with the value
    // (written under the policy of that time) so merges and late events compare without lookups. The
    // history keeps each value a trait received (newest 20 per trait by event time, TRAIT_HISTORY_KEPT).
    // kin_merge_batch_v3 is v2 with the rank and the history.
    sql: `
      ALTER TABLE traits ADD COLUMN trust integer NOT NULL DEFAULT 0;
      CREATE TABLE trait_history (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        profile_id text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value jsonb,
        ts timestamptz NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        trust integer NOT NULL
      );
      CREATE INDEX trait_history_key ON trait_history (profile_id, key, ts);

      CREATE FUNCTION kin_merge_batch_v3(p_merges json) RETURNS void
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        m record;
      BEGIN
        FOR m IN SELECT * FROM json_to_recordset(p_merges) AS r(survivor_id text, absorbed_id text, at timestamptz, id text, rule text,
                                                              via json, message_id text, source_id text, sides json, consent text) LOOP
          UPDATE identifiers SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          WITH dropped AS (DELETE FROM traits WHERE profile_id = m.absorbed_id RETURNING key, value, ts, source_id, trust)
          INSERT INTO traits (profile_id, key, value, ts, source_id, trust) SELECT m.survivor_id, d.key, d.value, d.ts, d.source_id, d.trust FROM dropped d
          ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
            WHERE (excluded.trust, excluded.ts, excluded.source_id, coalesce(excluded.value::text, 'null') COLLATE "C")
              > (traits.trust, traits.ts, traits.source_id, coalesce(traits.value::text, 'null') COLLATE "C");
          -- The absorbed profile's trait history joins the survivor's, which keeps its newest values per trait.
          UPDATE trait_history SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          DELETE FROM trait_history WHERE seq IN (SELECT x.seq FROM (
            SELECT seq, row_number() OVER (PARTITION BY key ORDER BY ts DESC, seq DESC) AS n FROM trait_history WHERE profile_id = m.survivor_id) AS x
            WHERE x.n > 20);
          -- Consent per category: the most restrictive value wins (a refusal on either side stays a refusal),
          -- or with 'latest' the value set last (at the same time, a refusal wins).
          WITH dropped AS (DELETE FROM consent WHERE profile_id = m.absorbed_id RETURNING category, granted, ts)
          INSERT INTO consent (profile_id, category, granted, ts) SELECT m.survivor_id, d.category, d.granted, d.ts FROM dropped d
          ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
            WHERE CASE WHEN m.consent = 'latest'
              THEN excluded.ts > consent.ts OR (excluded.ts = consent.ts AND excluded.granted < consent.granted)
              ELSE excluded.granted < consent.granted OR (excluded.granted = consent.granted AND excluded.ts > consent.ts) END;
          UPDATE events SET profile_id = m.survivor_id WHERE profile_id = m.absorbed_id;
          UPDATE profiles SET merge_count = merge_count + 1 + coalesce((SELECT merge_count FROM profiles WHERE id = m.absorbed_id), 0),
            updated_at = m.at WHERE id = m.survivor_id;
          UPDATE profiles SET merged_into = m.survivor_id, updated_at = m.at WHERE id = m.absorbed_id OR merged_into = m.absorbed_id;
          INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, sides)
          VALUES (m.id, m.survivor_id, m.absorbed_id, m.rule, m.via, m.message_id, m.source_id, m.at, m.sides);
        END LOOP;
      END
      $fn$;
    `,
  },
  {
    version: 10,
    name: 'name search: the words after the first',
    // Why (the SQLite store's migration 14): a full name in one trait (`name` = "Farid Fischer") was found by
    // its first word only; this partial index holds what follows the first space, lower-cased.
    sql: `
      CREATE INDEX traits_name_rest ON traits (lower(substring(value #>> '{}' from position(' ' in value #>> '{}') + 1)) text_pattern_ops)
        WHERE key = 'name' AND position(' ' in value #>> '{}') > 0;
    `,
  },
  POSTGRES_PRIVACY_MIGRATION,
  POSTGRES_ACCESS_MIGRATION,
  POSTGRES_LINKS_MIGRATION,
  { version: 13, name: 'computed traits and audiences', sql: POSTGRES_AUDIENCE_MIGRATION_SQL },
  POSTGRES_RECOMPUTE_MARKS_MIGRATION,
  POSTGRES_MESSAGING_MIGRATION,
  {
    version: 16,
    name: 'analytics: events by name and time',
    // Why (the SQLite store's migration 20): funnels and attribution read the events of a few names over a
    // time range; a range of all events reads the month partitions it covers.
    sql: `CREATE INDEX events_name_time ON events ((coalesce(event, type)), timestamp);`,
  },
  { version: 21, name: 'engagement per profile and channel (best_engagement)', sql: ENGAGEMENT_SCHEMA_SQL },
  POSTGRES_TOMBSTONE_KEYS_MIGRATION,
  POSTGRES_MATCH_INDEX_MIGRATION,
  POSTGRES_LINK_COUNTERS_MIGRATION,
  { version: 26, name: 'decisions by journey step (the step diagram)', sql: DECISION_STEP_SQL },
  POSTGRES_MATCH_TOTALS_MIGRATION,
  { version: 27, name: "a person's clicks and deliveries by index (privacy)", sql: PERSON_ROW_INDEXES_SQL },
  POSTGRES_MATCH_RECORD_HASH_MIGRATION,
  // Subjects add their migration at the end; they apply in version order.
].sort((x, y) => x.version - y.version);

/**
 * Applies the migrations not yet recorded, each once and in its own transaction. Safe to call from many
 * processes at once: they queue on a session advisory lock.
 */
export async function migratePostgres(pool: Pool, migrations: ReadonlyArray<PostgresMigration> = POSTGRES_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, migrations: ReadonlyArray<PostgresMigration>): Promise<number[]> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
  );
  const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
        migration.version,
        migration.name,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    applied.push(migration.version);
  }
  return applied;
}
