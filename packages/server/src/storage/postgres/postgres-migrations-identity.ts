/**
 * The PostgreSQL migrations of the identity write path after the first: batch snapshots (3), batched merges
 * (5), identity trust and undo (6), trait source ranks and history (9). Each merge function version stays for
 * processes still running the previous one. Split from postgres-migrations.ts, which lists them in order.
 * Never edit a shipped migration: add the next one.
 */

/** Migration 3: the batch snapshot (kin_lock_snapshot). */
export const POSTGRES_BATCH_SNAPSHOT_MIGRATION = {
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
};

/** Migration 5: merges sent in one round trip (kin_merge_batch). */
export const POSTGRES_MERGE_BATCH_MIGRATION = {
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
};

/** Migration 6: how identifiers joined, refusals, do-not-link rules, tombstones, consent. */
export const POSTGRES_IDENTITY_TRUST_MIGRATION = {
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
};

/** Migration 9: trait source ranks and history (kin_merge_batch_v3). */
export const POSTGRES_TRAIT_HISTORY_MIGRATION = {
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
};
