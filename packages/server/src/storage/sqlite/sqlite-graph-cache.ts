/**
 * A write-through cache of the identity graph for the embedded store.
 *
 * Why it is safe: in embedded mode this process is the only writer of identifiers and profiles, and every
 * change goes through `applyEvent`, which updates the cache as it writes. A rolled-back transaction clears
 * the cache, so it never holds what the database does not. Why it matters: most events touch identifiers
 * seen moments ago; reading them from memory instead of three b-trees per event is most of the resolver's
 * share of the write path.
 */
import type { DoNotLinkRule, Identifier, KnownIdentifier, SnapshotProfile } from '@kin/core';
import { PairMap } from './pair-map.ts';

/** An identifier as cached: where it points and when it was first and last written as seen. */
export interface CachedIdentifier {
  profileId: string;
  firstSeen: string;
  lastSeen: string;
}

/** A profile as cached: what the resolver needs for limits. */
export interface CachedProfile {
  id: string;
  createdAt: string;
  mergeCount: number;
  /** The stored `updated_at`: an event of the same request leaves it as it is instead of rewriting it. */
  updatedAt: string;
  identifiers: Map<string, Identifier>;
  /**
   * The resolver's view, made once and reused until the profile changes. Why: building it copied every
   * identifier of the profile for every event. Whatever changes an identifier, lastSeen or mergeCount of the
   * profile drops it (see `changed`); the resolver never modifies a snapshot.
   */
  snapshot?: SnapshotProfile;
}

/** The newest entry of one trait's history and how many values the history keeps (sqlite-trait-history.ts). */
export interface TraitHead {
  seq: number;
  value: string | null;
  sourceId: string;
  trust: number;
  ts: string;
  n: number;
}

/** The history heads of one profile's traits; `null` remembers a trait without history. */
export interface ProfileTraitHeads {
  /** True for a profile this writer created: a trait missing from `byKey` has no history (no read needed). */
  complete: boolean;
  byKey: Map<string, TraitHead | null>;
}

/** The key of an identifier in the cache. */
export const cacheKey = (id: Identifier): string => `${id.type}\u0000${id.value}`;

/** The cache; bounded by a simple reset when it grows past its limits. */
export class GraphCache {
  /** By (type, value); `null` remembers that an identifier is not in the graph. */
  readonly identifiers = new PairMap<CachedIdentifier | null>();
  readonly profiles = new Map<string, CachedProfile>();
  /** Device or anonymous identifier (type, value) -> user id -> seq of the event that paired them. */
  readonly deviceUsers = new PairMap<Map<string, number>>();
  /** Every do-not-link rule and tombstone, loaded whole on first use (both are few: admin actions). */
  rules: { byId: Map<string, DoNotLinkRule>; byMember: Map<string, Set<string>> } | undefined;
  tombstones: Set<string> | undefined;
  /** By profile id: the newest history entry of each trait written or read (sqlite-trait-history.ts). */
  readonly traitHeads = new Map<string, ProfileTraitHeads>();
  /** Heads added to `traitHeads` since it was last emptied (never lowered: it only bounds its size). */
  traitHeadCount = 0;

  constructor(private readonly maxIdentifiers = 2_000_000) {}

  /** Called at the start of a transaction, never inside one, so a plan never outlives its snapshot. */
  trim(): void {
    if (
      this.identifiers.size > this.maxIdentifiers ||
      this.profiles.size > this.maxIdentifiers / 2 ||
      this.deviceUsers.size > this.maxIdentifiers / 2
    ) {
      this.clear();
    }
  }

  clear(): void {
    this.identifiers.clear();
    this.profiles.clear();
    this.deviceUsers.clear();
    this.forgetTraitHeads();
    this.rules = undefined;
    this.tombstones = undefined;
  }

  /** Empties `traitHeads` alone: they are read again on demand (sqlite-trait-history.ts bounds them so). */
  forgetTraitHeads(): void {
    this.traitHeads.clear();
    this.traitHeadCount = 0;
  }

  /** The resolver's view of a cached profile. */
  snapshotOf(profile: CachedProfile): SnapshotProfile {
    if (profile.snapshot) return profile.snapshot;
    const identifiers: KnownIdentifier[] = [];
    for (const id of profile.identifiers.values()) {
      const cached = this.identifiers.get(id.type, id.value);
      if (cached) identifiers.push({ type: id.type, value: id.value, profileId: profile.id, lastSeen: cached.lastSeen });
    }
    profile.snapshot = { id: profile.id, createdAt: profile.createdAt, mergeCount: profile.mergeCount, identifiers };
    return profile.snapshot;
  }

  /** Drops the resolver's view of a profile whose identifiers, lastSeen values or merge count changed. */
  changed(profileId: string): void {
    const profile = this.profiles.get(profileId);
    if (profile) profile.snapshot = undefined;
  }
}
