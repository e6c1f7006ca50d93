/**
 * Scoped tokens over the HTTP API, in-process with a fixed clock: issue (secret once), list, self, rotate,
 * revoke, expiry, no escalation beyond the issuer's scopes, and what a `profiles:read` token may do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, IssuedToken, TokenSelf } from '@kin/core/api/access-api.ts';
import { fixedClock } from '../ports/clock.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const clock = fixedClock('2026-11-01T10:00:00.000Z');
let harness: TestApp;

beforeAll(async () => {
  harness = await createTestApp({ clock });
  expect((await harness.track('/v1/identify', { userId: 'u-1', traits: { email: 'ann@example.com' } })).status).toBe(200);
});
afterAll(async () => {
  await harness.close();
});

const json = { 'content-type': 'application/json' };
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
const issue = async (body: unknown, by?: string): Promise<Response> =>
  harness.app.request('/v1/tokens', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { ...json, authorization: `Bearer ${by ?? harness.adminToken}` },
  });
const as = (secret: string, path: string, init: RequestInit = {}) =>
  harness.app.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${secret}` } });

describe('issuing tokens', () => {
  it('answers the secret once; lists and self never show it', async () => {
    const res = await issue({ name: 'support desk', scopes: ['profiles:read', 'analytics:read'], expiresAt: '2026-12-01T00:00:00Z' });
    expect(res.status).toBe(201);
    const issued = (await res.json()) as IssuedToken;
    expect(issued.secret).toMatch(/^kin_tk_/);
    expect(issued.token).toMatchObject({
      name: 'support desk',
      scopes: ['profiles:read', 'analytics:read'],
      createdAt: '2026-11-01T10:00:00.000Z',
      expiresAt: '2026-12-01T00:00:00.000Z',
    });
    const list = await (await harness.admin('/v1/tokens')).text();
    expect(list).toContain(issued.token.id);
    expect(list).not.toContain(issued.secret);
    expect(list).not.toMatch(/secret/i);
    const self = (await (await as(issued.secret, '/v1/tokens/self')).json()) as TokenSelf;
    expect(self).toEqual({
      id: issued.token.id,
      name: 'support desk',
      scopes: ['profiles:read', 'analytics:read'],
      bootstrap: false,
      expiresAt: '2026-12-01T00:00:00.000Z',
    });
    expect(((await (await harness.admin('/v1/tokens/self')).json()) as TokenSelf).bootstrap).toBe(true);
  });

  it.each([
    [{ scopes: ['profiles:read'] }, 'name'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['profiles:delete'] }, 'scopes[0]'],
    [{ name: 'x', scopes: ['audit:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', scopes: ['audit:read'], expiresAt: '2026-10-01T00:00:00Z' }, 'expiresAt'],
  ])('refuses %j with 400 invalid_token_request naming %s', async (body, field) => {
    const res = await issue(body);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_token_request', field });
  });

  it('lets a tokens:write token grant, rotate or revoke only scopes it holds itself', async () => {
    const manager = ((await (await issue({ name: 'manager', scopes: ['tokens:write', 'analytics:read'] })).json()) as IssuedToken).secret;
    const escalate = await issue({ name: 'sneaky', scopes: ['analytics:read', 'privacy:write'] }, manager);
    expect(escalate.status).toBe(403);
    expect(await errorOf(escalate)).toMatchObject({ code: 'insufficient_scope' });
    expect((await errorOf(await issue({ name: 'y', scopes: ['privacy:write'] }, manager))).message).toContain('privacy:write');
    expect((await issue({ name: 'dash', scopes: ['analytics:read'] }, manager)).status).toBe(201);
    const strong = ((await (await issue({ name: 'strong', scopes: ['privacy:read'] })).json()) as IssuedToken).token;
    expect((await as(manager, `/v1/tokens/${strong.id}/rotate`, { method: 'POST' })).status).toBe(403);
    expect((await as(manager, `/v1/tokens/${strong.id}`, { method: 'DELETE' })).status).toBe(403);
  });
});

describe('a profiles:read token', () => {
  let token: IssuedToken;
  beforeAll(async () => {
    token = (await (
      await issue({ name: 'reader', scopes: ['profiles:read'], expiresAt: '2026-11-02T10:00:00.000Z' })
    ).json()) as IssuedToken;
  });

  it('reads profiles', async () => {
    const res = await as(token.secret, '/v1/profiles/user_id:u-1');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ann@example.com');
    expect((await as(token.secret, '/v1/profiles?limit=5')).status).toBe(200);
  });

  it('gets 403 insufficient_scope on privacy requests, writes, the audit log, tokens and sources', async () => {
    for (const [path, method, scope] of [
      ['/v1/privacy/requests', 'POST', 'privacy:write'],
      ['/v1/privacy/requests', 'GET', 'privacy:read'],
      ['/v1/audit', 'GET', 'audit:read'],
      ['/v1/tokens', 'GET', 'tokens:write'],
      ['/v1/sources', 'POST', 'config:write'],
      ['/v1/profiles/user_id:u-1/split', 'POST', 'profiles:write'],
      ['/v1/stats', 'GET', 'analytics:read'],
    ] as const) {
      const res = await as(token.secret, path, { method, ...(method === 'POST' ? { body: '{}', headers: json } : {}) });
      expect(res.status, path).toBe(403);
      const error = await errorOf(res);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain(scope);
    }
  });

  it('answers 401 expired_token once its expiresAt has passed (fixed clock), and 401 invalid_token for nonsense', async () => {
    clock.set('2026-11-02T09:59:59.999Z');
    expect((await as(token.secret, '/v1/profiles/user_id:u-1')).status).toBe(200);
    clock.set('2026-11-02T10:00:00.000Z');
    const expired = await as(token.secret, '/v1/profiles/user_id:u-1');
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).code).toBe('expired_token');
    clock.set('2026-11-01T10:00:00.000Z');
    const nonsense = await as('kin_tk_nonsense', '/v1/profiles/user_id:u-1');
    expect(nonsense.status).toBe(401);
    expect((await errorOf(nonsense)).code).toBe('invalid_token');
  });
});

describe('rotation and revocation', () => {
  it('rotation issues a new secret and the old one stops at once; revocation ends the token', async () => {
    const first = (await (await issue({ name: 'ci', scopes: ['analytics:read'] })).json()) as IssuedToken;
    expect((await as(first.secret, '/v1/stats')).status).toBe(200);
    const rotated = await harness.admin(`/v1/tokens/${first.token.id}/rotate`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as IssuedToken;
    expect(second.token.id).toBe(first.token.id);
    expect(second.secret).not.toBe(first.secret);
    expect((await errorOf(await as(first.secret, '/v1/stats'))).code).toBe('invalid_token');
    expect((await as(second.secret, '/v1/stats')).status).toBe(200);

    const revoked = await harness.admin(`/v1/tokens/${first.token.id}`, { method: 'DELETE' });
    expect(((await revoked.json()) as { token: AccessToken }).token.revokedAt).toBe('2026-11-01T10:00:00.000Z');
    expect((await errorOf(await as(second.secret, '/v1/stats'))).code).toBe('invalid_token');
    expect((await harness.admin(`/v1/tokens/${first.token.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await harness.admin(`/v1/tokens/${first.token.id}/rotate`, { method: 'POST' })).status).toBe(404);
  });
});
