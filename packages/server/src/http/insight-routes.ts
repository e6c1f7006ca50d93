/**
 * Read endpoints for the dashboard (admin only): profile search by any identifier or trait value, the
 * live overview (counters, events per minute per source, source activity) and one profile's identity
 * graph.
 */
import { Hono } from 'hono';
import type { ProfileMatch, SourceRecord, Store, StoreStats, VolumeBucket } from '../storage/storage.ts';
import type { AdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';
import type { ProfileDeps } from './profile-routes.ts';
import { jsonText, parseLimit } from './query-params.ts';

/** What the insight routes need. */
export interface InsightDeps extends ProfileDeps {
  store: Store;
  /** Overview and graph: on the read thread in embedded mode (see admin-reads.ts). */
  reads: AdminReads;
}

/** A source with its ingestion totals. */
export interface SourceOverview extends SourceRecord {
  events: number;
  lastEventAt: string | null;
}

/** The answer of `GET /v1/overview`. */
export interface Overview {
  stats: StoreStats;
  /** Events per source per minute over the last hour (empty minutes are absent). */
  volume: { since: string; bucketMinutes: number; buckets: VolumeBucket[] };
  sources: SourceOverview[];
}

/** Paths these routes serve (all need the admin token). */
export const INSIGHT_PATHS = ['/v1/search', '/v1/overview'];

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
    const found = new Map<string, ProfileMatch>();
    for (const reading of searchReadings(q, deps.normalize)) {
      for (const match of await deps.store.searchProfiles({ ...reading, limit })) if (!found.has(match.id)) found.set(match.id, match);
    }
    return c.json({ data: [...found.values()].slice(0, limit) });
  });

  app.get('/v1/overview', async (c) => jsonText(c, await deps.reads.overview()));

  app.get('/v1/profiles/:ref/graph', async (c) => jsonText(c, await deps.reads.profileGraph(c.req.param('ref'))));
  return app;
}
