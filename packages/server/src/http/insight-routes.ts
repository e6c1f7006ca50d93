/**
 * Read endpoints for the dashboard (admin only): profile search by any identifier, trait value or name, the
 * list of profiles (newest or oldest first), the
 * live overview (counters, events per minute per source, source activity) and one profile's identity
 * graph.
 */
import type { Overview, ProfileGraph } from '@kin/core/api/index.ts';
import { Hono } from 'hono';
import type { Clock } from '../ports/clock.ts';
import type { ProfileMatch, SourceActivity, StoredEvent, Store, WarningRecord } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import type { ProfileDeps } from './profile-routes.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { buildProfileGraph } from './profile-graph.ts';
import { matchOf, searchProfilePage } from './profile-search.ts';
import { parseLimit, parseOffset } from './query-params.ts';

/** What the insight routes need. */
export interface InsightDeps extends ProfileDeps {
  store: Store;
  clock: Clock;
}

/** Paths these routes serve (all need the admin token). */
export const INSIGHT_PATHS = ['/v1/search', '/v1/overview', '/v1/profiles'];

/** A row of the profile list (`GET /v1/profiles`). */
export interface ProfileListRow extends Omit<ProfileMatch, 'matchedOn'> {
  createdAt: string;
  updatedAt: string;
}

const GRAPH_EVENT_BOUND = 2000;
const REFUSAL_SCAN_BOUND = 5000;
const TYPED_QUERY = /^([A-Za-z0-9_.-]{1,64}):(.+)$/s;

/**
 * The searches a free-text query stands for: the text as typed (any identifier type or trait), plus
 * the normalised readings a person would mean: a lower-cased email, an E.164 phone, a social handle
 * without its `@`. A `type:value` query searches that one type, normalised as on ingestion.
 */
export function searchReadings(q: string, normalize: ProfileDeps['normalize']): Array<{ value: string; type?: string }> {
  const typed = TYPED_QUERY.exec(q);
  if (typed?.[1] && typed[2] !== undefined) {
    const type = typed[1].toLowerCase();
    const value = normalize(type, typed[2]);
    if (value === undefined) throw new ApiError('invalid_query', `"${typed[2].trim()}" is not a valid ${type}`, 'q');
    return [{ type, value }];
  }
  const readings: Array<{ value: string; type?: string }> = [{ value: q }];
  const add = (reading: { value: string; type?: string } | undefined): void => {
    if (reading && !readings.some((r) => r.value === reading.value && r.type === reading.type)) readings.push(reading);
  };
  const trimmed = q.trim();
  if (trimmed !== q) add({ value: trimmed });
  if (trimmed.includes('@') && !trimmed.startsWith('@')) {
    const email = normalize('email', trimmed);
    if (email) add({ value: email, type: 'email' });
  }
  if (/\d/.test(trimmed) && /^[+\d\s().-]+$/.test(trimmed)) {
    const phone = normalize('phone', trimmed);
    if (phone) add({ value: phone, type: 'phone' });
  }
  if (/^@?[A-Za-z0-9_.]+$/.test(trimmed)) add({ value: trimmed.replace(/^@+/, '').toLowerCase() });
  return readings;
}

/** Builds the insight routes. */
export function insightRoutes(deps: InsightDeps): Hono {
  const app = new Hono();

  app.get('/v1/search', async (c) => {
    const q = c.req.query('q') ?? '';
    if (q.trim() === '') throw new ApiError('invalid_query', 'q is required', 'q');
    if (q.length > 512) throw new ApiError('invalid_query', 'q is longer than 512 characters', 'q');
    const limit = parseLimit(c.req.query('limit'), 20, 100);
    const offset = parseOffset(c.req.query('offset'));
    return c.json(await searchProfilePage(deps.store, { q, readings: searchReadings(q, deps.normalize), limit, offset }));
  });

  app.get('/v1/profiles', async (c) => {
    const order = c.req.query('order') ?? 'newest';
    if (order !== 'newest' && order !== 'oldest') throw new ApiError('invalid_query', 'order must be newest or oldest', 'order');
    const limit = parseLimit(c.req.query('limit'), 20, 100);
    const offset = parseOffset(c.req.query('offset'));
    const { ids, total } = await deps.store.listProfileIds({ order, limit, offset });
    const data: ProfileListRow[] = [];
    for (const id of ids) {
      const profile = await deps.store.findProfile(id);
      if (profile) data.push({ ...matchOf(profile), createdAt: profile.createdAt, updatedAt: profile.updatedAt });
    }
    return c.json({ data, total, offset, limit, order });
  });

  app.get('/v1/overview', async (c) => {
    const now = deps.clock.now().getTime();
    const since = new Date(Math.floor((now - 59 * 60_000) / 60_000) * 60_000).toISOString();
    const [stats, buckets, sources, activity] = await Promise.all([
      deps.store.stats(),
      deps.store.eventVolume({ since, bucketMinutes: 1 }),
      deps.store.listSources(),
      deps.store.sourceActivity(),
    ]);
    const byId = new Map<string, SourceActivity>(activity.map((a) => [a.sourceId, a]));
    const overview: Overview = {
      stats,
      volume: { since, bucketMinutes: 1, buckets },
      sources: sources.map((s) => ({ ...s, events: byId.get(s.id)?.events ?? 0, lastEventAt: byId.get(s.id)?.lastEventAt ?? null })),
    };
    return c.json(overview);
  });

  app.get('/v1/profiles/:ref/graph', async (c) => {
    const id = await resolveProfileRef(deps, c.req.param('ref'));
    const profile = id ? await deps.store.findProfile(id) : undefined;
    if (!profile) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    const [merges, { events, truncated }, refusals] = await Promise.all([
      deps.store.listProfileMerges(profile.id),
      recentEvents(deps.store, profile.id),
      refusalsOf(deps.store, new Set([profile.id, ...profile.mergedFrom])),
    ]);
    const graph: ProfileGraph = buildProfileGraph({
      profileId: profile.id,
      externalIds: profile.externalIds,
      merges,
      events,
      refusals,
      normalize: deps.normalize,
      truncated,
    });
    return c.json(graph);
  });
  return app;
}

/** The profile's newest events, up to the bound. */
async function recentEvents(store: Store, profileId: string): Promise<{ events: StoredEvent[]; truncated: boolean }> {
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listProfileEvents(profileId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    events.push(...page.data);
    if (!page.cursor.hasMore || !page.cursor.next) return { events, truncated: false };
    if (events.length >= GRAPH_EVENT_BOUND) return { events, truncated: true };
    cursor = page.cursor.next;
  }
}

/**
 * This profile's `identifier_refused` warnings. Why a scan: the store filters warnings by kind, not by
 * profile, so we page through the newest ones up to a bound.
 */
async function refusalsOf(store: Store, profileIds: Set<string>): Promise<WarningRecord[]> {
  const found: WarningRecord[] = [];
  let cursor: string | undefined;
  for (let scanned = 0; scanned < REFUSAL_SCAN_BOUND; ) {
    const page = await store.listWarnings({ kind: 'identifier_refused', limit: 1000, ...(cursor ? { cursor } : {}) });
    scanned += page.data.length;
    found.push(...page.data.filter((w) => w.profileId !== undefined && profileIds.has(w.profileId)));
    if (!page.cursor.hasMore || !page.cursor.next) break;
    cursor = page.cursor.next;
  }
  return found;
}
