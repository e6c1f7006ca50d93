/** Admin routes: stats, ingestion warnings and sources (write keys). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { DataList, Source, SourceCreated, SourceRevoked } from '@kin/core/api/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../storage/storage.ts';
import type { SourceAuth } from './auth.ts';
import { ApiError } from './error-catalog.ts';
import { readAdminBody } from './admin-body.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { withSubjects } from './warning-subjects.ts';
import { createSourceWithKey } from '../sources/source-keys.ts';
import { scope } from './route-scope.ts';

/** What the admin routes need. */
export interface AdminDeps {
  store: Store;
  auth: SourceAuth;
  clock: Clock;
  /** Admin JSON bodies over this many bytes are refused with 413 `payload_too_large`. */
  maxBodyBytes: number;
}

const SOURCE_NAME = 'name must be 1-64 letters, digits, dots, dashes or underscores';
/** `POST /v1/sources`. */
const CreateSource = z.object({ name: z.string({ error: SOURCE_NAME }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: SOURCE_NAME }) });

/** Builds the admin routes. */
export function adminRoutes(deps: AdminDeps): Hono {
  const app = new Hono();
  // The privacy counter is not a row count (nothing of a dropped event is stored), so not a store stat.
  app.get('/v1/stats', scope('analytics:read'), async (c) =>
    c.json({ ...(await deps.store.stats()), suppressedEvents: await deps.store.privacy.suppressedEvents() }),
  );

  app.get('/v1/warnings', scope('profiles:read'), async (c) => {
    const kind = c.req.query('kind');
    const cursor = parseCursor(c.req.query('cursor'), 'warnings');
    // `subjects=1` (the dashboard): each warning's person and refused identifier; at most 200 per page then.
    const subjects = c.req.query('subjects') === '1';
    const limit = parseLimit(c.req.query('limit'), 100, subjects ? 200 : 1000);
    const page = await deps.store.listWarnings({ limit, ...(kind ? { kind } : {}), ...cursor });
    return c.json(subjects ? { ...page, data: await withSubjects(deps.store, page.data) } : page);
  });

  app.get('/v1/sources', scope('analytics:read'), async (c) => c.json({ data: await deps.store.listSources() } satisfies DataList<Source>));

  app.post('/v1/sources', scope('config:write'), async (c) => {
    const { name } = await readAdminBody({
      request: c.req.raw,
      maxBytes: deps.maxBodyBytes,
      schema: CreateSource,
      code: 'invalid_source',
      malformed: 'field',
    });
    const created = await createSourceWithKey(deps.store, name, deps.clock.now());
    if (!created) throw new ApiError('conflict', `a source named ${name} exists already`, 'name');
    deps.auth.forget();
    return c.json({ source: created.source, writeKey: created.writeKey } satisfies SourceCreated, 201);
  });

  app.delete('/v1/sources/:name', scope('config:write', { action: 'sources.revoke' }), async (c) => {
    const revoked = await deps.store.revokeSource(c.req.param('name'), deps.clock.now().toISOString());
    if (!revoked) throw new ApiError('not_found', 'no active source has this name', 'name');
    deps.auth.forget();
    return c.json({ source: revoked } satisfies SourceRevoked);
  });
  return app;
}
