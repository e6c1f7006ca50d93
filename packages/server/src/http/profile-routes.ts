/**
 * The profile API (admin only): a profile by id or by any identifier, its timeline, traits, identifiers
 * merge ledger entries and an activity summary. The timeline filters by type, event name, source names
 * (`source=web,ios`) and channel (`channel=email`, see profile-activity.ts).
 */
import { Hono } from 'hono';
import { textProblem } from '@kin/core';
import type { SourceRecord, Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import type { AdminReads } from './admin-reads.ts';
import { parseChannel } from './profile-activity.ts';
import { jsonText, parseFlag, parseCursor, parseLimit } from './query-params.ts';
import { scope } from './route-scope.ts';
import type { Clock } from '../ports/clock.ts';
import { computedTraitsOf } from '../audiences/computed-values.ts';

/** What a profile ref is resolved with. */
export interface ProfileDeps {
  store: Store;
  normalize: (type: string, raw: unknown) => string | undefined;
}

/** What the profile routes need: timeline pages and the summary are heavy reads (see admin-reads.ts). */
export interface ProfileRouteDeps extends ProfileDeps {
  reads: AdminReads;
  clock: Clock;
}

/**
 * Finds the live profile id for a ref: a profile id, or `type:value` normalised as on ingestion.
 * Returns `undefined` when nothing matches; throws `invalid_ref` when the ref cannot be one.
 */
export async function resolveProfileRef(deps: ProfileDeps, ref: string): Promise<string | undefined> {
  // PostgreSQL refuses such text even in a query parameter: a coded 400, not a 500 from the driver.
  if (textProblem(ref) !== undefined) throw new ApiError('invalid_ref', 'the ref holds a NUL character or a lone surrogate', 'ref');
  const colon = ref.indexOf(':');
  if (colon < 0) return (await deps.store.findProfile(ref))?.id;
  const type = ref.slice(0, colon).trim().toLowerCase();
  const value = deps.normalize(type, ref.slice(colon + 1));
  if (!type || value === undefined) throw new ApiError('invalid_ref', `"${type}" identifier is not valid`, 'ref');
  return deps.store.findProfileIdByIdentifier({ type, value });
}

/** Builds the profile routes. */
export function profileRoutes(deps: ProfileRouteDeps): Hono {
  const app = new Hono();
  const idOf = async (ref: string): Promise<string> => {
    const id = await resolveProfileRef(deps, ref);
    if (!id) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    return id;
  };

  app.get('/v1/profiles/:ref', scope('profiles:read'), async (c) => {
    const profile = await deps.store.findProfile(await idOf(c.req.param('ref')));
    if (!profile) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    return c.json({ ...profile, computedTraits: await computedTraitsOf(deps.store.audiences, profile.id, deps.clock.now()) });
  });

  app.get('/v1/profiles/:ref/events', scope('profiles:read'), async (c) => {
    const type = c.req.query('type');
    const event = c.req.query('event');
    const cursor = parseCursor(c.req.query('cursor'), 'events');
    const channel = parseChannel(c.req.query('channel'));
    const sourceIds = sourceIdsOf(await deps.store.listSources(), c.req.query('source'));
    const query = {
      limit: parseLimit(c.req.query('limit'), 50, 1000),
      ...(type ? { type } : {}),
      ...(event ? { event } : {}),
      ...cursor,
      ...(sourceIds ? { sourceIds } : {}),
      ...(channel ? { channel } : {}),
    };
    return jsonText(c, await deps.reads.profileEvents(c.req.param('ref'), query));
  });

  app.get('/v1/profiles/:ref/summary', scope('profiles:read'), async (c) =>
    jsonText(c, await deps.reads.profileSummary(c.req.param('ref'))),
  );

  // `?history=1`: every trait (unset ones too, value null) with the values it received, newest first.
  app.get('/v1/profiles/:ref/traits', scope('profiles:read'), async (c) => {
    const history = parseFlag(c.req.query('history'), 'history');
    const id = await idOf(c.req.param('ref'));
    return c.json({ data: history ? await deps.store.listTraitHistory(id) : await deps.store.listTraits(id) });
  });

  app.get('/v1/profiles/:ref/external_ids', scope('profiles:read'), async (c) => {
    const profile = await deps.store.findProfile(await idOf(c.req.param('ref')));
    return c.json({ data: profile?.externalIds ?? [] });
  });

  app.get('/v1/profiles/:ref/merges', scope('profiles:read'), async (c) =>
    c.json({ data: await deps.store.listProfileMerges(await idOf(c.req.param('ref'))) }),
  );
  return app;
}

/** `?source=`: comma-separated source names, as ids; `invalid_query` names an unknown one. */
function sourceIdsOf(sources: SourceRecord[], raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((name) => {
      const ids = sources.filter((s) => s.name === name.trim()).map((s) => s.id);
      if (ids.length === 0) throw new ApiError('invalid_query', `no source is named "${name.trim()}"`, 'source');
      return ids;
    })
    .flat();
}

/** A source's name by id (the id itself for an unknown one). */
export function sourceNamer(sources: SourceRecord[]): (id: string) => string {
  const names = new Map(sources.map((s) => [s.id, s.name]));
  return (id) => names.get(id) ?? id;
}
