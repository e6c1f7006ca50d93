/**
 * Migration 1 of the PostgreSQL schema: the tables every later migration builds on, the monthly partitions of
 * `events`, and `kin_load_snapshot` (the identity locking protocol). Kept in its own file because it is the
 * largest single migration; postgres-migrations.ts lists it with the others. Never edit it: add the next one.
 */

/** Migration 1: the initial schema and the snapshot function. */
export const POSTGRES_INITIAL_MIGRATION = {
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
};
