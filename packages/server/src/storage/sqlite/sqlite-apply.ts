/**
 * The SQLite write path of one event: load the identity snapshot the resolver decides on (through the graph
 * cache), then apply its plan (profiles, merges, identifiers, traits and their history, consent, warnings,
 * the event row and its timeline entry). Runs inside the store's write transaction (sqlite-store.ts).
 */
import type { Identifier, IdentitySnapshot, KnownIdentifier, SnapshotProfile } from '@kin/core';
import { compareTypeValue, epochMs, sortInPlace } from '@kin/core';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { ApplyInput, NewWarning } from '../storage.ts';
import { LAST_SEEN_GRANULARITY_MS } from '../storage.ts';
import { foldWarnings, planWarnings } from '../warning-subject.ts';
import type { CachedProfile, GraphCache } from './sqlite-graph-cache.ts';
import { cacheKey } from './sqlite-graph-cache.ts';
import type { SqliteIdentity } from './sqlite-identity.ts';
import type { MessageIdIndex } from './sqlite-message-ids.ts';
import type { EventBlocks } from './sqlite-event-blocks.ts';
import type { SourceMinutes } from './sqlite-source-minutes.ts';
import type { Timeline } from './sqlite-timeline.ts';
import type { WriteStatements } from './sqlite-write-statements.ts';
import type { SqliteMatchIndex } from './sqlite-match-index.ts';
import type { SqliteTraitHistory, TraitHistoryEntry } from './sqlite-trait-history.ts';
import { PairMap } from './pair-map.ts';

/** What the write path writes through. */
export interface SqliteApplyDeps {
  statements: WriteStatements;
  ids: IdGenerator;
  clock: Clock;
  cache: GraphCache;
  identity: SqliteIdentity;
  timeline: Timeline;
  messageIds: MessageIdIndex;
  sourceMinutes: SourceMinutes;
  eventBlocks: EventBlocks;
  /** The blocking index of incremental matching, told of person-trait changes and merges. */
  matchIndex: SqliteMatchIndex;
  traitHistory: SqliteTraitHistory;
}

/** The write path of one store (see the file comment). */
export function createSqliteApply({
  statements,
  ids,
  clock,
  cache,
  identity,
  timeline,
  messageIds,
  sourceMinutes,
  eventBlocks,
  matchIndex,
  traitHistory,
}: SqliteApplyDeps) {
  /**
   * lastSeen / firstSeen moves of this transaction, one per identifier, written at commit. Why: an active
   * identifier is touched again and again within one group commit; the cache already holds the new values
   * (the resolver reads those), and max/min make the coalesced write equal to the separate ones.
   * Invariant: every key here is in the cache, so a cache miss never reads a row with a pending touch;
   * whatever reads identifiers on the writer connection otherwise (a profile's load, admin steps) flushes first.
   */
  const pendingTouches = new PairMap<{ type: string; value: string; first: string; last: string }>();

  function flushTouches(): void {
    if (pendingTouches.size === 0) return;
    const s = statements;
    // In key order: neighbouring rows share b-tree pages.
    const touches = [...pendingTouches.values()].sort(compareTypeValue);
    for (const t of touches) s.touchIdentifier.run(t.last, t.first, t.type, t.value);
    pendingTouches.clear();
  }

  function claim(sourceId: string, messageId: string): boolean {
    return messageIds.claim(sourceId, messageId, clock.now().getTime());
  }

  function loadSnapshot(identifiers: Identifier[], beforeSeq: number, deviceTypes: readonly string[] | undefined): IdentitySnapshot {
    const s = statements;
    const known: KnownIdentifier[] = [];
    const profiles = new Map<string, SnapshotProfile>();
    for (const identifier of identifiers) {
      let cached = cache.identifiers.get(identifier.type, identifier.value);
      if (cached === undefined) {
        const row = s.identifier.get(identifier.type, identifier.value) as
          { profile_id: string; first_seen: string; last_seen: string } | undefined;
        cached = row ? { profileId: row.profile_id, firstSeen: row.first_seen, lastSeen: row.last_seen } : null;
        cache.identifiers.set(identifier.type, identifier.value, cached);
      }
      if (!cached) continue;
      known.push({ type: identifier.type, value: identifier.value, profileId: cached.profileId, lastSeen: cached.lastSeen });
      if (!profiles.has(cached.profileId)) profiles.set(cached.profileId, cache.snapshotOf(cachedProfile(cached.profileId)));
    }
    return identity.extendSnapshot(identifiers, { known, profiles }, beforeSeq, deviceTypes);
  }

  /** A profile from the cache, loaded (with all its identifiers) on a miss. */
  function cachedProfile(profileId: string): CachedProfile {
    const hit = cache.profiles.get(profileId);
    if (hit) return hit;
    const s = statements;
    flushTouches();
    const row = s.profile.get(profileId) as { created_at: string; updated_at: string; merge_count: number } | undefined;
    if (!row) throw new Error(`identifier points at missing profile ${profileId}`);
    const profile: CachedProfile = {
      id: profileId,
      createdAt: row.created_at,
      mergeCount: row.merge_count,
      updatedAt: row.updated_at,
      identifiers: new Map(),
    };
    for (const h of s.profileIdentifiers.all(profileId) as Array<{ type: string; value: string; first_seen: string; last_seen: string }>) {
      const id = { type: h.type, value: h.value };
      profile.identifiers.set(cacheKey(id), id);
      cache.identifiers.set(h.type, h.value, { profileId, firstSeen: h.first_seen, lastSeen: h.last_seen });
    }
    cache.profiles.set(profileId, profile);
    return profile;
  }

  /**
   * Writes one trait and its history; true when its stored value may have changed (a repeat that only moved
   * its time did not). Why not a closure in applyEvent: a named arrow is named again (`__name`, a
   * defineProperty) on every event when run through tsx, which keeps names.
   */
  function writeTrait(entry: TraitHistoryEntry): boolean {
    const s = statements;
    const repeat = traitHistory.record(entry);
    // Why not the upsert alone: setting `value` rewrites every index on it (value, name search) even when
    // it is unchanged. A repeat most likely leaves the value as it is, so it first tries to move only the
    // time, source and rank; otherwise the upsert runs directly (an extra statement for a changed value).
    if (repeat && s.refreshTrait.run(entry).changes > 0) return false;
    return s.setTrait.run(entry.profileId, entry.key, entry.value, entry.ts, entry.sourceId, entry.trust).changes > 0;
  }

  function applyEvent({ event, sourceId, plan, unverified, replay, payload }: ApplyInput): string | undefined {
    const s = statements;
    const at = event.receivedAt;
    const time = event.timestamp;
    let profileId: string | undefined;
    let profile: CachedProfile | undefined;
    if (plan.target.kind === 'new') {
      profileId = replay?.profileIdForNew ?? ids.profileId();
      s.insertProfile.run(profileId, at, at, event.messageId, sourceId);
      profile = { id: profileId, createdAt: at, mergeCount: 0, updatedAt: at, identifiers: new Map() };
      cache.profiles.set(profileId, profile);
      if (!replay) traitHistory.created(profileId);
    } else if (plan.target.kind === 'existing') {
      profileId = plan.target.profileId;
      profile = cachedProfile(profileId);
    }
    for (const merge of plan.merges) {
      const survivor = cachedProfile(merge.survivorId);
      const absorbed = cachedProfile(merge.absorbedId);
      // Sorted by (type, value), as PostgreSQL lists them: the cache's insertion order depends on its history.
      const sides = {
        survivor: sortedIdentifiers(survivor.identifiers.values()),
        absorbed: sortedIdentifiers(absorbed.identifiers.values()),
      };
      s.moveIdentifiers.run(merge.survivorId, merge.absorbedId);
      s.mergeTraits.run(merge.survivorId, merge.absorbedId);
      s.dropTraits.run(merge.absorbedId);
      traitHistory.merged(merge.survivorId, merge.absorbedId);
      if (plan.consent?.onMerge === 'latest') s.mergeConsentLatest.run(merge.survivorId, merge.absorbedId);
      else s.mergeConsentRestrictive.run(merge.survivorId, merge.absorbedId);
      s.dropConsent.run(merge.absorbedId);
      s.forward.run(merge.survivorId, at, merge.absorbedId, merge.absorbedId);
      s.countMerge.run(1 + absorbed.mergeCount, at, merge.survivorId);
      s.insertMerge.run(
        ids.rowId(),
        merge.survivorId,
        merge.absorbedId,
        merge.rule,
        JSON.stringify(merge.via),
        event.messageId,
        sourceId,
        at,
        JSON.stringify(sides),
      );
      for (const [key, id] of absorbed.identifiers) {
        survivor.identifiers.set(key, id);
        const cached = cache.identifiers.get(id.type, id.value);
        if (cached) cached.profileId = merge.survivorId;
      }
      matchIndex.merged(merge.survivorId, merge.absorbedId, !replay);
      survivor.mergeCount += 1 + absorbed.mergeCount;
      survivor.updatedAt = at;
      survivor.snapshot = undefined;
      cache.profiles.delete(merge.absorbedId);
    }
    if (profileId !== undefined && profile) {
      for (const { identifier, rule } of plan.links) {
        s.insertIdentifier.run(identifier.type, identifier.value, profileId, sourceId, time, time, event.messageId, rule, time);
        profile.identifiers.set(cacheKey(identifier), { type: identifier.type, value: identifier.value });
        profile.snapshot = undefined;
        cache.identifiers.set(identifier.type, identifier.value, { profileId, firstSeen: time, lastSeen: time });
      }
      for (const touch of plan.touches) {
        const cached = cache.identifiers.get(touch.type, touch.value);
        // Why a granularity (LAST_SEEN_GRANULARITY_MS): re-writing lastSeen on every event would dirty a random
        // identifier page per event.
        if (!cached) {
          s.touchIdentifier.run(time, time, touch.type, touch.value);
        } else if (time < cached.firstSeen || epochMs(time) - epochMs(cached.lastSeen) >= LAST_SEEN_GRANULARITY_MS) {
          const pending = pendingTouches.get(touch.type, touch.value);
          if (!pending) pendingTouches.set(touch.type, touch.value, { type: touch.type, value: touch.value, first: time, last: time });
          else {
            if (time > pending.last) pending.last = time;
            if (time < pending.first) pending.first = time;
          }
          if (time > cached.lastSeen) cached.lastSeen = time;
          if (time < cached.firstSeen) cached.firstSeen = time;
          cache.changed(cached.profileId);
        }
      }
      const traitKeys = Object.keys(plan.traits.set);
      if (traitKeys.length > 0 || plan.traits.unset.length > 0) {
        const { trust, unset } = plan.traits;
        // The blocking keys change only with a person trait's value (an identify repeating its email does not).
        let person = false;
        let attribute = false;
        const count = traitKeys.length + unset.length;
        for (let i = 0; i < count; i++) {
          const set = i < traitKeys.length;
          const key = set ? traitKeys[i]! : unset[i - traitKeys.length]!;
          const rank = trust && Object.hasOwn(trust, key) ? (trust[key] ?? 0) : 0;
          const value = set ? JSON.stringify(plan.traits.set[key]) : null;
          if (!writeTrait({ profileId, key, value, ts: time, sourceId, trust: rank }) || !matchIndex.isPersonTrait(key)) continue;
          person = true;
          if (key !== 'email' && key !== 'phone') attribute = true;
        }
        if (person) matchIndex.changed(profileId, !replay, !attribute);
      }
      // Why not Object.entries(… ?? {}): nearly no event carries consent, and that made two objects per event.
      const categories = plan.consent?.categories;
      let consented = false;
      if (categories !== undefined) {
        for (const [category, granted] of Object.entries(categories)) {
          s.setConsent.run(profileId, category, granted ? 1 : 0, time);
          consented = true;
        }
      }
      const changed = plan.links.length > 0 || plan.merges.length > 0 || traitKeys.length > 0 || plan.traits.unset.length > 0 || consented;
      // Why the comparison: the events of one request share `at`, so all but the first would rewrite the
      // same value (a dirty page for nothing). The cached value tracks every write of updated_at here.
      if (changed && plan.target.kind === 'existing' && profile.updatedAt !== at) {
        s.touchProfile.run(at, profileId);
        profile.updatedAt = at;
      }
    }
    if (!replay && plan.warnings.length > 0) insertWarnings(planWarnings({ event, sourceId, plan }, profileId, at));
    let seq: number;
    if (replay) {
      timeline.assign(replay.seq, profileId ?? null);
      seq = replay.seq;
    } else {
      const unverifiedJson = unverified ? JSON.stringify(unverified) : null;
      seq = Number(
        s.insertEvent.run(event.messageId, sourceId, profileId ?? null, event.type, event.event ?? null, time, at, payload, unverifiedJson)
          .lastInsertRowid,
      );
      messageIds.backed(sourceId, event.messageId, seq);
      if (profileId !== undefined) timeline.append(seq, profileId, time);
      sourceMinutes.count(sourceId, at);
      eventBlocks.added(seq);
    }
    if (plan.refused.length > 0) identity.recordRefusals(plan.refused, { profileId, messageId: event.messageId, sourceId, at: time });
    if (plan.deviceUsers) identity.recordDeviceUsers(plan.deviceUsers, seq);
    return profileId;
  }

  /** Adds warnings to their subjects' records (see warning-subject.ts). */
  function insertWarnings(warnings: NewWarning[]): void {
    if (warnings.length === 0) return;
    const s = statements;
    for (const x of foldWarnings(warnings)) {
      s.upsertWarning.run(
        x.kind,
        x.code ?? null,
        x.field ?? null,
        x.message,
        x.sourceId ?? null,
        x.messageId ?? null,
        x.profileId ?? null,
        x.createdAt,
        x.subject,
        x.count,
        x.lastSeenAt,
      );
    }
  }

  return {
    claim,
    loadSnapshot,
    applyEvent,
    insertWarnings,
    flushTouches,
    /** Forgets the touches of a transaction that rolled back. */
    dropTouches: () => pendingTouches.clear(),
  };
}

function sortedIdentifiers(identifiers: Iterable<Identifier>): Identifier[] {
  return sortInPlace([...identifiers], compareTypeValue);
}
