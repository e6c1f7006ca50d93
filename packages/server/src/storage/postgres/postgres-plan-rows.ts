/**
 * A followed plan as buffered rows of the PostgreSQL write path (postgres-writes.ts): the target's links,
 * touches, traits and consent, the event (or a replay's assignment), refusals and device/user pairs, with the
 * graph cache, trust cache and match index kept in step. Apart from the write path, which orchestrates
 * lookups, merges and flushes, so each reads on its own; nothing here runs a statement.
 */
import type { Identifier } from '@kin/core';
import { PERSON_TRAIT_KEYS } from '../../matching/match-keys.ts';
import type { ApplyInput } from '../storage.ts';
import { planWarnings } from '../warning-subject.ts';
import { keyOf, type TxGraphCache } from './postgres-graph-cache.ts';
import type { MatchIndexChanges } from './postgres-match-index.ts';
import { monthOf } from './postgres-partitions.ts';
import { PENDING_SEQ, type TrustCache } from './postgres-trust-cache.ts';
import { LAST_SEEN_GRANULARITY_SECONDS, traitChanges } from './postgres-write-values.ts';
import type { WriteBuffer } from './postgres-write-buffer.ts';
import type { WriteDeps } from './postgres-writes.ts';

/** The state of one transaction the rows of a plan go into. */
export interface PlanRowsState {
  readonly deps: Pick<WriteDeps, 'knownMonths' | 'ensuredMonths' | 'digest'>;
  readonly buffer: WriteBuffer;
  readonly cache: TxGraphCache;
  readonly trust: TrustCache;
  readonly matchIndex: MatchIndexChanges;
  /** Months of buffered events whose partition the next flush makes sure of. */
  readonly bufferedMonths: Set<string>;
}

/** Buffers the rows of a followable plan whose merges are applied; `at` and `time` are the event's received and event times. */
export function bufferPlanRows(state: PlanRowsState, input: ApplyInput, profileId: string | undefined, at: string, time: string): void {
  const { deps, buffer, cache, trust, matchIndex, bufferedMonths } = state;
  const { event, sourceId, plan, replay } = input;

  const traits = traitChanges(plan, profileId);
  const consent = profileId === undefined ? [] : Object.entries(plan.consent?.categories ?? {});
  if (profileId !== undefined) {
    if (plan.target.kind === 'new') {
      buffer.createProfile(profileId, at, { messageId: event.messageId, sourceId });
      cache.addProfile(profileId, at);
    } else if (plan.links.length > 0 || plan.merges.length > 0 || traits.size > 0 || consent.length > 0) buffer.touchProfile(profileId, at);
    for (const { identifier, rule } of plan.links) {
      cache.link(identifier, profileId, time);
      buffer.link(keyOf(identifier.type, identifier.value), {
        ...identifier,
        profile_id: profileId,
        source_id: sourceId,
        first_seen: time,
        last_seen: time,
        link_message_id: event.messageId,
        link_rule: rule,
        linked_at: time,
      });
    }
    for (const touched of plan.touches) touchIdentifier(state, touched, time);
    let person = false;
    for (const [key, { value, trust }] of traits) {
      buffer.setTrait({ profile_id: profileId, key, value, ts: time, source_id: sourceId, trust });
      person ||= PERSON_TRAIT_KEYS.has(key);
    }
    if (person) matchIndex.changed(profileId, !replay);
    for (const [category, granted] of consent) buffer.setConsent({ profile_id: profileId, category, granted, ts: time });
  }
  let position: number | null = null;
  if (replay) buffer.assignEvent(replay.seq, time, profileId ?? null);
  else {
    const month = monthOf(time);
    if (month && !deps.knownMonths.has(month) && !deps.ensuredMonths.has(month)) bufferedMonths.add(month);
    position = buffer.addEvent({
      message_id: event.messageId,
      source_id: sourceId,
      profile_id: profileId ?? null,
      type: event.type,
      event: event.event ?? null,
      timestamp: time,
      received_at: at,
      payload: input.payload,
      unverified: input.unverified ?? null,
    });
    buffer.addWarnings(planWarnings(input, profileId, at));
  }
  // Refusals are kept for explain; `invalid` ones are left out to bound volume (any string can be invalid).
  for (const r of plan.refused) {
    if (r.reason === 'invalid') continue;
    // A tombstoned identifier is kept as its digest here too: the refusals would list removed values again.
    const value = r.reason === 'tombstoned' ? deps.digest(r.identifier) : r.identifier.value;
    buffer.addRefusal({
      profile_id: profileId ?? null,
      type: r.identifier.type,
      value,
      reason: r.reason,
      detail: r.detail,
      message_id: event.messageId,
      source_id: sourceId,
      at: time,
    });
  }
  for (const pair of plan.deviceUsers ?? []) {
    if (!trust.addDeviceUser(pair.identifier, pair.userId, replay?.seq ?? PENDING_SEQ)) continue;
    buffer.addDeviceUser({ ...pair.identifier, user_id: pair.userId, seq: replay?.seq ?? null, event: position });
  }
}

/** lastSeen moves only by an hour or more, or when the event is older than firstSeen (as the statement does). */
function touchIdentifier({ buffer, cache }: PlanRowsState, identifier: Identifier, time: string): void {
  const cached = cache.identifier(identifier);
  if (!cached) return;
  const t = Date.parse(time);
  const first = Date.parse(cached.firstSeen);
  const last = Date.parse(cached.lastSeen);
  if (!(t < first || t - last >= LAST_SEEN_GRANULARITY_SECONDS * 1000)) return;
  if (t > last) cached.lastSeen = time;
  if (t < first) cached.firstSeen = time;
  buffer.touchIdentifier(keyOf(cached.type, cached.value), {
    type: cached.type,
    value: cached.value,
    first_seen: cached.firstSeen,
    last_seen: cached.lastSeen,
  });
}
