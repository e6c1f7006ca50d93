/**
 * The route walk: every route the app registers declares who may call it, and the guard holds to it. For each
 * admin route: 401 without a token, 401 with a write key (as Basic user or as Bearer), 403
 * `insufficient_scope` with a token holding every scope but the route's, and neither 401 nor 403 with a token
 * holding only that scope. A route registered without a declaration fails the walk by name, whichever file
 * registers it. In-process (`app.request()`), no socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope, AuditEntry } from '@kin/core/api/access-api.ts';
import { ACCESS_SCOPES } from '@kin/core/api/access-api.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import type { RouteDeclaration } from './route-scope.ts';
import { declarationOf, scope } from './route-scope.ts';
import { verifyAuditChain } from '../access/audit-chain.ts';

interface WalkedRoute {
  method: string;
  path: string;
  declaration: RouteDeclaration | undefined;
}

/** Every registered route (middleware excluded), with its declaration and path parameters filled in. */
function routesOf(harness: TestApp): WalkedRoute[] {
  const byKey = new Map<string, WalkedRoute>();
  for (const r of harness.app.routes) {
    const declaration = declarationOf(r.handler);
    if (r.method === 'ALL' && !declaration) continue;
    if (r.path === '*' || r.path.endsWith('/*')) continue;
    const key = `${r.method} ${r.path}`;
    // A route's declaration is its first handler: the first entry registered for the key decides.
    if (!byKey.has(key)) byKey.set(key, { method: r.method, path: r.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'x1'), declaration });
  }
  return [...byKey.values()];
}

const request = (harness: TestApp, route: WalkedRoute, authorization?: string) =>
  harness.app.request(route.path, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { body: '{}' }),
  });

const codeOf = async (res: Response) => ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error;

describe('route walk', () => {
  let harness: TestApp;
  let admin: WalkedRoute[];
  /** Per scope: a token with only that scope, and one with every scope but it. */
  const only = new Map<AccessScope, string>();
  const allBut = new Map<AccessScope, string>();

  beforeAll(async () => {
    harness = await createTestApp();
    admin = routesOf(harness).filter((r) => r.declaration?.access !== 'public');
    const mint = async (scopes: AccessScope[]) => {
      const res = await harness.admin('/v1/tokens', {
        method: 'POST',
        body: JSON.stringify({ name: 'walk', scopes }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { secret: string }).secret;
    };
    for (const scope of ACCESS_SCOPES) {
      only.set(scope, await mint([scope]));
      allBut.set(scope, await mint(ACCESS_SCOPES.filter((s) => s !== scope)));
    }
  });
  afterAll(async () => {
    await harness.close();
  });

  it('finds the admin routes (profiles, sources, warnings, imports, review, tokens, audit) and every scope guards one', () => {
    const paths = admin.map((r) => r.path);
    for (const expected of [
      '/v1/profiles/x1',
      '/v1/sources',
      '/v1/warnings',
      '/v1/overview',
      '/v1/search',
      '/v1/imports',
      '/v1/tokens',
      '/v1/audit',
    ])
      expect(paths).toContain(expected);
    expect(admin.length).toBeGreaterThan(25);
    const used = new Set(admin.map((r) => r.declaration?.access));
    for (const scope of ['profiles:read', 'profiles:write', 'analytics:read', 'config:write', 'audit:read', 'tokens:write'])
      expect(used).toContain(scope);
  });

  it('every registered route declares who may call it', () => {
    expect(admin.filter((r) => !r.declaration).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('routes under the mapped prefixes declare the mapped scopes (docs/access.md#scopes)', () => {
    const configReads: AccessScope[] = ['analytics:read', 'profiles:read'];
    const rules: Array<{ prefix: string; reads: AccessScope[]; writes: AccessScope[] }> = [
      { prefix: '/v1/privacy', reads: ['privacy:read'], writes: ['privacy:write'] },
      ...['/v1/analytics', '/v1/computed-traits', '/v1/audiences'].map((prefix) => ({
        prefix,
        reads: ['analytics:read'] as AccessScope[],
        writes: ['config:write'] as AccessScope[],
      })),
      ...['/v1/links', '/v1/journeys', '/v1/destinations', '/v1/messaging'].map((prefix) => ({
        prefix,
        reads: configReads,
        writes: ['config:write'] as AccessScope[],
      })),
      { prefix: '/v1/sources', reads: ['analytics:read'], writes: ['config:write'] },
      { prefix: '/v1/tokens', reads: ['tokens:write'], writes: ['tokens:write'] },
      { prefix: '/v1/audit', reads: ['audit:read'], writes: [] },
    ];
    const wrong: string[] = [];
    for (const route of admin) {
      const rule = rules.find((r) => route.path === r.prefix || route.path.startsWith(r.prefix + '/'));
      const access = route.declaration?.access;
      if (!rule || access === 'token') continue;
      // A POST that only reads (a query, a dry run) declares `audit: false` and takes a read scope.
      const reads = route.method === 'GET' || route.declaration?.audit === false;
      const allowed = reads ? rule.reads : rule.writes;
      if (!allowed.includes(access as AccessScope))
        wrong.push(`${route.method} ${route.path}: ${String(access)}, expected ${allowed.join(' or ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 unauthorized on every admin route without a token', async () => {
    const open: string[] = [];
    for (const route of admin) {
      const res = await request(harness, route);
      if (res.status !== 401 || (await codeOf(res))?.code !== 'unauthorized') open.push(`${route.method} ${route.path} -> ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('answers 401 to a write key (as Basic user or as Bearer) on every admin route', async () => {
    const basic = 'Basic ' + Buffer.from(`${harness.writeKey}:`).toString('base64');
    const open: string[] = [];
    for (const route of admin) {
      for (const authorization of [basic, `Bearer ${harness.writeKey}`]) {
        const res = await request(harness, route, authorization);
        if (res.status !== 401) open.push(`${route.method} ${route.path} (${authorization.split(' ')[0]}) -> ${res.status}`);
      }
    }
    expect(open).toEqual([]);
  });

  it('answers 403 insufficient_scope naming the scope to a token with every other scope', async () => {
    const open: string[] = [];
    for (const route of admin) {
      const access = route.declaration?.access;
      if (access === 'token' || access === 'public' || access === undefined) continue;
      const res = await request(harness, route, `Bearer ${allBut.get(access)}`);
      const error = await codeOf(res);
      if (res.status !== 403 || error?.code !== 'insufficient_scope' || !error.message?.includes(access))
        open.push(`${route.method} ${route.path} -> ${res.status}`);
      if (res.headers.get('www-authenticate') !== `Bearer error="insufficient_scope", scope="${access}"`)
        open.push(`${route.method} ${route.path}: no WWW-Authenticate`);
    }
    expect(open).toEqual([]);
  });

  it('lets a token holding only the route scope through (neither 401 nor 403) on every admin route', async () => {
    const refused: string[] = [];
    for (const route of admin) {
      const access = route.declaration?.access;
      const token = access === 'token' || access === undefined || access === 'public' ? only.get('profiles:read') : only.get(access);
      const res = await request(harness, route, `Bearer ${token}`);
      if (res.status === 401 || res.status === 403) refused.push(`${route.method} ${route.path} -> ${res.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('sends no Access-Control-Allow-Origin and no-store on admin answers, even to a cross-origin request', async () => {
    for (const route of admin.filter((r) => r.method === 'GET')) {
      const res = await harness.app.request(route.path, {
        headers: { origin: 'https://evil.example', authorization: `Bearer ${harness.adminToken}` },
      });
      expect(res.headers.get('access-control-allow-origin'), route.path).toBeNull();
      expect(res.headers.get('cache-control'), route.path).toBe('no-store');
      expect(res.headers.get('content-security-policy'), route.path).toContain("frame-ancestors 'none'");
    }
  });
});

describe('a route registered without a declaration', () => {
  it('is for the bootstrap admin token only: a token with every scope gets 403', async () => {
    const harness = await createTestApp({
      extra: (app) => {
        app.get('/v1/forgotten', (c) => c.json({ ok: true }));
        // Registered for every method, or as middleware that answers by itself: no declaration either.
        app.all('/v1/sneaky', (c) => c.json({ ok: true }));
        app.use('/v1/sneakier', (c) => Promise.resolve(c.json({ ok: true })));
      },
    });
    try {
      const res = await harness.admin('/v1/tokens', {
        method: 'POST',
        body: JSON.stringify({ name: 'all', scopes: ACCESS_SCOPES }),
        headers: { 'content-type': 'application/json' },
      });
      const { secret } = (await res.json()) as { secret: string };
      const refused = await harness.app.request('/v1/forgotten', { headers: { authorization: `Bearer ${secret}` } });
      expect(refused.status).toBe(403);
      expect((await codeOf(refused))?.code).toBe('insufficient_scope');
      expect((await harness.app.request('/v1/forgotten')).status).toBe(401);
      expect((await harness.admin('/v1/forgotten')).status).toBe(200);
      expect(
        routesOf(harness)
          .filter((r) => !r.declaration)
          .map((r) => r.path),
      ).toEqual(['/v1/forgotten']);
      for (const path of ['/v1/sneaky', '/v1/sneakier']) {
        expect((await harness.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${secret}` } })).status, path).toBe(
          403,
        );
        expect((await harness.app.request(path, { method: 'POST' })).status, path).toBe(401);
        expect((await harness.admin(path, { method: 'POST' })).status, path).toBe(200);
      }
      // An unknown path: 401 without a token, 404 for the bootstrap token.
      expect((await harness.app.request('/v1/nothing-here')).status).toBe(401);
      expect((await harness.admin('/v1/nothing-here')).status).toBe(404);
    } finally {
      await harness.close();
    }
  });
});

describe('the audit hook', () => {
  it('records writes of any declared route by default, exports that declare it, and nothing refused or read', async () => {
    const harness = await createTestApp({
      extra: (app) => {
        app.post('/v1/widgets/:ref', scope('config:write'), (c) => c.json({ ok: true }, 201));
        app.get('/v1/widgets/:id/export', scope('privacy:read', { audit: true, action: 'widgets.export' }), (c) => c.json({ rows: [] }));
        app.get('/v1/widgets', scope('analytics:read'), (c) => c.json({ data: [] }));
      },
    });
    try {
      const res = await harness.admin('/v1/tokens', {
        method: 'POST',
        body: JSON.stringify({ name: 'ops desk', scopes: ['config:write', 'privacy:read', 'analytics:read'] }),
        headers: { 'content-type': 'application/json' },
      });
      const { secret, token } = (await res.json()) as { secret: string; token: { id: string } };
      const as = (path: string, init: RequestInit = {}) =>
        harness.app.request(path, { ...init, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } });
      expect(
        (await as(`/v1/widgets/${encodeURIComponent('email:ann@example.com')}`, { method: 'POST', body: '{"colour":"red"}' })).status,
      ).toBe(201);
      expect((await as('/v1/widgets/w1/export')).status).toBe(200);
      expect((await as('/v1/widgets')).status).toBe(200);
      expect((await as('/v1/sources', { method: 'POST', body: '{"name":"bad name!"}' })).status).toBe(400);

      const log = (await (await harness.admin('/v1/audit')).json()) as { data: AuditEntry[] };
      expect(log.data.map((e) => [e.action, e.actor.name])).toEqual([
        ['tokens.create', 'admin token'],
        ['widgets.create', 'ops desk'],
        ['widgets.export', 'ops desk'],
      ]);
      expect(log.data[1]!.actor.id).toBe(token.id);
      expect(log.data[1]!.target).toMatch(/^\/v1\/widgets\/email:#[0-9a-f]{16}$/);
      expect(JSON.stringify(log.data)).not.toContain('ann@example.com');
      expect(JSON.stringify(log.data)).not.toContain('red');
      expect(await verifyAuditChain(harness.store.audit)).toEqual({ ok: true, entries: 3 });
      const bySomeone = (await (await harness.admin(`/v1/audit?actor=${token.id}&limit=1`)).json()) as {
        data: AuditEntry[];
        cursor: { next: string };
      };
      expect(bySomeone.data.map((e) => e.seq)).toEqual([2]);
      const next = (await (await harness.admin(`/v1/audit?actor=${token.id}&cursor=${bySomeone.cursor.next}`)).json()) as {
        data: AuditEntry[];
      };
      expect(next.data.map((e) => e.seq)).toEqual([3]);
      const bad = await harness.admin('/v1/audit?since=yesterday');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('since');
    } finally {
      await harness.close();
    }
  });
});
