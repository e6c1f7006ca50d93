/**
 * Computed traits and audiences over HTTP (admin token): `POST|GET /v1/computed-traits`,
 * `GET|DELETE /v1/computed-traits/{key}`, `POST|GET /v1/audiences`, `GET|DELETE /v1/audiences/{key}`,
 * `GET /v1/audiences/{key}/members?limit&cursor`, `GET /v1/profiles/{ref}/audiences`. Definitions are checked
 * by core (checkComputedTrait, checkAudience): a bad one is a 400 `invalid_definition` naming the field.
 * See docs/computed-traits.md.
 */
import { scope } from './route-scope.ts';
import { Hono } from 'hono';
import type { AudienceDefinition, ComputedTraitDefinition } from '@kin/core';
import { audienceRefs, checkAudience, checkComputedTrait, unknownAudienceRef } from '@kin/core';
import type { Audience, ComputedTrait, DefinitionDeleted } from '@kin/core/api/index.ts';
import type { AudienceEngine } from '../audiences/audience-engine.ts';
import type { Clock } from '../ports/clock.ts';
import type { AudienceStore, StoredDefinition } from '../storage/audience-store.ts';
import type { Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { readAdminJson } from './request-body.ts';

/** What the routes need. */
export interface AudienceRouteDeps {
  store: Store;
  clock: Clock;
  normalize: (type: string, raw: unknown) => string | undefined;
  /** The evaluator (told of new and removed definitions); without it definitions are kept but not evaluated. */
  audiences?: AudienceEngine;
  maxBodyBytes: number;
}

/** Builds the routes. */
export function audienceRoutes(deps: AudienceRouteDeps): Hono {
  const app = new Hono();
  const port = deps.store.audiences;
  const changed = async (): Promise<void> => deps.audiences?.definitionsChanged();
  const traitView = (d: StoredDefinition<ComputedTraitDefinition>): ComputedTrait => ({
    ...d.definition,
    status: d.status,
    progress: d.progress,
    createdAt: d.createdAt,
  });
  const audienceView = async (port: AudienceStore, d: StoredDefinition<AudienceDefinition>): Promise<Audience> => ({
    ...d.definition,
    status: d.status,
    progress: d.progress,
    createdAt: d.createdAt,
    size: await port.countMembers(d.definition.key),
  });
  const findTrait = async (port: AudienceStore, key: string) => {
    const found = (await port.listDefinitions('trait')).find((d) => d.definition.key === key);
    if (!found) throw new ApiError('not_found', 'no computed trait has this key', 'key');
    return found;
  };
  const findAudience = async (port: AudienceStore, key: string) => {
    const found = (await port.listDefinitions('audience')).find((d) => d.definition.key === key);
    if (!found) throw new ApiError('not_found', 'no audience has this key', 'key');
    return found;
  };

  app.post('/v1/computed-traits', scope('config:write'), async (c) => {
    const checked = checkComputedTrait(await readAdminJson(c.req.raw, deps.maxBodyBytes));
    if (!checked.ok) throw new ApiError('invalid_definition', checked.message, checked.field);
    if (!(await port.saveDefinition('trait', checked.value, deps.clock.now().toISOString())))
      throw new ApiError('conflict', 'a computed trait has this key', 'key');
    await changed();
    return c.json(traitView(await findTrait(port, checked.value.key)), 201);
  });
  app.get('/v1/computed-traits', scope('analytics:read'), async (c) =>
    c.json({ data: (await port.listDefinitions('trait')).map(traitView) }),
  );
  app.get('/v1/computed-traits/:key', scope('analytics:read'), async (c) => c.json(traitView(await findTrait(port, c.req.param('key')))));
  app.delete('/v1/computed-traits/:key', scope('config:write'), async (c) => {
    if (!(await port.deleteDefinition('trait', c.req.param('key'))))
      throw new ApiError('not_found', 'no computed trait has this key', 'key');
    await changed();
    return c.json({ key: c.req.param('key'), deleted: true } satisfies DefinitionDeleted);
  });

  app.post('/v1/audiences', scope('config:write'), async (c) => {
    const known = new Map((await port.listDefinitions('audience')).map((d) => [d.definition.key, d.definition]));
    const checked = checkAudience(await readAdminJson(c.req.raw, deps.maxBodyBytes), known);
    if (!checked.ok) throw new ApiError('invalid_definition', checked.message, checked.field);
    const unknown = unknownAudienceRef(checked.value, new Set(known.keys()));
    if (unknown) throw new ApiError('invalid_definition', `no audience has the key "${unknown.ref}"`, unknown.field);
    if (!(await port.saveDefinition('audience', checked.value, deps.clock.now().toISOString())))
      throw new ApiError('conflict', 'an audience has this key', 'key');
    await changed();
    return c.json(await audienceView(port, await findAudience(port, checked.value.key)), 201);
  });
  app.get('/v1/audiences', scope('analytics:read'), async (c) => {
    return c.json({ data: await Promise.all((await port.listDefinitions('audience')).map((d) => audienceView(port, d))) });
  });
  app.get('/v1/audiences/:key', scope('analytics:read'), async (c) => {
    return c.json(await audienceView(port, await findAudience(port, c.req.param('key'))));
  });
  app.get('/v1/audiences/:key/members', scope('analytics:read'), async (c) => {
    const key = c.req.param('key');
    await findAudience(port, key);
    const cursor = parseCursor(c.req.query('cursor'), 'members');
    return c.json(await port.listMembers(key, { limit: parseLimit(c.req.query('limit'), 100, 1000), ...cursor }));
  });
  app.delete('/v1/audiences/:key', scope('config:write'), async (c) => {
    const key = c.req.param('key');
    const user = (await port.listDefinitions('audience')).find((d) => audienceRefs(d.definition.where).some((r) => r.ref === key));
    if (user) throw new ApiError('conflict', `audience "${user.definition.key}" refers to this one`, 'key');
    if (!(await port.deleteDefinition('audience', key))) throw new ApiError('not_found', 'no audience has this key', 'key');
    await changed();
    return c.json({ key, deleted: true } satisfies DefinitionDeleted);
  });

  app.get('/v1/profiles/:ref/audiences', scope('profiles:read'), async (c) => {
    const id = await resolveProfileRef(deps, c.req.param('ref'));
    if (!id) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    const audiences = (await port.readStates([id])).get(id)?.audiences ?? {};
    return c.json({
      data: Object.entries(audiences)
        .map(([key, enteredAt]) => ({ key, enteredAt }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    });
  });
  return app;
}
