/**
 * The shapes the dashboard reads from Kin's admin API. Why declared here: the dashboard talks to the
 * server over HTTP only and never imports server code; these mirror the documented JSON answers.
 */

/** An identifier of a profile. */
export interface ExternalId {
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
}

/** `GET /v1/profiles/{ref}`. */
export interface Profile {
  id: string;
  externalIds: ExternalId[];
  traits: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  mergedFrom: string[];
}

/** One trait with the time and source of its value. */
export interface Trait {
  key: string;
  value: unknown;
  timestamp: string;
  sourceId: string;
}

/** A stored event on the timeline. */
export interface TimelineEvent {
  type: 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';
  messageId: string;
  anonymousId?: string;
  userId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
  timestamp: string;
  receivedAt: string;
  sourceId: string;
  profileId?: string;
}

/** A page of results, newest first. */
export interface Page<T> {
  data: T[];
  cursor: { next: string | null; hasMore: boolean };
}

/** A merge ledger entry. */
export interface Merge {
  id: string;
  survivorId: string;
  absorbedId: string;
  rule: string;
  via: Array<{ type: string; value: string }>;
  messageId: string;
  sourceId: string;
  createdAt: string;
  /** The undo or split entry that reverted this merge. */
  undoneBy?: string;
}

/** An ingestion warning. */
export interface Warning {
  id: string;
  kind: string;
  code?: string;
  field?: string;
  message: string;
  sourceId?: string;
  messageId?: string;
  profileId?: string;
  /** First time; repeats of the same warning are one record with a count and the last time. */
  createdAt: string;
  count?: number;
  lastSeenAt?: string;
  /** With `subjects=1`: the person's name and the refused identifier. */
  subject?: { profileName?: string; identifier?: { type: string; value: string } };
}

/** A search hit. */
export interface ProfileMatch {
  id: string;
  matchedOn: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
}

/** A source with its activity. */
export interface Source {
  id: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
  events?: number;
  lastEventAt?: string | null;
}

/** Store counters. */
export interface Stats {
  events: number;
  profiles: number;
  externalIds: number;
  merges: number;
  warnings: number;
}

/** Events of one source in one minute. */
export interface VolumeBucket {
  sourceId: string;
  bucket: string;
  events: number;
}

/** `GET /v1/overview`. */
export interface Overview {
  stats: Stats;
  volume: { since: string; bucketMinutes: number; buckets: VolumeBucket[] };
  sources: Source[];
}

/** A node of the identity graph. */
export interface GraphNode {
  id: string;
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
  refused?: boolean;
}

/** An edge of the identity graph. */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'merge' | 'event' | 'refused';
  label: string;
  mergeId?: string;
  messageId: string;
  at: string;
}

/** `GET /v1/profiles/{ref}/graph`. */
export interface ProfileGraph {
  profileId: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  refusals: Array<{ warningId: string; message: string; messageId?: string; createdAt: string; identifier?: { type: string; value: string } }>;
  eventsReplayed: number;
  truncated: boolean;
}

/** `GET /v1/search`: one page of matches and how many there are. */
export interface SearchPage {
  data: ProfileMatch[];
  total: number;
  totalCapped: boolean;
  offset: number;
  limit: number;
}

/** A row of `GET /v1/profiles`. */
export interface ProfileListRow {
  id: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/profiles`. */
export interface ProfileList {
  data: ProfileListRow[];
  total: number;
  offset: number;
  limit: number;
}

/** `GET /v1/profiles/{ref}/summary`. */
export interface ProfileActivity {
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  channels: Record<string, number>;
  orders: number;
  revenue: Record<string, number>;
  truncated: boolean;
}

/** `GET /v1/profiles/{ref}/explain` (the parts the dashboard shows). */
export interface ProfileExplanation {
  identifiers: Array<ExternalId & { messageId?: string; rule?: string; ruleNumber?: number; linkedAt?: string }>;
  merges: Merge[];
  refusals: Array<{ type: string; value: string; reason: string; detail: string; messageId: string; sourceId: string; at: string; ruleNumber?: number }>;
}
