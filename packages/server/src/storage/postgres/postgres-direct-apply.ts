/**
 * The per-event write statements of the PostgreSQL store: the fallback for a plan the transaction's caches
 * cannot follow even after reading what it names (a hand-written plan linking an identifier that exists,
 * or naming a missing profile). They write what they did before the write buffer existed: no provenance,
 * consent, refusals or device users (see docs/postgres-storage.md).
 */
import { randomUUID } from 'node:crypto';
import type { PlannedMerge } from '@kin/core';
import type { ApplyInput } from '../storage.ts';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';
import { ENSURE_PARTITION_STATEMENT, monthOf } from './postgres-partitions.ts';
import { PRUNE_TRAIT_HISTORY, TRAIT_WINS } from './postgres-trait-order.ts';
import type { WriteDeps } from './postgres-writes.ts';
import { LAST_SEEN_GRANULARITY_SECONDS, planWarnings, toMillis, traitChanges, WARNINGS_STATEMENT, warningColumns } from './postgres-write-values.ts';

const SQL = {
  apply: {
    name: 'kin_apply_v5',
    // $1 profile id (null: none), $2 new profile?, $3 receivedAt, $4 event time, $5 source,
    // $6/$7 links, $8/$9 touches, $10/$11 traits (a NULL value is a tombstone), $12.. the event row,
    // $16 whether the plan changes the profile (only then does an existing profile's updated_at move),
    // $17 the traits' source ranks.
    // Why lastSeen moves only by an hour or more (or when the event is older than firstSeen): rewriting it
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
        INSERT INTO traits (profile_id, key, value, ts, source_id, trust)
        SELECT $1, u.k, u.v, $4, $5, u.r FROM unnest($10::text[], $11::jsonb[], $17::int[]) AS u(k, v, r)
        ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
          WHERE ${TRAIT_WINS}),
      repeated_history AS (
        UPDATE trait_history AS h SET ts = $4 FROM unnest($10::text[], $11::jsonb[], $17::int[]) AS u(k, v, r)
        WHERE h.seq = (SELECT t.seq FROM trait_history AS t WHERE t.profile_id = $1 AND t.key = u.k ORDER BY t.ts DESC, t.seq DESC LIMIT 1)
          AND h.value IS NOT DISTINCT FROM u.v AND h.source_id = $5 AND h.trust = u.r AND h.ts <= $4
        RETURNING h.key),
      history AS (
        INSERT INTO trait_history (profile_id, key, value, ts, source_id, trust)
        SELECT $1, u.k, u.v, $4, $5, u.r FROM unnest($10::text[], $11::jsonb[], $17::int[]) AS u(k, v, r)
        WHERE u.k NOT IN (SELECT key FROM repeated_history))
      INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
      VALUES ($12, $5, $1, $13, $14, $4, $3, $15)`,
  },
  merge: {
    name: 'kin_merge_v3',
    // $1 survivor, $2 absorbed, $3 at. The absorbed traits are deleted and re-inserted on the survivor where
    // they win (TRAIT_WINS); the absorbed id and everything it had absorbed forward to the survivor.
    text: `WITH
      moved_identifiers AS (UPDATE identifiers SET profile_id = $1 WHERE profile_id = $2),
      dropped AS (DELETE FROM traits WHERE profile_id = $2 RETURNING key, value, ts, source_id, trust),
      merged_traits AS (
        INSERT INTO traits (profile_id, key, value, ts, source_id, trust) SELECT $1, key, value, ts, source_id, trust FROM dropped
        ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
          WHERE ${TRAIT_WINS}),
      moved_history AS (UPDATE trait_history SET profile_id = $1 WHERE profile_id = $2),
      moved_events AS (UPDATE events SET profile_id = $1 WHERE profile_id = $2),
      forwarded AS (UPDATE profiles SET merged_into = $1, updated_at = $3 WHERE id = $2 OR merged_into = $2),
      counted AS (
        UPDATE profiles SET merge_count = merge_count + 1 + coalesce((SELECT merge_count FROM profiles WHERE id = $2), 0), updated_at = $3
        WHERE id = $1)
      INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at)
      VALUES ($4, $1, $2, $5, $6, $7, $8, $3)`,
  },
} as const;

const run = (deps: WriteDeps, name: string, text: string, values: unknown[]) => deps.query({ name, text, values });

async function runMerge(deps: WriteDeps, merge: PlannedMerge, messageId: string, sourceId: string, at: string): Promise<void> {
  await run(deps, SQL.merge.name, SQL.merge.text, [merge.survivorId, merge.absorbedId, at, randomUUID(), merge.rule, JSON.stringify(merge.via), messageId, sourceId]);
}

/** Applies one plan with the per-event statements (after the caller flushed its buffer and emptied its caches). */
export async function applyDirectly(input: ApplyInput, deps: WriteDeps): Promise<{ profileId: string | undefined }> {
  const { event, sourceId, plan } = input;
  const at = event.receivedAt;
  const time = toMillis(event.timestamp);
  const profileId = plan.target.kind === 'new' ? deps.ids.profileId() : plan.target.kind === 'existing' ? plan.target.profileId : undefined;
  const month = monthOf(time);
  if (month && !deps.knownMonths.has(month) && !deps.ensuredMonths.has(month)) {
    await run(deps, ENSURE_PARTITION_STATEMENT.name, ENSURE_PARTITION_STATEMENT.text, [month]);
    deps.ensuredMonths.add(month);
  }
  for (const merge of plan.merges) await runMerge(deps, merge, event.messageId, sourceId, at);
  const linked = profileId === undefined ? [] : plan.links.map((l) => l.identifier);
  const touched = profileId === undefined ? [] : plan.touches;
  const traits = traitChanges(plan, profileId);
  await run(deps, SQL.apply.name, SQL.apply.text, [
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
    [...traits.values()].map((t) => (t.value === null ? null : JSON.stringify(t.value))),
    event.messageId,
    event.type,
    event.event ?? null,
    JSON.stringify(event),
    plan.links.length > 0 || plan.merges.length > 0 || traits.size > 0,
    [...traits.values()].map((t) => t.trust),
  ]);
  if (profileId !== undefined && traits.size > 0) {
    const keys = [...traits.keys()];
    await run(deps, PRUNE_TRAIT_HISTORY.name, PRUNE_TRAIT_HISTORY.text, [keys.map(() => profileId), keys, TRAIT_HISTORY_KEPT]);
  }
  const warnings = planWarnings(input, profileId, at);
  if (warnings.length > 0) await run(deps, WARNINGS_STATEMENT.name, WARNINGS_STATEMENT.text, warningColumns(warnings));
  return { profileId };
}
