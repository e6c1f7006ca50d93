/**
 * Row → record mappers shared by the SQLite and PostgreSQL adapters. Why one copy: the API's shapes must be
 * the same whichever store answers. The only dialect difference is JSON columns (SQLite hands back text,
 * PostgreSQL's jsonb an object) and NUMERIC (PostgreSQL hands back a string): `jsonColumn` and `Number`
 * absorb both.
 */
import type { Identifier } from '@kin/core';
import type { MatchLink, ReviewItem, ReviewStatus } from './matching-store.ts';
import type {
  IdentifierProvenance,
  MergeRecord,
  ProfileView,
  RefusalRecord,
  SourceRecord,
  StoreStats,
  TraitChange,
  TraitHistory,
  WarningRecord,
} from './storage.ts';
import { TRAIT_HISTORY_KEPT } from './storage.ts';

/** A database row as a driver returns it. */
export type Row = Record<string, unknown>;

/** A JSON column's value: parsed when the driver returned text. Our JSON columns hold objects and arrays only. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** A source row. */
export function toSource(row: Row): SourceRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    createdAt: row.created_at as string,
    ...(row.revoked_at ? { revokedAt: row.revoked_at as string } : {}),
  };
}

/** The totals from the store's counters, read by name (`events`, `profiles`, `external_ids`, `merges`, `warnings`). */
export function toStoreStats(counter: (name: string) => number): StoreStats {
  return {
    events: counter('events'),
    profiles: counter('profiles'),
    externalIds: counter('external_ids'),
    merges: counter('merges'),
    warnings: counter('warnings'),
  };
}

/** A warning row. */
export function toWarning(row: Row): WarningRecord {
  const optional = (key: string, column: string) => (row[column] == null ? {} : { [key]: row[column] as string });
  return {
    id: String(row.seq),
    kind: row.kind as string,
    message: row.message as string,
    createdAt: row.created_at as string,
    count: Number(row.count ?? 1),
    lastSeenAt: (row.last_seen_at ?? row.created_at) as string,
    ...optional('code', 'code'),
    ...optional('field', 'field'),
    ...optional('sourceId', 'source_id'),
    ...optional('messageId', 'message_id'),
    ...optional('profileId', 'profile_id'),
  };
}

/** A ledger row as the API shows it. */
export function toMerge(row: Row): MergeRecord {
  return {
    id: row.id as string,
    survivorId: row.survivor_id as string,
    absorbedId: row.absorbed_id as string,
    rule: row.rule as string,
    via: jsonColumn<Identifier[]>(row.via),
    messageId: row.message_id as string,
    sourceId: row.source_id as string,
    createdAt: row.created_at as string,
    ...(row.sides ? { sides: jsonColumn<NonNullable<MergeRecord['sides']>>(row.sides) } : {}),
    ...(row.undone_by ? { undoneBy: row.undone_by as string } : {}),
    ...(row.rule_id ? { ruleId: row.rule_id as string } : {}),
  };
}

/** An identifier row with how it was linked (for explain). */
export function toIdentifierProvenance(row: Row): IdentifierProvenance {
  return {
    type: row.type as string,
    value: row.value as string,
    sourceId: row.source_id as string,
    firstSeen: row.first_seen as string,
    lastSeen: row.last_seen as string,
    ...(row.link_message_id ? { messageId: row.link_message_id as string } : {}),
    ...(row.link_rule ? { rule: row.link_rule as string } : {}),
    ...(row.linked_at ? { linkedAt: row.linked_at as string } : {}),
  };
}

/** A refusal row. */
export function toRefusalRecord(row: Row): RefusalRecord {
  return {
    ...(row.profile_id ? { profileId: row.profile_id as string } : {}),
    type: row.type as string,
    value: row.value as string,
    reason: row.reason as string,
    detail: row.detail as string,
    messageId: row.message_id as string,
    sourceId: row.source_id as string,
    at: row.at as string,
  };
}

/** A review-queue row. */
export function toReviewItem(row: Row): ReviewItem {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    aProfile: row.a_profile as string,
    bProfile: row.b_profile as string,
    probability: Number(row.probability),
    reason: row.reason as string,
    evidence: jsonColumn<ReviewItem['evidence']>(row.evidence),
    status: row.status as ReviewStatus,
    createdAt: row.created_at as string,
    ...(row.decided_at ? { decidedAt: row.decided_at as string } : {}),
  };
}

/** A match-link row. */
export function toMatchLink(row: Row): MatchLink {
  return {
    messageId: row.message_id as string,
    runId: row.run_id as string,
    rule: row.rule as MatchLink['rule'],
    survivorId: row.survivor_id as string,
    absorbedId: row.absorbed_id as string,
    probability: Number(row.probability),
    evidence: jsonColumn<MatchLink['evidence']>(row.evidence),
    createdAt: row.created_at as string,
  };
}

/** The rows a profile view is made of, each list in the order the view shows it. */
export interface ProfileRows {
  profile: Row;
  /** type, value, source_id, first_seen, last_seen; by type, value. */
  identifiers: Row[];
  /** key, value; by key, removed traits left out. */
  traits: Row[];
  /** id of each profile merged into this one; by id. */
  mergedFrom: Row[];
  /** category, granted (1/0 or boolean), ts; by category. */
  consent: Row[];
}

/**
 * A live profile as the API shows it, from its rows. `traitValue` decodes a trait's stored value: SQLite
 * keeps JSON text, PostgreSQL's jsonb arrives parsed (a string trait arrives as a plain string).
 */
export function toProfileView(id: string, rows: ProfileRows, traitValue: (stored: unknown) => unknown): ProfileView {
  const traits: Record<string, unknown> = {};
  // defineProperty: a trait key is any string; assigning `__proto__` would set the prototype, not a trait.
  for (const t of rows.traits)
    Object.defineProperty(traits, t.key as string, { value: traitValue(t.value), enumerable: true, writable: true, configurable: true });
  const consent: NonNullable<ProfileView['consent']> = {};
  for (const c of rows.consent) {
    // defineProperty: a category is any string, "__proto__" included.
    Object.defineProperty(consent, c.category as string, {
      value: { granted: c.granted === 1 || c.granted === true, timestamp: c.ts as string },
      enumerable: true,
    });
  }
  return {
    id,
    externalIds: rows.identifiers.map((x) => ({
      type: x.type as string,
      value: x.value as string,
      sourceId: x.source_id as string,
      firstSeen: x.first_seen as string,
      lastSeen: x.last_seen as string,
    })),
    traits,
    createdAt: rows.profile.created_at as string,
    updatedAt: rows.profile.updated_at as string,
    mergedFrom: rows.mergedFrom.map((x) => x.id as string),
    ...(Object.keys(consent).length > 0 ? { consent } : {}),
  };
}

/**
 * Each trait's current row with its history rows (both with `key, value, ts, source_id, trust`; history
 * ordered by key, then newest first), as `TraitHistory` by key. Keeps at most `TRAIT_HISTORY_KEPT` values:
 * a merge may briefly hold more until the next write prunes them.
 */
export function traitHistories(current: Row[], past: Row[], traitValue: (stored: unknown) => unknown): TraitHistory[] {
  const byKey = new Map<string, TraitChange[]>();
  for (const row of past) {
    const key = row.key as string;
    const list = byKey.get(key) ?? [];
    if (list.length < TRAIT_HISTORY_KEPT)
      list.push({ value: traitValue(row.value), timestamp: row.ts as string, sourceId: row.source_id as string, trust: Number(row.trust) });
    byKey.set(key, list);
  }
  return current.map((row) => ({
    key: row.key as string,
    value: traitValue(row.value),
    timestamp: row.ts as string,
    sourceId: row.source_id as string,
    trust: Number(row.trust),
    history: byKey.get(row.key as string) ?? [],
  }));
}
