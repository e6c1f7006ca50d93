/**
 * Versioned SQLite schema. Each migration runs once, in order, inside a transaction; `schema_migrations`
 * records what ran. Never edit a shipped migration: add the next one.
 *
 * The bodies live beside this file by subject (sqlite-migrations-initial.ts, -identity.ts, -write-path.ts,
 * -search.ts, -counters.ts) or with the adapter file of the feature they serve; this file only lists them
 * (sqlite-migrator.ts runs them).
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
import { SQLITE_MESSAGING_MIGRATION } from './sqlite-messaging.ts';
import { ENGAGEMENT_SCHEMA_SQL } from '../messaging-engagement-sql.ts';
import { DECISION_STEP_SQL, JOURNEY_BRANCHES_SQL } from '../messaging-step-sql.ts';
import { PERSON_ROW_INDEXES_SQL } from '../person-rows.ts';
import { SQLITE_PRIVACY_MIGRATION } from './sqlite-privacy.ts';
import { SQLITE_ACCESS_MIGRATION } from './sqlite-access.ts';
import { SQLITE_LINK_COUNTERS_MIGRATION, SQLITE_LINKS_MIGRATION } from './sqlite-links.ts';
import { SQLITE_LINK_CONVERSIONS_MIGRATION } from './sqlite-link-conversions.ts';
import {
  SQLITE_MATCH_INDEX_MIGRATION,
  SQLITE_MATCH_NORMALISED_MIGRATION,
  SQLITE_MATCH_RECORD_HASH_MIGRATION,
  SQLITE_MATCH_TOTALS_MIGRATION,
  SQLITE_MATCH_UNHASHED_DROP_MIGRATION,
} from './sqlite-match-index.ts';
import { SQLITE_AUDIENCE_MIGRATION_SQL, SQLITE_RECOMPUTE_MARKS_MIGRATION } from './sqlite-audiences.ts';
import { SQLITE_EVENT_BLOCKS_MIGRATION } from './sqlite-event-blocks.ts';
import { SQLITE_EVENT_COLUMNS_MIGRATION } from './sqlite-migrations-event-columns.ts';
import { SQLITE_TOMBSTONE_KEYS_MIGRATION } from './sqlite-tombstone-keys.ts';
import { SQLITE_MATCH_SWITCH_MIGRATION } from './sqlite-match-switch.ts';
import { SQLITE_INITIAL_MIGRATION } from './sqlite-migrations-initial.ts';
import {
  SQLITE_IDENTITY_TRUST_MIGRATION,
  SQLITE_MATCH_REVIEW_MIGRATION,
  SQLITE_TRAIT_HISTORY_MIGRATION,
} from './sqlite-migrations-identity.ts';
import {
  SQLITE_MESSAGE_IDS_BULK_MIGRATION,
  SQLITE_SOURCE_MINUTES_MIGRATION,
  SQLITE_TIMELINE_BULK_MIGRATION,
} from './sqlite-migrations-write-path.ts';
import {
  SQLITE_EVENTS_BY_NAME_MIGRATION,
  SQLITE_NAME_REST_MIGRATION,
  SQLITE_NAME_SEARCH_MIGRATION,
  SQLITE_SEARCH_ACTIVITY_MIGRATION,
  SQLITE_SEARCH_BY_KEY_MIGRATION,
} from './sqlite-migrations-search.ts';
import { SQLITE_COUNTERS_MIGRATION } from './sqlite-migrations-counters.ts';
import { SQLITE_TRAIT_HISTORY_KEY_MIGRATION } from './sqlite-trait-history.ts';

/** The migrations, oldest first. */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  SQLITE_INITIAL_MIGRATION,
  SQLITE_SEARCH_ACTIVITY_MIGRATION,
  SQLITE_MATCH_REVIEW_MIGRATION,
  SQLITE_IDENTITY_TRUST_MIGRATION,
  SQLITE_SEARCH_BY_KEY_MIGRATION,
  SQLITE_MESSAGE_IDS_BULK_MIGRATION,
  SQLITE_TIMELINE_BULK_MIGRATION,
  SQLITE_SOURCE_MINUTES_MIGRATION,
  SQLITE_NAME_SEARCH_MIGRATION,
  SQLITE_COUNTERS_MIGRATION,
  SQLITE_TRAIT_HISTORY_MIGRATION,
  SQLITE_NAME_REST_MIGRATION,
  SQLITE_PRIVACY_MIGRATION,
  SQLITE_ACCESS_MIGRATION,
  SQLITE_LINKS_MIGRATION,
  { version: 17, name: 'computed traits and audiences', sql: SQLITE_AUDIENCE_MIGRATION_SQL },
  SQLITE_RECOMPUTE_MARKS_MIGRATION,
  SQLITE_MESSAGING_MIGRATION,
  SQLITE_EVENTS_BY_NAME_MIGRATION,
  SQLITE_EVENT_BLOCKS_MIGRATION,
  { version: 25, name: 'engagement per profile and channel (best_engagement)', sql: ENGAGEMENT_SCHEMA_SQL },
  SQLITE_TOMBSTONE_KEYS_MIGRATION,
  SQLITE_MATCH_INDEX_MIGRATION,
  SQLITE_LINK_COUNTERS_MIGRATION,
  { version: 30, name: 'decisions by journey step (the step diagram)', sql: DECISION_STEP_SQL },
  SQLITE_MATCH_TOTALS_MIGRATION,
  { version: 31, name: "a person's clicks and deliveries by index (privacy)", sql: PERSON_ROW_INDEXES_SQL },
  { version: 37, name: 'journey branches taken (the step diagram)', sql: JOURNEY_BRANCHES_SQL },
  SQLITE_MATCH_RECORD_HASH_MIGRATION,
  SQLITE_MATCH_SWITCH_MIGRATION,
  SQLITE_EVENT_COLUMNS_MIGRATION,
  SQLITE_LINK_CONVERSIONS_MIGRATION,
  SQLITE_MATCH_NORMALISED_MIGRATION,
  SQLITE_MATCH_UNHASHED_DROP_MIGRATION,
  SQLITE_TRAIT_HISTORY_KEY_MIGRATION,
  // Subjects add their migration at the end; they apply in version order.
].sort((x, y) => x.version - y.version);
