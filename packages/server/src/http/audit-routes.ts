/**
 * `GET /v1/audit?actor&action&since&cursor&limit` (scope audit:read): the audit log, oldest first; and
 * `GET /v1/audit/verify` (audit:read): walks the hash chain as `kin audit verify` does (the dashboard shows it).
 */
import { Hono } from 'hono';
import type { AuditVerification } from '@kin/core/api/access-api.ts';
import { verifyAuditChain } from '../access/audit-chain.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import { ApiError } from './error-catalog.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { scope } from './route-scope.ts';

/** Builds the audit routes. */
export function auditRoutes(deps: { store: { audit: AuditStore } }): Hono {
  const app = new Hono();
  app.get('/v1/audit', scope('audit:read'), async (c) => {
    const { actor, action, since } = c.req.query();
    const cursor = parseCursor(c.req.query('cursor'), 'audit');
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      throw new ApiError('invalid_query', 'since must be an ISO 8601 time', 'since');
    const page = await deps.store.audit.listAudit({
      limit: parseLimit(c.req.query('limit'), 100, 1000),
      ...(actor ? { actor } : {}),
      ...(action ? { action } : {}),
      ...(since ? { since: new Date(since).toISOString() } : {}),
      ...cursor,
    });
    return c.json(page);
  });
  app.get('/v1/audit/verify', scope('audit:read'), async (c) =>
    c.json((await verifyAuditChain(deps.store.audit)) satisfies AuditVerification),
  );
  return app;
}
