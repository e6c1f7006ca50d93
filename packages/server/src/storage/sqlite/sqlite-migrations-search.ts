/**
 * The SQLite migrations that serve reads: search and activity (2, 7), name search (11, 14) and analytics by
 * event name and time (20). Split from sqlite-migrations.ts, which lists them in order.
 * Never edit a shipped migration: add the next one.
 */

/** Migration 2: search by value and events per source over time. */
export const SQLITE_SEARCH_ACTIVITY_MIGRATION = {
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
};

/** Migration 7: search identifiers through the primary key. */
export const SQLITE_SEARCH_BY_KEY_MIGRATION = {
  version: 7,
  name: 'search identifiers through the primary key',
  // Why: an index on the value alone took one more random page per new identifier on every commit, for a
  // search that the (type, value) key answers as well once per type (see searchProfiles).
  sql: `DROP INDEX IF EXISTS identifiers_value;`,
};

/** Migration 11: find people by a part of their name. */
export const SQLITE_NAME_SEARCH_MIGRATION = {
  version: 11,
  name: 'name search',
  // Why a partial expression index: the dashboard finds people by a part of their name, case-insensitively
  // (profileIdsByName). Only rows of the name traits enter it, so an event pays for it only when it
  // changes a name. The value is JSON text ('"Farid"'); lower() folds ASCII letters.
  sql: `CREATE INDEX traits_name ON traits(lower(value)) WHERE key IN ('firstName', 'lastName', 'name');`,
};

/** Migration 14: the words of a full name after the first. */
export const SQLITE_NAME_REST_MIGRATION = {
  version: 14,
  name: 'name search: the words after the first',
  // Why: a full name in one trait (`name` = "Farid Fischer", as CRM files have it) was found by its first word
  // only. This partial index holds what follows the first space of each such `name`, lower-cased.
  sql: `CREATE INDEX traits_name_rest ON traits(lower(substr(value, instr(value, ' ') + 1))) WHERE key = 'name' AND instr(value, ' ') > 0;`,
};

/** Migration 20: events by name and time, events by time (analytics). */
export const SQLITE_EVENTS_BY_NAME_MIGRATION = {
  version: 20,
  name: 'analytics: events by name and time, events by time',
  // Why: funnels and attribution read the events of a few names over a time range (docs/analytics.md);
  // paths read every event of a range. Both keys grow with time, so their inserts mostly append.
  sql: `
      CREATE INDEX events_name_time ON events(coalesce(event, type), timestamp, profile_id);
      CREATE INDEX events_time ON events(timestamp);
    `,
};
