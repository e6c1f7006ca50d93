/**
 * Types of the identity core: identifiers, the policy, the read-only snapshot the resolver decides on,
 * and the plan it returns. The server's store applies a plan in one transaction.
 */

import type { TraitChanges } from '../profile/trait-changes.ts';
import type { PrivacyPolicy, SourceRateLimit } from './edge-policy.ts';
import type { IncrementalMatchPolicy } from './match-policy.ts';

/** A normalised identifier, e.g. `{ type: 'email', value: 'ann@example.com' }`. */
export interface Identifier {
  type: string;
  value: string;
}

/** Per-type rules of the identity policy. */
export interface IdentifierTypePolicy {
  /** How many values of this type one profile may hold (within `windowDays` when set). */
  limit: number;
  /** Only values seen within this many days count towards `limit`. */
  windowDays?: number;
  /** 1 is the highest priority. When a link must be refused, the lowest priority (largest number) goes first. */
  priority: number;
}

/** The typed identity policy (validated once at start; see `parsePolicy`). */
export interface IdentityPolicy {
  /** Rules per identifier type; types not listed use `defaultType`. */
  types: Record<string, IdentifierTypePolicy>;
  defaultType: IdentifierTypePolicy;
  /** Values never used as identifiers, of any type: exact (case-insensitive) and regex (case-insensitive). */
  blocked: { exact: string[]; patterns: string[] };
  /** Trait keys whose value is an identifier: trait key -> identifier type. */
  traitIdentifiers: Record<string, string>;
  /**
   * Per trait key, the sources whose value wins, most trusted first (`"*"`: every source not listed; a
   * source not listed without `"*"` ranks below all). Rank decides before event time (see trait-merge.ts).
   */
  traitSources: Record<string, string[]>;
  /** Per-profile caps that raise warnings instead of silent growth. */
  caps: { maxMerges: number; maxIdentifiers: number };
  /** Default region for phone numbers without a country code (ISO 3166 alpha-2). */
  defaultPhoneRegion: string;
  /** Identity verification per source name (sources not listed: `off`). */
  sources: Record<string, SourceIdentityPolicy>;
  /** Over-merge guard: a device or anonymous id seen with more than `maxUserIds` user ids stops linking. */
  sharedDevice: { maxUserIds: number; deviceTypes: string[] };
  /** Consent: how categories combine on merge, and the category anonymous linking needs (if any). */
  consent: { onMerge: 'most_restrictive' | 'latest'; requiredForAnonymousLinking?: string };
  /** What is kept of personal data the edge receives (`privacy.ip`; see edge-policy.ts). */
  privacy: PrivacyPolicy;
  /** Landing stitching (R14): how many browsers one tracked-link click may bring, and for how long after it. */
  linkClick: { maxBrowsers: number; maxAgeDays: number };
  /** Incremental matching of arriving records (match-policy.ts); off when absent. */
  matching?: IncrementalMatchPolicy;
}

/**
 * Per-source identity rules: how a source proves that an event's `userId` (and email) belong to the
 * logged-in person, and the region its national phone numbers are read in (`defaultPhoneRegion`, an ISO
 * 3166 alpha-2 code; else the policy's).
 */
export type SourceIdentityPolicy = {
  defaultPhoneRegion?: string;
  /** Write-key rate limit (edge-policy.ts); the configuration's when absent. */ rateLimit?: SourceRateLimit | 'off';
} & (
  | { identityVerification: 'off' }
  | { identityVerification: 'hmac'; hmacSecret: string }
  | {
      identityVerification: 'jwt';
      /** HS256 shared secret; or keys from `jwksFile` / `jwksUrl` (RS256, ES256). Exactly one is set. */
      jwtSecret?: string;
      jwksFile?: string;
      jwksUrl?: string;
      issuer?: string;
      audience?: string;
    }
);

/** A do-not-link rule: no profile may hold identifiers of both sides (created by undo and split). */
export interface DoNotLinkRule {
  id: string;
  sides: [Identifier[], Identifier[]];
}

/** How many distinct user ids a device or anonymous identifier has been seen with (shared-device guard). */
export interface DeviceUsers {
  identifier: Identifier;
  /** Distinct user ids seen with it so far (the store may cap the list above the policy's maximum). */
  userIds: string[];
}

/** An identifier already in the graph, as the snapshot shows it. */
export interface KnownIdentifier extends Identifier {
  profileId: string;
  /** ISO time the identifier was last seen on an event. */
  lastSeen: string;
}

/** One profile that the event's identifiers reach, with what the resolver needs to check limits. */
export interface SnapshotProfile {
  id: string;
  createdAt: string;
  /** All identifiers the profile holds. */
  identifiers: KnownIdentifier[];
  /** How many merges this profile has absorbed so far. */
  mergeCount: number;
}

/**
 * The read-only part of the graph the resolver needs for one event: which of the event's identifiers
 * are known, and the profiles they reach. Built by the store inside the transaction that will apply the plan.
 */
export interface IdentitySnapshot {
  /** Known identifiers among those asked for; a missing entry means "unknown". */
  known: KnownIdentifier[];
  /**
   * Every profile a known identifier belongs to, keyed by id. Why a Map: a plain object keyed by profile ids
   * cost about 2 µs per event (each new id is a new hidden-class transition or a dictionary), a Map 0.1.
   */
  profiles: Map<string, SnapshotProfile>;
  /** Do-not-link rules touching the event's identifiers or the involved profiles' identifiers. */
  doNotLink?: DoNotLinkRule[];
  /** Removed identifiers among the event's: never linked again. */
  tombstoned?: Identifier[];
  /** For the event's device and anonymous identifiers: the distinct user ids each was seen with. */
  deviceUsers?: DeviceUsers[];
  /**
   * The tracked-link click the event names (`context.kin.link`, R14): `null` when looked up and unknown,
   * absent when the store was not asked (no `linkClick` on the event, or a store without links).
   */
  linkClick?: LinkClickSnapshot | null;
}

/** A recorded tracked-link click, as the resolver needs it for landing stitching (R14). */
export interface LinkClickSnapshot {
  clickId: string;
  /** ISO time of the click. */
  at: string;
  /** Flagged as a bot or link scanner: never stitches. */
  bot: boolean;
  /**
   * An identifier of the clicked profile (the recipient's), added to the snapshot's keys so that the
   * snapshot reaches the profile it is on now, after any merge. Absent for a click without a valid token.
   */
  anchor?: Identifier;
  /** Anonymous ids this click already linked, sorted. */
  browsers: string[];
}

/** Why an identifier of an event was not linked. */
export type RefusalReason =
  'invalid' | 'blocked' | 'limit' | 'unverified' | 'shared_device' | 'do_not_link' | 'tombstoned' | 'no_consent' | 'link_click';

/** An identifier the resolver refused to link, with the reason and a human-readable detail. */
export interface Refusal {
  identifier: Identifier;
  reason: RefusalReason;
  detail: string;
}

/** Names of the resolver's rules, recorded with every link and merge so each can be explained. */
export type ResolutionRule = 'new_profile' | 'attach' | 'merge' | 'alias' | 'link_click';

/** One merge the plan performs: `absorbedId` is folded into `survivorId`. */
export interface PlannedMerge {
  survivorId: string;
  absorbedId: string;
  rule: ResolutionRule;
  /** The event identifiers that joined the two profiles. */
  via: Identifier[];
}

/** A warning the plan raises (kept as an ingestion warning). */
export interface PlanWarning {
  kind: 'identifier_refused' | 'merge_cap' | 'identifier_cap' | 'no_identity' | 'unverified_identity' | 'shared_device';
  message: string;
  identifier?: Identifier;
  profileId?: string;
}

/**
 * What the resolver decided for one event. The target is the profile the event belongs to after the plan.
 * `new` means the store creates a profile (it assigns the id). `none` means no usable identifier: the event
 * is stored without a profile and a warning is raised.
 */
export interface ResolutionPlan {
  target: { kind: 'existing'; profileId: string } | { kind: 'new' } | { kind: 'none' };
  /** Profiles folded into the target, in order. Only with an `existing` target. */
  merges: PlannedMerge[];
  /** Identifiers new to the graph that join the target. */
  links: Array<{ identifier: Identifier; rule: ResolutionRule }>;
  /** Identifiers already on the target (or joining it through a merge) seen again: their lastSeen moves. */
  touches: Identifier[];
  refused: Refusal[];
  /** Trait changes from this event; `null` in `set` never appears: removed traits are in `unset`. */
  traits: TraitChanges;
  warnings: PlanWarning[];
  /** (device or anonymous identifier, user id) pairs seen on this event, for the shared-device guard. */
  deviceUsers?: Array<{ identifier: Identifier; userId: string }>;
  /** Consent categories stated by the event (`context.consent.categoryPreferences`), and how merges combine them. */
  consent?: { categories: Record<string, boolean>; onMerge: 'most_restrictive' | 'latest' };
  /** R14: a browser this event's tracked-link click brought, for the store to count against `linkClick.maxBrowsers`. */
  linkBrowser?: { clickId: string; anonymousId: string };
}
