/**
 * The dashboard's heavy reads (overview, a profile's timeline page, summary and identity graph) as functions of the
 * store, and the port the routes call them through. Each answers JSON text, so that a read running on the
 * read thread (admin-read-thread.ts) crosses to the HTTP thread as one string, not an object graph to copy.
 *
 * Why a port: in embedded mode these reads run on a thread of their own with its own read-only connection,
 * so a heavy admin read cannot stall tracking requests on the HTTP thread; elsewhere (PostgreSQL, tests,
 * `:memory:`) they run inline.
 */
import type { AnalyticsAsk } from '../analytics/analytics-answer.ts';
import { answerAnalytics } from '../analytics/analytics-answer.ts';
import { createLinkStatsReader } from '../links/link-stats.ts';
import type { Clock } from '../ports/clock.ts';
import type { Channel } from '@kin/core';
import type { Overview, ProfileActivity, ProfileGraph, ProfileListRow } from '@kin/core/api/index.ts';
import type { Page, ProfileOrder, SourceActivity, StoredEvent, Store, WarningRecord } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { searchReadings } from './insight-routes.ts';
import { matchOf, searchProfilePage } from './profile-search.ts';
import { buildProfileGraph } from './profile-graph.ts';
import { listChannelEvents, summarizeActivity } from './profile-activity.ts';
import type { ProfileDeps } from './profile-routes.ts';
import { resolveProfileRef, sourceNamer } from './profile-routes.ts';

/** The events the graph replays: the profile's newest ones, at most this many (read as such, no more). */
export const GRAPH_EVENT_BOUND = 2000;
/** `identifier_refused` warning records the graph looks through for this profile's refusals. */
const REFUSAL_SCAN_BOUND = 5000;

/** The timeline query of `GET /v1/profiles/{ref}/events`, as parsed by the route. */
export interface EventsQuery {
  limit: number;
  type?: string;
  event?: string;
  cursor?: string;
  sourceIds?: string[];
  channel?: Channel;
}

/** The heavy admin reads; each answers the response body as JSON text, or throws an `ApiError`. */
export interface AdminReads {
  overview(): Promise<string>;
  profileEvents(ref: string, query: EventsQuery): Promise<string>;
  profileGraph(ref: string): Promise<string>;
  profileSummary(ref: string): Promise<string>;
  /** `GET /v1/search` (q already checked by the route). */
  search(query: { q: string; limit: number; offset: number }): Promise<string>;
  /** `GET /v1/profiles`. */
  profileList(query: { order: ProfileOrder; limit: number; offset: number }): Promise<string>;
  /** `/v1/analytics/*` (analytics-routes.ts). */
  analytics(ask: AnalyticsAsk): Promise<string>;
  /** `GET /v1/links/{id}/stats` (links/link-stats.ts). */
  linkStats(id: string): Promise<string>;
}

/** What the reads need. */
export interface AdminReadDeps extends ProfileDeps {
  store: Store;
  clock: Clock;
  /** The time limit of one analytics question (`KIN_ANALYTICS_TIMEOUT_MS`). */
  analyticsTimeoutMs?: number;
}

/** The reads run where they are called (PostgreSQL, tests, `:memory:`). */
export function inlineAdminReads(deps: AdminReadDeps): AdminReads {
  const stats = createLinkStatsReader({ links: deps.store.links, clock: deps.clock });
  return {
    overview: async () => JSON.stringify(await readOverview(deps)),
    profileEvents: async (ref, query) => JSON.stringify(await readProfileEvents(deps, ref, query)),
    profileGraph: async (ref) => JSON.stringify(await readProfileGraph(deps, ref)),
    profileSummary: async (ref) => JSON.stringify(await readProfileSummary(deps, ref)),
    search: async ({ q, limit, offset }) =>
      JSON.stringify(await searchProfilePage(deps.store, { q, readings: searchReadings(q, deps.normalize), limit, offset })),
    profileList: async (query) => JSON.stringify(await readProfileList(deps, query)),
    async linkStats(id) {
      const link = await deps.store.links.findLink(id);
      if (!link) throw new ApiError('not_found', 'no link has this id', 'id');
      return JSON.stringify(await stats(link));
    },
    analytics: (ask) =>
      answerAnalytics(
        { store: deps.store, clock: deps.clock, ...(deps.analyticsTimeoutMs !== undefined ? { timeoutMs: deps.analyticsTimeoutMs } : {}) },
        ask,
      ),
  };
}

/** The live overview: counters, events per minute per source over the last hour, source activity. */
export async function readOverview(deps: AdminReadDeps): Promise<Overview> {
  const now = deps.clock.now().getTime();
  const since = new Date(Math.floor((now - 59 * 60_000) / 60_000) * 60_000).toISOString();
  const [stats, buckets, sources, activity] = await Promise.all([
    deps.store.stats(),
    deps.store.eventVolume({ since, bucketMinutes: 1 }),
    deps.store.listSources(),
    deps.store.sourceActivity(),
  ]);
  const byId = new Map<string, SourceActivity>(activity.map((a) => [a.sourceId, a]));
  return {
    stats,
    volume: { since, bucketMinutes: 1, buckets },
    sources: sources.map((s) => ({ ...s, events: byId.get(s.id)?.events ?? 0, lastEventAt: byId.get(s.id)?.lastEventAt ?? null })),
  };
}

/** A page of live profiles, newest or oldest first, with the number of live profiles. */
export async function readProfileList(deps: AdminReadDeps, query: { order: ProfileOrder; limit: number; offset: number }) {
  // The total is the live-profiles counter (stats), not a count of rows.
  const [ids, { profiles: total }] = await Promise.all([deps.store.listProfileIds(query), deps.store.stats()]);
  const data: ProfileListRow[] = [];
  for (const id of ids) {
    const profile = await deps.store.findProfile(id);
    if (profile) data.push({ ...matchOf(profile), createdAt: profile.createdAt, updatedAt: profile.updatedAt });
  }
  return { data, total, offset: query.offset, limit: query.limit, order: query.order };
}

/** The live profile id of a ref, or `not_found`. */
async function profileIdOrThrow(deps: ProfileDeps, ref: string): Promise<string> {
  const id = await resolveProfileRef(deps, ref);
  if (!id) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
  return id;
}

/** One page of a profile's timeline, newest first (one channel's events when `channel` is given). */
export async function readProfileEvents(deps: AdminReadDeps, ref: string, query: EventsQuery): Promise<Page<StoredEvent>> {
  const id = await profileIdOrThrow(deps, ref);
  const { channel, ...rest } = query;
  if (!channel) return deps.store.listProfileEvents(id, rest);
  return listChannelEvents(deps.store, id, { ...rest, channel, sourceName: sourceNamer(await deps.store.listSources()) });
}

/** The summary of a profile's activity (its newest events, bounded: see profile-activity.ts). */
export async function readProfileSummary(deps: AdminReadDeps, ref: string): Promise<ProfileActivity> {
  const id = await profileIdOrThrow(deps, ref);
  return summarizeActivity(deps.store, id, sourceNamer(await deps.store.listSources()));
}

/** A profile's identity graph from its identifiers, ledger, newest events (bounded) and refusals (bounded). */
export async function readProfileGraph(deps: AdminReadDeps, ref: string): Promise<ProfileGraph> {
  const profile = await deps.store.findProfile(await profileIdOrThrow(deps, ref));
  if (!profile) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
  const [merges, { events, truncated }, refusals] = await Promise.all([
    deps.store.listProfileMerges(profile.id),
    recentEvents(deps.store, profile.id),
    refusalsOf(deps.store, new Set([profile.id, ...profile.mergedFrom])),
  ]);
  return buildProfileGraph({
    profileId: profile.id,
    externalIds: profile.externalIds,
    merges,
    events,
    refusals,
    normalize: deps.normalize,
    truncated,
  });
}

/** The profile's newest events: pages that stop at the bound, so no more than `GRAPH_EVENT_BOUND` are read. */
async function recentEvents(store: Store, profileId: string): Promise<{ events: StoredEvent[]; truncated: boolean }> {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const limit = Math.min(1000, GRAPH_EVENT_BOUND - events.length);
    const page = await store.listProfileEvents(profileId, { limit, ...(cursor ? { cursor } : {}) });
    events.push(...page.data);
    if (!page.cursor.hasMore || !page.cursor.next) return { events, truncated: false };
    if (events.length >= GRAPH_EVENT_BOUND) return { events, truncated: true };
    cursor = page.cursor.next;
  }
}

/**
 * This profile's `identifier_refused` warnings. Why a scan: the store filters warnings by kind, not by
 * profile, so we page through the newest records up to a bound.
 */
async function refusalsOf(store: Store, profileIds: Set<string>): Promise<WarningRecord[]> {
  const found: WarningRecord[] = [];
  let cursor: string | undefined;
  for (let scanned = 0; scanned < REFUSAL_SCAN_BOUND;) {
    const page = await store.listWarnings({ kind: 'identifier_refused', limit: 1000, ...(cursor ? { cursor } : {}) });
    scanned += page.data.length;
    found.push(...page.data.filter((w) => w.profileId !== undefined && profileIds.has(w.profileId)));
    if (!page.cursor.hasMore || !page.cursor.next) break;
    cursor = page.cursor.next;
  }
  return found;
}
