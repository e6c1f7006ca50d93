/**
 * Response shapes of the profile API (`/v1/profiles/…`, `/v1/search`). One contract: the server's
 * stores return these, its routes answer with them, and the dashboard reads them. Type-only.
 */
import type { Identifier } from '../identity/identity-types.ts';
import type { Channel } from '../spec/channel-classify.ts';
import type { TrackingEvent } from '../spec/event-types.ts';

/** An identifier as the profile API shows it. */
export interface ExternalId {
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
}

/** One trait with the event time and source of its last change. */
export interface Trait {
  key: string;
  value: unknown;
  timestamp: string;
  sourceId: string;
}

/** One value a trait received (`null`: unset), with the source, its rank for the trait and the event time. */
export interface TraitChange {
  value: unknown;
  timestamp: string;
  sourceId: string;
  /** The source's rank for this trait under the policy's `traitSources` (higher wins first; 0: unranked). */
  trust: number;
}

/**
 * `GET /v1/profiles/{ref}/traits?history=1`: a trait's current value (`null` when unset) and the values it
 * received, newest event time first (at most 20, kept by event time), including those that lost to a more
 * trusted source.
 */
export interface TraitHistory {
  key: string;
  value: unknown;
  timestamp: string;
  sourceId: string;
  trust: number;
  history: TraitChange[];
}

/** `GET /v1/profiles/{ref}`: a profile. */
export interface Profile {
  id: string;
  externalIds: ExternalId[];
  traits: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Every profile id ever folded into this one (directly or through earlier merges). */
  mergedFrom: string[];
  /** Consent per category with the event time it was set (`context.consent.categoryPreferences`). */
  consent?: Record<string, { granted: boolean; timestamp: string }>;
  /** Computed-trait values by key (docs/computed-traits.md); added by the profile route, not the stores. */
  computedTraits?: Record<string, unknown>;
}

/** An event on the timeline: the normalised tracking event plus where it came from and whom it belongs to. */
export interface TimelineEvent extends TrackingEvent {
  sourceId: string;
  profileId?: string;
}

/** One entry of the merge ledger (`GET /v1/profiles/{ref}/merges`). */
export interface Merge {
  id: string;
  survivorId: string;
  absorbedId: string;
  rule: string;
  via: Identifier[];
  messageId: string;
  sourceId: string;
  createdAt: string;
  /** Each side's identifiers when the merge happened (what an undo separates); absent on old entries. */
  sides?: { survivor: Identifier[]; absorbed: Identifier[] };
  /** The undo or split ledger entry that reverted this merge (it may have happened again by replay). */
  undoneBy?: string;
  /** Undo and split entries: the do-not-link rule they created. */
  ruleId?: string;
}

/** A profile found by search (`GET /v1/search`), with enough to show it in a list. */
export interface ProfileMatch {
  id: string;
  /** What matched: `identifier` (type:value) or `trait` (key). */
  matchedOn: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
}

/** `GET /v1/search`: one page of matches and how many there are. */
export interface SearchPage {
  data: ProfileMatch[];
  /** Matches found, at most the server's search cap (then `totalCapped`). */
  total: number;
  totalCapped: boolean;
  offset: number;
  limit: number;
}

/** A row of the profile list (`GET /v1/profiles`). */
export interface ProfileListRow extends Omit<ProfileMatch, 'matchedOn'> {
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/profiles`: one page of the profile list and how many profiles there are. */
export interface ProfileList {
  data: ProfileListRow[];
  total: number;
  offset: number;
  limit: number;
}

/** `GET /v1/profiles/{ref}/summary`: the summary of one profile's activity. */
export interface ProfileActivity {
  events: number;
  /** Event time (not ingest time) of the oldest and newest event read. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Events per channel, channels with none left out. */
  channels: Partial<Record<Channel, number>>;
  /** `Order Completed` events. */
  orders: number;
  /** Sum of the orders' `revenue` (or `total`) per currency (`properties.currency`, else `""`). */
  revenue: Record<string, number>;
  /** True when the profile has more events than the summary read. */
  truncated: boolean;
}
