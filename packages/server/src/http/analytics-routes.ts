/**
 * The analytics routes (scope `analytics:read`; counted as heavy by the admin rate limits): funnels, who dropped, paths, attribution and one conversion explained.
 * Each question goes to the admin reads (on the read thread in embedded mode; analytics/analytics-answer.ts
 * validates and answers it), so a long question never stalls tracking requests on this thread.
 */
import { Hono } from 'hono';
import type { AdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';
import { jsonText } from './query-params.ts';
import { readAdminJson } from './request-body.ts';
import { scope } from './route-scope.ts';

/** What the analytics routes need. */
export interface AnalyticsRouteDeps {
  reads: AdminReads;
  maxBodyBytes: number;
}

/** Builds the analytics routes. */
export function analyticsRoutes(deps: AnalyticsRouteDeps): Hono {
  const app = new Hono();
  const body = async (request: Request): Promise<unknown> => {
    const parsed = await readAdminJson(request, deps.maxBodyBytes);
    if (parsed === undefined) throw new ApiError('invalid_json', 'the body must be a JSON object');
    return parsed;
  };

  app.post('/v1/analytics/funnel', scope('analytics:read', { audit: false }), async (c) =>
    jsonText(c, await deps.reads.analytics({ kind: 'funnel', body: await body(c.req.raw) })),
  );
  app.get('/v1/analytics/funnel/actors', scope('analytics:read'), async (c) =>
    jsonText(c, await deps.reads.analytics({ kind: 'actors', query: c.req.query() })),
  );
  app.post('/v1/analytics/paths', scope('analytics:read', { audit: false }), async (c) =>
    jsonText(c, await deps.reads.analytics({ kind: 'paths', body: await body(c.req.raw) })),
  );
  app.post('/v1/analytics/attribution', scope('analytics:read', { audit: false }), async (c) =>
    jsonText(c, await deps.reads.analytics({ kind: 'attribution', body: await body(c.req.raw) })),
  );
  app.get('/v1/analytics/attribution/conversions/:messageId', scope('analytics:read'), async (c) =>
    jsonText(c, await deps.reads.analytics({ kind: 'conversion', messageId: c.req.param('messageId'), query: c.req.query() })),
  );
  return app;
}
