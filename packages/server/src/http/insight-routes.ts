/**
 * Read endpoints for the dashboard (admin only): profile search by any identifier, trait value or name, the
 * list of profiles (newest or oldest first), the
 * live overview (counters, events per minute per source, source activity) and one profile's identity
 * graph.
 */
import { Hono } from 'hono';
import type { Store } from '../storage/storage.ts';
import type { AdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';
import type { ProfileDeps } from './profile-routes.ts';
import { jsonText, parseLimit, parseOffset } from './query-params.ts';
import { scope } from './route-scope.ts';

/** What the insight routes need. */
export interface InsightDeps extends ProfileDeps {
  store: Store;
  /** Search, the profile list, overview and graph: on the read thread in embedded mode (see admin-reads.ts). */
  reads: AdminReads;
}

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

  app.get('/v1/search', scope('profiles:read'), async (c) => {
    const q = c.req.query('q') ?? '';
    if (q.trim() === '') throw new ApiError('invalid_query', 'q is required', 'q');
    if (q.length > 512) throw new ApiError('invalid_query', 'q is longer than 512 characters', 'q');
    const limit = parseLimit(c.req.query('limit'), 20, 100);
    const offset = parseOffset(c.req.query('offset'));
    return jsonText(c, await deps.reads.search({ q, limit, offset }));
  });

  app.get('/v1/profiles', scope('profiles:read'), async (c) => {
    const order = c.req.query('order') ?? 'newest';
    if (order !== 'newest' && order !== 'oldest') throw new ApiError('invalid_query', 'order must be newest or oldest', 'order');
    const limit = parseLimit(c.req.query('limit'), 20, 100);
    const offset = parseOffset(c.req.query('offset'));
    return jsonText(c, await deps.reads.profileList({ order, limit, offset }));
  });

  app.get('/v1/overview', scope('analytics:read'), async (c) => jsonText(c, await deps.reads.overview()));

  app.get('/v1/profiles/:ref/graph', scope('profiles:read'), async (c) => jsonText(c, await deps.reads.profileGraph(c.req.param('ref'))));
  return app;
}
