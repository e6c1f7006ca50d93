/**
 * Every registered route is either on the short public list below or answers 401 without the admin
 * token — so a route added without a guard fails here, whichever file registers it. Runs in-process
 * (`app.request()`), no socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import { TRACKING_PATHS } from './tracking-routes.ts';
import { LINK_PUBLIC_ROUTES } from './link-routes.ts';

/** Routes anyone may call (tracking routes check the write key instead; links are a shopper's). */
const PUBLIC = new Set(['/health', '/ready', ...TRACKING_PATHS, ...LINK_PUBLIC_ROUTES.map((p) => p.replace(/:[A-Za-z]+/g, 'x1'))]);

/** The registered routes (middleware excluded), with path parameters filled in. */
function routesOf(harness: TestApp): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const r of harness.app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: r.method, path: r.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'x1') });
  }
  return routes;
}

describe('admin guard', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await createTestApp();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('finds the admin routes to check (profiles, sources, warnings, review, import, overview)', () => {
    const paths = routesOf(harness).map((r) => r.path);
    for (const expected of ['/v1/profiles/x1', '/v1/sources', '/v1/warnings', '/v1/overview', '/v1/search']) expect(paths).toContain(expected);
    expect(routesOf(harness).filter((r) => !PUBLIC.has(r.path)).length).toBeGreaterThan(15);
  });

  it('answers 401 unauthorized on every non-public route without the admin token', async () => {
    const open: string[] = [];
    for (const { method, path } of routesOf(harness)) {
      if (PUBLIC.has(path)) continue;
      const res = await harness.app.request(path, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }) });
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      if (res.status !== 401 || body.error?.code !== 'unauthorized') open.push(`${method} ${path} -> ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('refuses a write key (as Basic user or Bearer) on every non-public route', async () => {
    const basic = 'Basic ' + Buffer.from(`${harness.writeKey}:`).toString('base64');
    const open: string[] = [];
    for (const { method, path } of routesOf(harness)) {
      if (PUBLIC.has(path)) continue;
      for (const authorization of [basic, `Bearer ${harness.writeKey}`]) {
        const res = await harness.app.request(path, { method, headers: { authorization, 'content-type': 'application/json' }, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }) });
        if (res.status !== 401 && res.status !== 403) open.push(`${method} ${path} (${authorization.split(' ')[0]}) -> ${res.status}`);
      }
    }
    expect(open).toEqual([]);
  });

  it('lets the admin token through (the guard is not refusing everything)', async () => {
    const res = await harness.admin('/v1/sources');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ name: string }> };
    expect(body.data.map((s) => s.name)).toContain('web');
  });
});
