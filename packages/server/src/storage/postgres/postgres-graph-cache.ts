/**
 * The identity graph one PostgreSQL transaction holds locked, in memory. Filled by `kin_lock_snapshot`
 * (a batch's identifiers at once, or one event's on a miss) and kept up to date by the transaction's own
 * writes (write-through), so the snapshots of a batch's events cost no round trip.
 *
 * Why the cache cannot go stale: it only holds what the transaction has locked. An identifier that was
 * looked up is locked (present or absent: nobody else can create it), and a reached profile is locked
 * (nobody else can link to it, touch it or merge it), so its identifier list is complete and stays so.
 * The cache lives and dies with one transaction attempt.
 */
import type { Identifier, IdentitySnapshot, KnownIdentifier, SnapshotProfile } from '@kin/core';

/** An identifier as the transaction knows it (times are ISO strings with milliseconds, as stored). */
export interface CachedIdentifier {
  type: string;
  value: string;
  profileId: string;
  firstSeen: string;
  lastSeen: string;
}

interface CachedProfile {
  id: string;
  createdAt: string;
  mergeCount: number;
  /** Keys (see `keyOf`) of all its identifiers. */
  identifiers: Set<string>;
}

/** A row of `kin_lock_snapshot` (or of a profile read by id, where a profile without identifiers has NULLs). */
export interface LockedSnapshotRow {
  profile_id: string;
  created_at: string;
  merge_count: number;
  type: string | null;
  value: string | null;
  first_seen: string;
  last_seen: string;
}

/** The key of an identifier in the cache (NUL cannot occur in a type). */
export const keyOf = (type: string, value: string): string => `${type}\u0000${value}`;

/** The transaction-scoped graph. */
export class TxGraphCache {
  private readonly identifiers = new Map<string, CachedIdentifier>();
  private readonly profiles = new Map<string, CachedProfile>();
  /** Identifiers looked up under lock, whether or not they exist. */
  private readonly asked = new Set<string>();

  /** True when the cache can answer for this identifier without asking the database. */
  covers(identifier: Identifier): boolean {
    const key = keyOf(identifier.type, identifier.value);
    return this.asked.has(key) || this.identifiers.has(key);
  }

  hasProfile(profileId: string): boolean {
    return this.profiles.has(profileId);
  }

  identifier(identifier: Identifier): CachedIdentifier | undefined {
    return this.identifiers.get(keyOf(identifier.type, identifier.value));
  }

  /** Takes what the database answered for `asked` (read after every buffered write was flushed). */
  load(asked: Identifier[], rows: LockedSnapshotRow[]): void {
    for (const id of asked) this.asked.add(keyOf(id.type, id.value));
    const fresh = new Map<string, CachedProfile>();
    for (const row of rows) {
      let profile = fresh.get(row.profile_id);
      if (!profile) {
        profile = { id: row.profile_id, createdAt: row.created_at, mergeCount: row.merge_count, identifiers: new Set() };
        fresh.set(row.profile_id, profile);
      }
      if (row.type === null || row.value === null) continue;
      const key = keyOf(row.type, row.value);
      profile.identifiers.add(key);
      this.identifiers.set(key, {
        type: row.type,
        value: row.value,
        profileId: row.profile_id,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      });
    }
    for (const [id, profile] of fresh) this.profiles.set(id, profile);
  }

  /** A cached profile's identifiers, by (type, value) byte-wise: a merge's sides. */
  identifiersOf(profileId: string): Identifier[] {
    return (this.profileView(profileId)?.identifiers ?? []).map(({ type, value }) => ({ type, value }));
  }

  /** The snapshot of these identifiers, shaped exactly as the database function answers it. */
  snapshot(identifiers: Identifier[]): IdentitySnapshot {
    const snapshot: IdentitySnapshot = { known: [], profiles: new Map() };
    for (const identifier of identifiers) {
      const hit = this.identifiers.get(keyOf(identifier.type, identifier.value));
      if (!hit) continue;
      snapshot.known.push({ ...identifier, profileId: hit.profileId, lastSeen: hit.lastSeen });
      if (!snapshot.profiles.has(hit.profileId)) {
        const profile = this.profileView(hit.profileId);
        if (profile) snapshot.profiles.set(hit.profileId, profile);
      }
    }
    return snapshot;
  }

  /** A profile created by this transaction. */
  addProfile(profileId: string, createdAt: string): void {
    this.profiles.set(profileId, { id: profileId, createdAt, mergeCount: 0, identifiers: new Set() });
  }

  /** A new identifier joins a (cached) profile. */
  link(identifier: Identifier, profileId: string, time: string): CachedIdentifier {
    const key = keyOf(identifier.type, identifier.value);
    const cached = { type: identifier.type, value: identifier.value, profileId, firstSeen: time, lastSeen: time };
    this.identifiers.set(key, cached);
    this.profiles.get(profileId)?.identifiers.add(key);
    return cached;
  }

  /** Folds `absorbedId` into `survivorId`, as the merge statement does in the database. */
  merge(survivorId: string, absorbedId: string): void {
    const survivor = this.profiles.get(survivorId);
    const absorbed = this.profiles.get(absorbedId);
    if (!survivor || !absorbed) return;
    for (const key of absorbed.identifiers) {
      const identifier = this.identifiers.get(key);
      if (identifier) identifier.profileId = survivorId;
      survivor.identifiers.add(key);
    }
    survivor.mergeCount += 1 + absorbed.mergeCount;
    this.profiles.delete(absorbedId);
  }

  /** Forgets everything (after a write the cache could not follow). */
  clear(): void {
    this.identifiers.clear();
    this.profiles.clear();
    this.asked.clear();
  }

  private profileView(profileId: string): SnapshotProfile | undefined {
    const profile = this.profiles.get(profileId);
    if (!profile) return undefined;
    const identifiers: KnownIdentifier[] = [];
    for (const key of profile.identifiers) {
      const id = this.identifiers.get(key);
      if (id) identifiers.push({ type: id.type, value: id.value, profileId, lastSeen: id.lastSeen });
    }
    // The database answers them by (type, value), byte-wise.
    identifiers.sort(byTypeThenValue);
    return { id: profileId, createdAt: profile.createdAt, mergeCount: profile.mergeCount, identifiers };
  }
}

/** Identifiers by (type, value), byte-wise (a module function: a comparator made per call costs per snapshot). */
function byTypeThenValue(a: KnownIdentifier, b: KnownIdentifier): number {
  return byteOrder(a.type, b.type) || byteOrder(a.value, b.value);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
