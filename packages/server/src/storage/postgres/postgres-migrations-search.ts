/**
 * The PostgreSQL migrations that serve reads: the dashboard's search and activity (2), name
 * search (7, 10) and analytics by event name and time (16). Split from postgres-migrations.ts, which lists
 * them in order. Never edit a shipped migration: add the next one.
 */

/** Migration 2: search by value and events per source over time. */
export const POSTGRES_SEARCH_ACTIVITY_MIGRATION = {
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
};

/** Migration 7: find people by a part of their name. */
export const POSTGRES_NAME_SEARCH_MIGRATION = {
  version: 7,
  name: 'name search',
  // Why a partial expression index: the dashboard finds people by a part of their name, case-insensitively
  // (profileIdsByName). Only rows of the name traits enter it, so an event pays for it only when it
  // changes a name; text_pattern_ops lets LIKE 'prefix%' use it.
  sql: `
      CREATE INDEX traits_name ON traits (lower(value #>> '{}') text_pattern_ops) WHERE key IN ('firstName', 'lastName', 'name');
    `,
};

/** Migration 10: the words of a full name after the first. */
export const POSTGRES_NAME_REST_MIGRATION = {
  version: 10,
  name: 'name search: the words after the first',
  // Why (the SQLite store's migration 14): a full name in one trait (`name` = "Farid Fischer") was found by
  // its first word only; this partial index holds what follows the first space, lower-cased.
  sql: `
      CREATE INDEX traits_name_rest ON traits (lower(substring(value #>> '{}' from position(' ' in value #>> '{}') + 1)) text_pattern_ops)
        WHERE key = 'name' AND position(' ' in value #>> '{}') > 0;
    `,
};

/** Migration 16: events by name and time (funnels, attribution). */
export const POSTGRES_EVENTS_BY_NAME_MIGRATION = {
  version: 16,
  name: 'analytics: events by name and time',
  // Why (the SQLite store's migration 20): funnels and attribution read the events of a few names over a
  // time range; a range of all events reads the month partitions it covers.
  sql: `CREATE INDEX events_name_time ON events ((coalesce(event, type)), timestamp);`,
};
