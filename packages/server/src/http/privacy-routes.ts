/**
 * Privacy requests over HTTP (admin): `POST /v1/privacy/requests` (202), `GET /v1/privacy/requests`,
 * `GET /v1/privacy/requests/{id}` and `GET /v1/privacy/requests/{id}/export` (JSON, or NDJSON with
 * `Accept: application/x-ndjson`). See docs/privacy.md.
 */
import { scope } from './route-scope.ts';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { Clock } from '../ports/clock.ts';
import { exportDocument, exportLines } from '../privacy/privacy-export.ts';
import type { PrivacyService } from '../privacy/privacy-requests.ts';
import { privacyOf } from '../privacy/privacy-requests.ts';
import type { Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { readAdminBody } from './admin-body.ts';

/** What the routes need. */
export interface PrivacyRouteDeps {
  store: Store;
  privacy: PrivacyService;
  clock: Clock;
  normalize: (type: string, raw: unknown) => string | undefined;
  maxBodyBytes: number;
}

const text = z.string().max(1000);
const bodySchema = z.object({
  type: z.enum(['suppress', 'unsuppress', 'delete', 'suppress_with_delete', 'export']),
  subject: z.object({ ref: z.string().min(1).max(1000) }),
  reason: text.optional(),
  requestedBy: text.optional(),
});

/** Builds the routes. */
export function privacyRoutes(deps: PrivacyRouteDeps): Hono {
  const app = new Hono();

  app.post('/v1/privacy/requests', scope('privacy:write'), async (c) => {
    const body = await readAdminBody({
      request: c.req.raw,
      maxBytes: deps.maxBodyBytes,
      schema: bodySchema,
      code: 'invalid_privacy_request',
    });
    const ref = body.subject.ref;
    const profileId =
      (await resolveProfileRef(deps, ref).catch((error: unknown) => {
        throw error instanceof ApiError ? new ApiError(error.code, error.message, 'subject.ref') : error;
      })) ?? null;
    const colon = ref.indexOf(':');
    const identifier =
      colon < 0
        ? undefined
        : {
            type: ref.slice(0, colon).trim().toLowerCase(),
            value: deps.normalize(ref.slice(0, colon).trim().toLowerCase(), ref.slice(colon + 1)) ?? '',
          };
    if (profileId === null && identifier === undefined) throw new ApiError('not_found', 'no profile has this id', 'subject.ref');
    const { request } = await deps.privacy.submit({
      type: body.type,
      profileId,
      ...(identifier ? { ref: identifier } : {}),
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      ...(body.requestedBy !== undefined ? { requestedBy: body.requestedBy } : {}),
    });
    return c.json(request, 202);
  });

  app.get('/v1/privacy/requests', scope('privacy:read'), async (c) => {
    const limit = parseLimit(c.req.query('limit'), 50, 500);
    const cursor = parseCursor(c.req.query('cursor'), 'privacy');
    const page = await privacyOf(deps.store).listRequests({ limit, ...cursor });
    return c.json({ ...page, data: await Promise.all(page.data.map((r) => deps.privacy.describe(r))) });
  });

  const requestOf = async (id: string) => {
    const request = await privacyOf(deps.store).findRequest(id);
    if (!request) throw new ApiError('not_found', 'no privacy request has this id', 'id');
    return deps.privacy.describe(request);
  };

  app.get('/v1/privacy/requests/:id', scope('privacy:read'), async (c) => c.json(await requestOf(c.req.param('id'))));

  app.get('/v1/privacy/requests/:id/export', scope('privacy:read', { audit: true, action: 'privacy.export' }), async (c) => {
    const request = await requestOf(c.req.param('id'));
    if (request.type !== 'export')
      throw new ApiError('conflict', `request ${request.id} is a ${request.type} request, not an export`, 'id');
    const options = { requestId: request.id, profileId: request.subject.profileId, exportedAt: deps.clock.now().toISOString() };
    c.header('Cache-Control', 'no-store');
    if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) {
      c.header('Content-Type', 'application/x-ndjson');
      return stream(c, async (out) => {
        // Written in chunks of about 64 KiB: a write per line cost twice the JSON answer's time.
        let chunk = '';
        for await (const line of exportLines(deps.store, options)) {
          chunk += JSON.stringify(line) + '\n';
          if (chunk.length >= 65_536) {
            await out.write(chunk);
            chunk = '';
          }
        }
        if (chunk) await out.write(chunk);
      });
    }
    return c.json(await exportDocument(deps.store, options));
  });

  return app;
}
