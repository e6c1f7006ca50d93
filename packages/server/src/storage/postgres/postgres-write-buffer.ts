/**
 * Buffered writes of one PostgreSQL transaction, flushed as one statement (multi-row inserts and updates
 * from `json_to_recordset`, as data-modifying CTEs) before a merge, before a read that needs them, and
 * before commit. Why: a batch then costs a handful of round trips instead of two per event.
 *
 * The buffer keeps each row at most once (a second touch of an identifier updates the buffered row, a
 * second write of a trait folds with the same last-write-wins rule the database applies), because one
 * INSERT … ON CONFLICT or UPDATE … FROM may not change a row twice. The CTEs see one snapshot, so each
 * touches rows the others do not: new profiles vs existing ones, new identifiers vs existing ones.
 */
import type { NewWarning } from '../storage.ts';

/** A row of `events` as the flush inserts it. */
export interface BufferedEvent {
  message_id: string;
  source_id: string;
  profile_id: string | null;
  type: string;
  event: string | null;
  timestamp: string;
  received_at: string;
  payload: unknown;
}

interface BufferedIdentifier {
  type: string;
  value: string;
  profile_id: string;
  source_id: string;
  first_seen: string;
  last_seen: string;
}

interface BufferedTrait {
  profile_id: string;
  key: string;
  /** `null` is a tombstone (SQL NULL); anything else is the JSON value. */
  value: unknown;
  ts: string;
  source_id: string;
}

/** The flush statement: every buffered row in one round trip. */
export const FLUSH_STATEMENT = {
  name: 'kin_flush_v1',
  text: `WITH
    new_profiles AS (
      INSERT INTO profiles (id, created_at, updated_at)
      SELECT r.id, r.created_at, r.updated_at FROM json_to_recordset($1::json) AS r(id text, created_at timestamptz, updated_at timestamptz)),
    touched_profiles AS (
      UPDATE profiles AS p SET updated_at = r.updated_at
      FROM json_to_recordset($2::json) AS r(id text, updated_at timestamptz) WHERE p.id = r.id),
    linked AS (
      INSERT INTO identifiers (type, value, profile_id, source_id, first_seen, last_seen)
      SELECT r.type, r.value, r.profile_id, r.source_id, r.first_seen, r.last_seen
      FROM json_to_recordset($3::json) AS r(type text, value text, profile_id text, source_id text, first_seen timestamptz, last_seen timestamptz)),
    touched AS (
      UPDATE identifiers AS i SET first_seen = r.first_seen, last_seen = r.last_seen
      FROM json_to_recordset($4::json) AS r(type text, value text, first_seen timestamptz, last_seen timestamptz)
      WHERE i.type = r.type AND i.value = r.value),
    traits_set AS (
      INSERT INTO traits (profile_id, key, value, ts, source_id)
      SELECT r.profile_id, r.key, r.value, r.ts, r.source_id
      FROM json_to_recordset($5::json) AS r(profile_id text, key text, value jsonb, ts timestamptz, source_id text)
      ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id
        WHERE excluded.ts >= traits.ts),
    warned AS (
      INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at)
      SELECT r.kind, r.code, r.field, r.message, r."sourceId", r."messageId", r."profileId", r."createdAt"
      FROM json_to_recordset($7::json) AS r(kind text, code text, field text, message text, "sourceId" text, "messageId" text, "profileId" text, "createdAt" timestamptz))
    INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
    SELECT r.message_id, r.source_id, r.profile_id, r.type, r.event, r.timestamp, r.received_at, r.payload
    FROM json_to_recordset($6::json) AS r(message_id text, source_id text, profile_id text, type text, event text,
      timestamp timestamptz, received_at timestamptz, payload json)`,
} as const;

/** What one transaction has written but not yet sent. */
export class WriteBuffer {
  private newProfiles = new Map<string, { id: string; created_at: string; updated_at: string }>();
  private profileUpdates = new Map<string, string>();
  private links = new Map<string, BufferedIdentifier>();
  private touches = new Map<string, { type: string; value: string; first_seen: string; last_seen: string }>();
  private traits = new Map<string, BufferedTrait>();
  private events: BufferedEvent[] = [];
  private warnings: NewWarning[] = [];

  get empty(): boolean {
    return this.events.length === 0 && this.warnings.length === 0 && this.newProfiles.size === 0 && this.profileUpdates.size === 0 &&
      this.links.size === 0 && this.touches.size === 0 && this.traits.size === 0;
  }

  createProfile(id: string, at: string): void {
    this.newProfiles.set(id, { id, created_at: at, updated_at: at });
  }

  /** The profile's `updated_at` moves to `at` (the last write wins, as with one statement per event). */
  touchProfile(id: string, at: string): void {
    const created = this.newProfiles.get(id);
    if (created) created.updated_at = at;
    else this.profileUpdates.set(id, at);
  }

  link(key: string, row: BufferedIdentifier): void {
    this.links.set(key, row);
  }

  /** An identifier's times changed (a new one in this buffer, or one that exists in the database). */
  touchIdentifier(key: string, row: { type: string; value: string; first_seen: string; last_seen: string }): void {
    const linked = this.links.get(key);
    if (linked) {
      linked.first_seen = row.first_seen;
      linked.last_seen = row.last_seen;
    } else this.touches.set(key, row);
  }

  /** A trait write; within the buffer a later event time (or an equal one, written later) wins, as in the database. */
  setTrait(row: BufferedTrait): void {
    const key = `${row.profile_id}\u0000${row.key}`;
    const current = this.traits.get(key);
    if (!current || Date.parse(row.ts) >= Date.parse(current.ts)) this.traits.set(key, row);
  }

  addEvent(row: BufferedEvent): void {
    this.events.push(row);
  }

  addWarnings(warnings: NewWarning[]): void {
    for (const warning of warnings) this.warnings.push(warning);
  }

  /** The statement's parameters; empties the buffer. */
  take(): unknown[] {
    const values = [
      JSON.stringify([...this.newProfiles.values()]),
      JSON.stringify([...this.profileUpdates].map(([id, updated_at]) => ({ id, updated_at }))),
      JSON.stringify([...this.links.values()]),
      JSON.stringify([...this.touches.values()]),
      JSON.stringify([...this.traits.values()]),
      JSON.stringify(this.events),
      JSON.stringify(this.warnings),
    ];
    this.newProfiles = new Map();
    this.profileUpdates = new Map();
    this.links = new Map();
    this.touches = new Map();
    this.traits = new Map();
    this.events = [];
    this.warnings = [];
    return values;
  }
}
