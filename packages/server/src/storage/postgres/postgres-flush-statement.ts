/**
 * The one statement that sends a PostgreSQL transaction's buffered writes (postgres-write-buffer.ts): every
 * table's rows as a data-modifying CTE over `json_to_recordset`, in one round trip. Why apart from the
 * buffer: the buffer decides which rows exist (folding repeats in memory); this is only how they reach the
 * tables, and its parameter numbers ($1–$13) are what `WriteBuffer.take` fills. It answers the traits whose
 * history must be pruned (`OverflowingHistory`), so a flush that adds no value past the limit (nearly every
 * one) costs no second round trip.
 */
import type { BufferedEvent } from './postgres-buffer-rows.ts';
import { TRAIT_WINS } from './postgres-trait-order.ts';
import { WARNING_REPEAT } from './postgres-write-values.ts';
import { LATER_CONSENT_SQL as LATER_CONSENT } from '../consent-order-sql.ts';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';

/** The flush statement: every buffered row in one round trip. */
export const FLUSH_STATEMENT = {
  name: 'kin_flush_v7',
  text: `WITH
    new_profiles AS (
      INSERT INTO profiles (id, created_at, updated_at, merged_into, merge_count, created_message_id, created_source_id)
      SELECT r.id, r.created_at, r.updated_at, r.merged_into, r.merge_count, r.created_message_id, r.created_source_id
      FROM json_to_recordset($1::json) AS r(id text, created_at timestamptz, updated_at timestamptz, merged_into text, merge_count integer,
        created_message_id text, created_source_id text)),
    touched_profiles AS (
      UPDATE profiles AS p SET updated_at = r.updated_at, merge_count = p.merge_count + r.merges
      FROM json_to_recordset($2::json) AS r(id text, updated_at timestamptz, merges integer) WHERE p.id = r.id),
    ledger AS (
      INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, sides)
      SELECT r.id, r.survivor_id, r.absorbed_id, r.rule, r.via, r.message_id, r.source_id, r.created_at, r.sides
      FROM json_to_recordset($8::json) AS r(id text, survivor_id text, absorbed_id text, rule text, via json, message_id text, source_id text,
        created_at timestamptz, sides json)),
    linked AS (
      INSERT INTO identifiers (type, value, profile_id, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at)
      SELECT r.type, r.value, r.profile_id, r.source_id, r.first_seen, r.last_seen, r.link_message_id, r.link_rule, r.linked_at
      FROM json_to_recordset($3::json) AS r(type text, value text, profile_id text, source_id text, first_seen timestamptz, last_seen timestamptz,
        link_message_id text, link_rule text, linked_at timestamptz)),
    touched AS (
      UPDATE identifiers AS i SET first_seen = r.first_seen, last_seen = r.last_seen
      FROM json_to_recordset($4::json) AS r(type text, value text, first_seen timestamptz, last_seen timestamptz)
      WHERE i.type = r.type AND i.value = r.value),
    history_rows AS (
      SELECT * FROM json_to_recordset($13::json)
        AS r(profile_id text, key text, value jsonb, ts timestamptz, source_id text, trust integer, first boolean)),
    traits_set AS (
      INSERT INTO traits (profile_id, key, value, ts, source_id, trust)
      SELECT r.profile_id, r.key, r.value, r.ts, r.source_id, r.trust
      FROM json_to_recordset($5::json) AS r(profile_id text, key text, value jsonb, ts timestamptz, source_id text, trust integer)
      ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
        WHERE ${TRAIT_WINS}),
    -- A first buffered value that repeats the stored newest value of its trait (same value, source and rank,
    -- not older) only moves that entry's time, as the SQLite store does.
    repeated_history AS (
      UPDATE trait_history AS h SET ts = r.ts FROM history_rows AS r
      WHERE r.first AND h.seq = (
          SELECT t.seq FROM trait_history AS t WHERE t.profile_id = r.profile_id AND t.key = r.key ORDER BY t.ts DESC, t.seq DESC LIMIT 1)
        AND h.value IS NOT DISTINCT FROM r.value AND h.source_id = r.source_id AND h.trust = r.trust AND h.ts <= r.ts
      RETURNING h.profile_id, h.key),
    trait_values AS (
      INSERT INTO trait_history (profile_id, key, value, ts, source_id, trust)
      SELECT r.profile_id, r.key, r.value, r.ts, r.source_id, r.trust FROM history_rows AS r
      WHERE NOT (r.first AND EXISTS (SELECT 1 FROM repeated_history AS x WHERE x.profile_id = r.profile_id AND x.key = r.key))),
    warned AS (
      INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
      SELECT r.kind, r.code, r.field, r.message, r."sourceId", r."messageId", r."profileId", r."createdAt", r.subject, r.count, r."lastSeenAt"
      FROM json_to_recordset($7::json) AS r(kind text, code text, field text, message text, "sourceId" text, "messageId" text, "profileId" text,
        "createdAt" timestamptz, subject text, count bigint, "lastSeenAt" timestamptz)
      ${WARNING_REPEAT}),
    refused AS (
      INSERT INTO refusals (profile_id, type, value, reason, detail, message_id, source_id, at)
      SELECT r.profile_id, r.type, r.value, r.reason, r.detail, r.message_id, r.source_id, r.at
      FROM json_to_recordset($9::json) AS r(profile_id text, type text, value text, reason text, detail text, message_id text, source_id text, at timestamptz)),
    consented AS (
      INSERT INTO consent (profile_id, category, granted, ts)
      SELECT r.profile_id, r.category, r.granted, r.ts FROM json_to_recordset($10::json) AS r(profile_id text, category text, granted boolean, ts timestamptz)
      ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
        WHERE ${LATER_CONSENT}),
    assigned AS (
      UPDATE events AS e SET profile_id = r.profile_id
      FROM json_to_recordset($11::json) AS r(seq bigint, timestamp timestamptz, profile_id text) WHERE e.seq = r.seq AND e.timestamp = r.timestamp),
    -- New events take increasing seqs in buffer order (the function scan's), so a device/user pair finds its
    -- event's seq by position in the sorted seqs instead of by a join (hash joins are off in write transactions).
    inserted AS (
      INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload, unverified)
      SELECT r.message_id, r.source_id, r.profile_id, r.type, r.event, r.timestamp, r.received_at, r.payload, r.unverified
      FROM json_to_recordset($6::json) AS r(message_id text, source_id text, profile_id text, type text, event text,
        timestamp timestamptz, received_at timestamptz, payload json, unverified json)
      RETURNING seq),
    seqs AS (SELECT array_agg(i.seq ORDER BY i.seq) AS a FROM inserted i),
    device_linked AS (
      INSERT INTO device_users (type, value, user_id, seq)
      SELECT d.type, d.value, d.user_id, min(coalesce(d.seq, (SELECT s.a[d.event] FROM seqs s)))
      FROM json_to_recordset($12::json) AS d(type text, value text, user_id text, seq bigint, event integer)
      GROUP BY d.type, d.value, d.user_id
      ON CONFLICT (type, value, user_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq < device_users.seq)
    -- The (profile, key) pairs whose history may now hold more than it keeps: the values stored before this
    -- statement (counted up to the limit) plus the ones it sends. Only these are pruned, in a second statement
    -- (a statement does not see the rows its own CTEs insert).
    SELECT h.profile_id, h.key FROM (SELECT r.profile_id, r.key, count(*) AS n FROM history_rows AS r GROUP BY r.profile_id, r.key) AS h
    WHERE h.n + (SELECT count(*) FROM (SELECT FROM trait_history AS t WHERE t.profile_id = h.profile_id AND t.key = h.key
      LIMIT ${TRAIT_HISTORY_KEPT}) AS s) > ${TRAIT_HISTORY_KEPT}`,
} as const;

/** A row of `FLUSH_STATEMENT`'s answer: a trait whose history may hold more values than it keeps. */
export interface OverflowingHistory {
  profile_id: string;
  key: string;
}

/** The events as one JSON array, each event's `payload` text spliced in as it is. */
export function eventsJson(events: BufferedEvent[]): string {
  const rows = events.map(({ payload, ...row }) => `${JSON.stringify(row).slice(0, -1)},"payload":${payload}}`);
  return `[${rows.join(',')}]`;
}
