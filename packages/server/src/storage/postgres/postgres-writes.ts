/**
 * The write path of the PostgreSQL store: the `StoreTx` operations over one pooled client inside an open
 * transaction. Each hot operation is one named (prepared once per connection) statement and one round
 * trip: a batch of message-id claims, an event's snapshot (locks taken server-side, see
 * `kin_load_snapshot`), and an event's plan without merges (profile, links, touches, traits and the event
 * row as data-modifying CTEs). A merge is one more statement; warnings one more when there are any.
 */
import { randomUUID } from 'node:crypto';
import type { QueryConfig, QueryResultRow } from 'pg';
import type { Identifier, IdentitySnapshot, SnapshotProfile } from '@kin/core';
import type { IdGenerator } from '../../ports/ids.ts';
import type { ApplyInput, NewWarning, StoreTx } from '../storage.ts';
import { ENSURE_PARTITION_STATEMENT, monthOf } from './postgres-partitions.ts';

/** lastSeen is rewritten only when it moves by at least this much (as in the SQLite store). */
const LAST_SEEN_GRANULARITY_SECONDS = 60;

/** The hot statements. Why names: pg parses and plans a named statement once per connection. */
const SQL = {
  claim: {
    name: 'kin_claim_v1',
    text: `INSERT INTO message_ids (source_id, message_id, received_at)
           SELECT $1, m, $3 FROM unnest($2::text[]) AS m
           ON CONFLICT (source_id, message_id) DO NOTHING
           RETURNING message_id`,
  },
  snapshot: { name: 'kin_snapshot_v1', text: 'SELECT * FROM kin_load_snapshot($1::text[], $2::text[])' },
  apply: {
    name: 'kin_apply_v2',
    // $1 profile id (null: none), $2 new profile?, $3 receivedAt, $4 event time, $5 source,
    // $6/$7 links, $8/$9 touches, $10/$11 traits (a NULL value is a tombstone), $12.. the event row,
    // $16 whether the plan changes the profile (only then does an existing profile's updated_at move).
    // Why lastSeen moves only by a minute or more (or when the event is older than firstSeen): rewriting it
    // on every event would dirty an identifier row per event (a dead tuple and WAL) for nothing the limits
    // or the API need. The SQLite store does the same.
    // The CTEs see one snapshot, so each touches rows the others do not (links are new identifiers,
    // touches existing ones; trait keys are unique).
    text: `WITH
      created AS (INSERT INTO profiles (id, created_at, updated_at) SELECT $1, $3, $3 WHERE $2),
      touched_profile AS (UPDATE profiles SET updated_at = $3 WHERE id = $1 AND NOT $2 AND $16),
      linked AS (
        INSERT INTO identifiers (type, value, profile_id, source_id, first_seen, last_seen)
        SELECT u.t, u.v, $1, $5, $4, $4 FROM unnest($6::text[], $7::text[]) AS u(t, v)),
      touched AS (
        UPDATE identifiers AS i SET last_seen = GREATEST(i.last_seen, $4), first_seen = LEAST(i.first_seen, $4)
        FROM unnest($8::text[], $9::text[]) AS u(t, v) WHERE i.type = u.t AND i.value = u.v
          AND ($4 < i.first_seen OR $4 - i.last_seen >= interval '${LAST_SEEN_GRANULARITY_SECONDS} seconds')),
      traits_set AS (
        INSERT INTO traits (profile_id, key, value, ts, source_id)
        SELECT $1, u.k, u.v, $4, $5 FROM unnest($10::text[], $11::jsonb[]) AS u(k, v)
        ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id
          WHERE excluded.ts >= traits.ts)
      INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
      VALUES ($12, $5, $1, $13, $14, $4, $3, $15)`,
  },
  merge: {
    name: 'kin_merge_v1',
    // $1 survivor, $2 absorbed, $3 at. The absorbed traits are deleted and re-inserted on the survivor where
    // they are strictly later (ties keep the survivor's); the absorbed id and everything it had absorbed
    // forward to the survivor.
    text: `WITH
      moved_identifiers AS (UPDATE identifiers SET profile_id = $1 WHERE profile_id = $2),
      dropped AS (DELETE FROM traits WHERE profile_id = $2 RETURNING key, value, ts, source_id),
      merged_traits AS (
        INSERT INTO traits (profile_id, key, value, ts, source_id) SELECT $1, key, value, ts, source_id FROM dropped
        ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id
          WHERE excluded.ts > traits.ts),
      moved_events AS (UPDATE events SET profile_id = $1 WHERE profile_id = $2),
      forwarded AS (UPDATE profiles SET merged_into = $1, updated_at = $3 WHERE id = $2 OR merged_into = $2),
      counted AS (
        UPDATE profiles SET merge_count = merge_count + 1 + coalesce((SELECT merge_count FROM profiles WHERE id = $2), 0), updated_at = $3
        WHERE id = $1)
      INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at)
      VALUES ($4, $1, $2, $5, $6, $7, $8, $3)`,
  },
  warnings: {
    name: 'kin_warnings_v1',
    text: `INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])`,
  },
} as const;

/** What the write operations of one transaction need from the store. */
export interface WriteDeps {
  ids: IdGenerator;
  /** Months whose events partition is known to exist (committed). */
  knownMonths: ReadonlySet<string>;
  /** Months whose partition this transaction made sure of; the store adds them to `knownMonths` after commit. */
  ensuredMonths: Set<string>;
  /** Runs one statement on the transaction's client. */
  query<R extends QueryResultRow>(config: QueryConfig): Promise<{ rows: R[] }>;
}

/** The operations of one open transaction. */
export function createPostgresTx(deps: WriteDeps): StoreTx {
  const run = <R extends QueryResultRow>(name: string, text: string, values: unknown[]) => deps.query<R>({ name, text, values });

  async function claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]> {
    if (messageIds.length === 0) return [];
    // Sorted and unique: two transactions claiming overlapping batches lock index entries in one order.
    const unique = [...new Set(messageIds)].sort();
    const { rows } = await run<{ message_id: string }>(SQL.claim.name, SQL.claim.text, [sourceId, unique, new Date().toISOString()]);
    const fresh = new Set(rows.map((r) => r.message_id));
    // The first occurrence of a fresh id in the request claims it; repeats within the request are duplicates.
    return messageIds.map((id) => fresh.delete(id));
  }

  async function loadSnapshot(identifiers: Identifier[]): Promise<IdentitySnapshot> {
    if (identifiers.length === 0) return { known: [], profiles: {} };
    const { rows } = await run<SnapshotRow>(SQL.snapshot.name, SQL.snapshot.text, [identifiers.map((i) => i.type), identifiers.map((i) => i.value)]);
    const byProfile = new Map<string, SnapshotProfile>();
    const byIdentifier = new Map<string, { profileId: string; lastSeen: string }>();
    for (const row of rows) {
      let profile = byProfile.get(row.profile_id);
      if (!profile) {
        profile = { id: row.profile_id, createdAt: row.created_at, mergeCount: row.merge_count, identifiers: [] };
        byProfile.set(row.profile_id, profile);
      }
      profile.identifiers.push({ type: row.type, value: row.value, profileId: row.profile_id, lastSeen: row.last_seen });
      byIdentifier.set(identifierKey(row.type, row.value), { profileId: row.profile_id, lastSeen: row.last_seen });
    }
    // Known identifiers in request order, profiles in the order they are first reached (as SQLite does).
    const snapshot: IdentitySnapshot = { known: [], profiles: {} };
    for (const identifier of identifiers) {
      const hit = byIdentifier.get(identifierKey(identifier.type, identifier.value));
      if (!hit) continue;
      snapshot.known.push({ ...identifier, ...hit });
      const profile = byProfile.get(hit.profileId);
      if (profile && !snapshot.profiles[hit.profileId]) snapshot.profiles[hit.profileId] = profile;
    }
    return snapshot;
  }

  async function applyEvent({ event, sourceId, plan }: ApplyInput): Promise<{ profileId: string | undefined }> {
    const at = event.receivedAt;
    const time = toMillis(event.timestamp);
    const profileId = plan.target.kind === 'new' ? deps.ids.profileId() : plan.target.kind === 'existing' ? plan.target.profileId : undefined;
    const month = monthOf(time);
    if (month && !deps.knownMonths.has(month) && !deps.ensuredMonths.has(month)) {
      await run(ENSURE_PARTITION_STATEMENT.name, ENSURE_PARTITION_STATEMENT.text, [month]);
      deps.ensuredMonths.add(month);
    }
    for (const merge of plan.merges) {
      await run(SQL.merge.name, SQL.merge.text, [
        merge.survivorId,
        merge.absorbedId,
        at,
        randomUUID(),
        merge.rule,
        JSON.stringify(merge.via),
        event.messageId,
        sourceId,
      ]);
    }
    const linked = profileId === undefined ? [] : plan.links.map((l) => l.identifier);
    const touched = profileId === undefined ? [] : plan.touches;
    // Later entries win, as with one statement per trait: a key both set and unset ends unset.
    const traits = new Map<string, string | null>();
    if (profileId !== undefined) {
      for (const [key, value] of Object.entries(plan.traits.set)) traits.set(key, JSON.stringify(value));
      for (const key of plan.traits.unset) traits.set(key, null);
    }
    await run(SQL.apply.name, SQL.apply.text, [
      profileId ?? null,
      plan.target.kind === 'new',
      at,
      time,
      sourceId,
      linked.map((i) => i.type),
      linked.map((i) => i.value),
      touched.map((i) => i.type),
      touched.map((i) => i.value),
      [...traits.keys()],
      [...traits.values()],
      event.messageId,
      event.type,
      event.event ?? null,
      JSON.stringify(event),
      plan.links.length > 0 || plan.merges.length > 0 || traits.size > 0,
    ]);
    await addWarnings(
      plan.warnings.map((warning) => ({
        kind: warning.kind,
        message: warning.message,
        sourceId,
        messageId: event.messageId,
        profileId: warning.profileId ?? profileId,
        createdAt: at,
      })),
    );
    return { profileId };
  }

  async function addWarnings(warnings: NewWarning[]): Promise<void> {
    if (warnings.length === 0) return;
    await run(SQL.warnings.name, SQL.warnings.text, warningColumns(warnings));
  }

  return { claimMessageIds, loadSnapshot, applyEvent, addWarnings };
}

/** Warnings as the eight column arrays of `kin_warnings_v1` (also used outside transactions). */
export function warningColumns(warnings: NewWarning[]): unknown[] {
  return [
    warnings.map((w) => w.kind),
    warnings.map((w) => w.code ?? null),
    warnings.map((w) => w.field ?? null),
    warnings.map((w) => w.message),
    warnings.map((w) => w.sourceId ?? null),
    warnings.map((w) => w.messageId ?? null),
    warnings.map((w) => w.profileId ?? null),
    warnings.map((w) => w.createdAt),
  ];
}

/** The warnings statement, for the store's non-transactional `addWarnings`. */
export const WARNINGS_STATEMENT = SQL.warnings;

interface SnapshotRow {
  profile_id: string;
  created_at: string;
  merge_count: number;
  type: string;
  value: string;
  last_seen: string;
}

const identifierKey = (type: string, value: string) => `${type}\u0000${value}`;

/**
 * An ISO time cut to milliseconds. Why: PostgreSQL keeps microseconds but the store answers (and pages
 * timelines) in milliseconds, so a stored time must round-trip exactly. Unparseable input passes through
 * and PostgreSQL rejects it.
 */
export function toMillis(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}
