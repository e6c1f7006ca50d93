import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
  const res = await kin.track('/v1/batch', {
    batch: [
      { type: 'page', anonymousId: 'a-prof', name: 'Home', timestamp: '2026-11-01T10:00:00.000Z' },
      {
        type: 'identify',
        anonymousId: 'a-prof',
        userId: 'u-prof',
        traits: { email: ' Ann@Example.COM ', phone: '(415) 555-2671' },
        timestamp: '2026-11-01T10:01:00.000Z',
      },
      { type: 'track', userId: 'u-prof', event: 'Order Completed', properties: { total: 42 }, timestamp: '2026-11-01T10:02:00.000Z' },
    ],
  });
  expect(res.status).toBe(200);
});
afterAll(() => kin.close());

const json = async <T>(res: Response) => (await res.json()) as T;

describe('profile API', () => {
  it('finds one profile by id or by any identifier, normalised as on ingestion', async () => {
    const byEmail = await kin.admin('/v1/profiles/' + encodeURIComponent('email:ANN@example.com '));
    expect(byEmail.status).toBe(200);
    const profile = await json<{
      id: string;
      externalIds: Array<{ type: string; value: string; sourceId: string }>;
      traits: Record<string, unknown>;
    }>(byEmail);
    expect(profile.externalIds.map((e) => `${e.type}:${e.value}`).sort()).toEqual([
      'anonymous_id:a-prof',
      'email:ann@example.com',
      'phone:+14155552671',
      'user_id:u-prof',
    ]);
    expect(profile.traits).toMatchObject({ phone: '(415) 555-2671' });
    const byPhone = await json<{ id: string }>(await kin.admin('/v1/profiles/' + encodeURIComponent('phone:+1 415 555 2671')));
    expect(byPhone.id).toBe(profile.id);
    const byId = await json<{ id: string }>(await kin.admin('/v1/profiles/' + profile.id));
    expect(byId.id).toBe(profile.id);
  });

  it('lists the timeline newest first, filtered and paginated', async () => {
    const page = await json<{ data: Array<{ type: string; event?: string }>; cursor: { next: string | null; hasMore: boolean } }>(
      await kin.admin('/v1/profiles/user_id:u-prof/events?limit=2'),
    );
    expect(page.data.map((e) => e.type)).toEqual(['track', 'identify']);
    expect(page.cursor.hasMore).toBe(true);
    const rest = await json<{ data: Array<{ type: string }> }>(
      await kin.admin(`/v1/profiles/user_id:u-prof/events?limit=2&cursor=${page.cursor.next}`),
    );
    expect(rest.data.map((e) => e.type)).toEqual(['page']);
    const tracks = await json<{ data: unknown[] }>(await kin.admin('/v1/profiles/user_id:u-prof/events?event=Order%20Completed'));
    expect(tracks.data).toHaveLength(1);
    const bad = await kin.admin('/v1/profiles/user_id:u-prof/events?limit=0');
    expect(bad.status).toBe(400);
    expect((await json<{ error: { code: string; field: string } }>(bad)).error).toMatchObject({ code: 'invalid_query', field: 'limit' });
  });

  it('lists traits with their time and source, identifiers, and merges', async () => {
    const traits = await json<{ data: Array<{ key: string; timestamp: string; sourceId: string }> }>(
      await kin.admin('/v1/profiles/user_id:u-prof/traits'),
    );
    expect(traits.data.find((t) => t.key === 'email')?.timestamp).toBe('2026-11-01T10:01:00.000Z');
    const ids = await json<{ data: unknown[] }>(await kin.admin('/v1/profiles/user_id:u-prof/external_ids'));
    expect(ids.data).toHaveLength(4);
    const merges = await json<{ data: unknown[] }>(await kin.admin('/v1/profiles/user_id:u-prof/merges'));
    expect(merges.data).toEqual([]);
  });

  it('answers 404 not_found for an unknown profile, 400 invalid_ref for a malformed identifier', async () => {
    const missing = await kin.admin('/v1/profiles/user_id:nobody');
    expect(missing.status).toBe(404);
    expect((await json<{ error: { code: string } }>(missing)).error.code).toBe('not_found');
    const malformed = await kin.admin('/v1/profiles/' + encodeURIComponent('email:not-an-email'));
    expect(malformed.status).toBe(400);
    expect((await json<{ error: { code: string } }>(malformed)).error.code).toBe('invalid_ref');
  });

  it('reads counts from the store', async () => {
    const stats = await json<Record<string, number>>(await kin.admin('/v1/stats'));
    expect(stats).toMatchObject({ events: 3, profiles: 1, externalIds: 4, merges: 0 });
  });
});

describe('security', () => {
  const readRoutes = ['/v1/profiles/user_id:u-prof', '/v1/profiles/user_id:u-prof/events', '/v1/stats', '/v1/warnings', '/v1/sources'];

  it.each(readRoutes)('%s: a write key can never read, a wrong token neither', async (route) => {
    const basic = await fetch(kin.url + route, {
      headers: { authorization: 'Basic ' + Buffer.from(`${kin.writeKey}:`).toString('base64') },
    });
    expect(basic.status).toBe(401);
    const bearerKey = await fetch(kin.url + route, { headers: { authorization: `Bearer ${kin.writeKey}` } });
    expect(bearerKey.status).toBe(401);
    const wrong = await fetch(kin.url + route, { headers: { authorization: `Bearer ${kin.adminToken}x` } });
    expect(wrong.status).toBe(401);
    expect((await json<{ error: { code: string } }>(wrong)).error.code).toBe('invalid_token');
  });

  it('creates and revokes write keys over the admin API; a revoked key stops working', async () => {
    const created = await kin.admin('/v1/sources', {
      method: 'POST',
      body: JSON.stringify({ name: 'ios' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { writeKey } = await json<{ writeKey: string }>(created);
    const basic = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
    const send = () => kin.track('/v1/track', { anonymousId: 'a-ios', event: 'Opened' }, { headers: { authorization: basic } });
    expect((await send()).status).toBe(200);
    expect(
      (
        await kin.admin('/v1/sources', {
          method: 'POST',
          body: JSON.stringify({ name: 'ios' }),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(409);
    expect((await kin.admin('/v1/sources/ios', { method: 'DELETE' })).status).toBe(200);
    expect((await send()).status).toBe(401);
  });

  it('never logs tokens, keys, identifiers or payloads', async () => {
    await kin.track(
      '/v1/track',
      { anonymousId: 'a-secret', event: 'Secret' },
      { headers: { authorization: 'Basic ' + Buffer.from('leaked-key-123:').toString('base64') } },
    );
    const logs = kin.logLines.join('\n');
    for (const secret of [kin.adminToken, kin.writeKey, 'leaked-key-123', 'ann@example.com', 'u-prof', 'a-secret'])
      expect(logs).not.toContain(secret);
  });
});

describe('trait ranking and history over HTTP', () => {
  let ranked: TestKin;
  let dir: string;
  const crmKey = 'test-write-key-crm-0123';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-policy-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ traitSources: { email: ['web', '*', 'crm'] } }));
    ranked = await startTestKin({ env: { KIN_POLICY: policy, KIN_WRITE_KEYS: `web:test-write-key-web-0123,crm:${crmKey}` } });
  });
  afterAll(async () => {
    await ranked.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a later CRM row with a mistyped email keeps the login email, and ?history=1 shows both with source and time', async () => {
    const login = await ranked.track('/v1/identify', {
      userId: 'u-rank',
      traits: { email: 'ann@example.com', plan: 'pro' },
      timestamp: '2026-11-01T10:00:00.000Z',
    });
    expect(login.status).toBe(200);
    const crm = await fetch(ranked.url + '/v1/identify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${crmKey}:`).toString('base64') },
      body: JSON.stringify({
        userId: 'u-rank',
        traits: { email: 'nan@example.com', plan: 'basic' },
        timestamp: '2026-11-02T10:00:00.000Z',
      }),
    });
    expect(crm.status).toBe(200);
    const profile = await json<{ traits: Record<string, unknown> }>(await ranked.admin('/v1/profiles/user_id:u-rank'));
    expect(profile.traits).toEqual({ email: 'ann@example.com', plan: 'basic' });
    const history = await json<{
      data: Array<{ key: string; value: unknown; history: Array<{ value: unknown; sourceId: string; timestamp: string; trust: number }> }>;
    }>(await ranked.admin('/v1/profiles/user_id:u-rank/traits?history=1'));
    const sources = new Map(
      (await json<{ data: Array<{ id: string; name: string }> }>(await ranked.admin('/v1/sources'))).data.map((s) => [s.id, s.name]),
    );
    const email = history.data.find((t) => t.key === 'email');
    expect(email?.value).toBe('ann@example.com');
    expect(email?.history.map((h) => [h.value, sources.get(h.sourceId), h.timestamp, h.trust])).toEqual([
      ['nan@example.com', 'crm', '2026-11-02T10:00:00.000Z', 1],
      ['ann@example.com', 'web', '2026-11-01T10:00:00.000Z', 3],
    ]);
    expect(history.data.find((t) => t.key === 'plan')?.history.map((h) => h.value)).toEqual(['basic', 'pro']);
    const plain = await json<{ data: Array<{ key: string; history?: unknown }> }>(
      await ranked.admin('/v1/profiles/user_id:u-rank/traits?history=0'),
    );
    expect(plain.data.map((t) => t.key)).toEqual(['email', 'plan']);
    expect(plain.data[0]?.history).toBeUndefined();
  });

  it('answers 400 invalid_query naming history for a bad flag, 404 for an unknown profile, 401 without the admin token', async () => {
    const bad = await ranked.admin('/v1/profiles/user_id:u-rank/traits?history=yes');
    expect(bad.status).toBe(400);
    expect((await json<{ error: { code: string; field: string } }>(bad)).error).toMatchObject({ code: 'invalid_query', field: 'history' });
    expect((await ranked.admin('/v1/profiles/user_id:nobody/traits?history=1')).status).toBe(404);
    expect((await fetch(ranked.url + '/v1/profiles/user_id:u-rank/traits?history=1')).status).toBe(401);
  });
});

describe('timeline filters on the server, and the activity summary', () => {
  type Events = { data: Array<{ messageId: string; type: string }>; cursor: { next: string | null; hasMore: boolean } };
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString();
  beforeAll(async () => {
    const batch = [
      { type: 'page', userId: 'u-chan', messageId: 'c-web-1', context: { page: { path: '/' } }, timestamp: at(0) },
      {
        type: 'track',
        userId: 'u-chan',
        messageId: 'c-mail-1',
        event: 'Email Clicked',
        context: { campaign: { medium: 'email', name: 'spring' } },
        timestamp: at(1),
      },
      { type: 'screen', userId: 'u-chan', messageId: 'c-app-1', name: 'Home', timestamp: at(2) },
      {
        type: 'track',
        userId: 'u-chan',
        messageId: 'c-mail-2',
        event: 'Email Opened',
        context: { campaign: { medium: 'email' } },
        timestamp: at(3),
      },
      {
        type: 'track',
        userId: 'u-chan',
        messageId: 'c-web-2',
        event: 'Order Completed',
        properties: { total: 40.5, currency: 'eur' },
        context: { page: { path: '/checkout' } },
        timestamp: at(4),
      },
      {
        type: 'track',
        userId: 'u-chan',
        messageId: 'c-app-2',
        event: 'Order Completed',
        properties: { revenue: 10, currency: 'EUR' },
        context: { device: { type: 'ios' } },
        timestamp: at(5),
      },
      {
        type: 'track',
        userId: 'u-chan',
        messageId: 'c-mail-3',
        event: 'Email Opened',
        context: { campaign: { medium: 'email' } },
        timestamp: at(6),
      },
    ];
    expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
  });

  it('filters by channel across pages: every page is full and the cursor continues after the last match', async () => {
    const first = await json<Events>(await kin.admin('/v1/profiles/user_id:u-chan/events?channel=email&limit=2'));
    expect(first.data.map((e) => e.messageId)).toEqual(['c-mail-3', 'c-mail-2']);
    expect(first.cursor.hasMore).toBe(true);
    const rest = await json<Events>(
      await kin.admin(`/v1/profiles/user_id:u-chan/events?channel=email&limit=2&cursor=${first.cursor.next}`),
    );
    expect(rest.data.map((e) => e.messageId)).toEqual(['c-mail-1']);
    expect(rest.cursor.hasMore).toBe(false);
    const app = await json<Events>(await kin.admin('/v1/profiles/user_id:u-chan/events?channel=app&type=track'));
    expect(app.data.map((e) => e.messageId)).toEqual(['c-app-2']);
  });

  it('filters by source name, and refuses an unknown channel or source', async () => {
    const web = await json<Events>(await kin.admin('/v1/profiles/user_id:u-chan/events?source=web&limit=100'));
    expect(web.data).toHaveLength(7);
    const badChannel = await kin.admin('/v1/profiles/user_id:u-chan/events?channel=fax');
    expect(badChannel.status).toBe(400);
    expect((await json<{ error: { field: string } }>(badChannel)).error.field).toBe('channel');
    const badSource = await kin.admin('/v1/profiles/user_id:u-chan/events?source=nope');
    expect((await json<{ error: { code: string; field: string } }>(badSource)).error).toMatchObject({
      code: 'invalid_query',
      field: 'source',
    });
  });

  it('summarises channels, first and last event time, orders and revenue per currency', async () => {
    const summary = await json<Record<string, unknown>>(await kin.admin('/v1/profiles/user_id:u-chan/summary'));
    expect(summary).toEqual({
      events: 7,
      firstSeen: at(0),
      lastSeen: at(6),
      channels: { web: 2, email: 3, app: 2 },
      orders: 2,
      revenue: { EUR: 50.5 },
      truncated: false,
    });
    expect((await kin.admin('/v1/profiles/user_id:nobody/summary')).status).toBe(404);
    expect((await fetch(kin.url + '/v1/profiles/user_id:u-chan/summary')).status).toBe(401);
  });
});
