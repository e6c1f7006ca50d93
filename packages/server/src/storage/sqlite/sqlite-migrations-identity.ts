/**
 * The SQLite migrations of identity after the first: match review (3), how identifiers joined, refusals,
 * do-not-link rules, tombstones and consent (4), trait source ranks and history (13). Split from sqlite-migrations.ts, which lists them in order.
 * Never edit a shipped migration: add the next one.
 */

/** Migration 3: the review queue and the evidence of probabilistic merges. */
export const SQLITE_MATCH_REVIEW_MIGRATION = {
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
};

/** Migration 4: explain, undo and replay need how each identifier joined and what was refused. */
export const SQLITE_IDENTITY_TRUST_MIGRATION = {
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
};

/** Migration 13: trait source ranks and history. */
export const SQLITE_TRAIT_HISTORY_MIGRATION = {
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
};
