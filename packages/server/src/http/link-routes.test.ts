/** Tracked-link routes in process: happy, error and security cases (the socket path: e2e/links.e2e.test.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedLink, LinkStats, RecipientLink } from '@kin/core/api/index.ts';
import { fixedClock } from '../ports/clock.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
let kin: TestApp | undefined;
afterEach(async () => {
  await kin?.close();
  kin = undefined;
});

async function setup(env: Record<string, string> = { KIN_LINKS_SCANNER_SECONDS: '0' }, clock = fixedClock('2026-05-01T10:00:00.000Z')) {
  kin = await createTestApp({ env, clock });
  return { kin, clock };
}

const post = (k: TestApp, path: string, body: unknown) =>
  k.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

async function statsOnce(k: TestApp, id: string, until: (s: LinkStats) => boolean): Promise<LinkStats> {
  for (let i = 0; i < 500; i++) {
    const stats = (await (await k.admin(`/v1/links/${id}/stats`)).json()) as LinkStats;
    if (until(stats)) return stats;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('stats never reached the expected state');
}

/** A link to the shop with one recipient: the link and the recipient's token. */
async function linkWithRecipient(k: TestApp, ref: string): Promise<{ link: CreatedLink; token: string }> {
  const link = (await (await post(k, '/v1/links', { url: 'https://shop.example/' })).json()) as CreatedLink;
  const { data } = (await (await post(k, `/v1/links/${link.id}/recipients`, { refs: [ref] })).json()) as { data: RecipientLink[] };
  return { link, token: data[0]!.token };
}

describe('tracked link routes', () => {
  it('creates a link with lower-cased UTM on the destination, lists it, and redirects with kin_link and no-store', async () => {
    const { kin } = await setup();
    const res = await post(kin, '/v1/links', {
      url: 'https://shop.example/sale?x=1',
      key: 'spring',
      utm: { source: 'News', campaign: 'Spring-Sale' },
      campaignId: 'c1',
      tags: ['email'],
    });
    expect(res.status).toBe(201);
    const link = (await res.json()) as CreatedLink;
    expect(link).toMatchObject({
      code: 'spring',
      shortUrl: 'http://localhost/l/spring',
      destination: 'https://shop.example/sale?x=1&utm_source=news&utm_campaign=spring-sale',
    });
    const list = (await (await kin.admin('/v1/links')).json()) as { data: Array<{ id: string; tags: string[] }> };
    expect(list.data).toMatchObject([{ id: link.id, tags: ['email'] }]);

    const hit = await kin.app.request('/l/spring', { headers: { 'user-agent': BROWSER } });
    expect(hit.status).toBe(302);
    expect(hit.headers.get('cache-control')).toBe('no-store');
    const target = new URL(hit.headers.get('location')!);
    expect(target.searchParams.get('utm_source')).toBe('news');
    expect(target.searchParams.get('kin_link')).toMatch(/^[0-9a-f-]{36}$/);
    const head = await kin.app.request('/l/spring', { method: 'HEAD', headers: { 'user-agent': BROWSER } });
    expect(head.status).toBe(302);
    const stats = await statsOnce(kin, link.id, (s) => s.clicks === 1 && s.headRequests === 1);
    expect(stats).toMatchObject({ clicks: 1, uniqueClicks: 1, headRequests: 1, botClicks: 0 });
  });

  it('answers bad bodies, unknown links and taken keys with codes, never 500', async () => {
    const { kin } = await setup();
    const bad = async (body: unknown, field: string) => {
      const res = await post(kin, '/v1/links', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_link', field } });
    };
    await bad({ url: 'javascript:alert(1)' }, 'url');
    await bad({ url: 'https://a.example', utm: { source: '' } }, 'utm.source');
    await bad({ url: 'https://a.example', utm: { medium: 'x\u0001' } }, 'utm.medium');
    await bad({ url: 'https://a.example', key: 'no spaces' }, 'key');
    await bad({ url: 'https://a.example', expiresAt: 'tomorrow' }, 'expiresAt');
    await bad({ url: 'https://a.example', extra: 1 }, 'extra');
    expect((await post(kin, '/v1/links', { url: 'https://a.example', key: 'k' })).status).toBe(201);
    expect(await (await post(kin, '/v1/links', { url: 'https://b.example', key: 'k' })).json()).toMatchObject({
      error: { code: 'conflict', field: 'key' },
    });
    expect(await (await kin.app.request('/l/nope')).json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await kin.app.request('/l/%00%ff')).status).toBe(404);
    expect((await kin.admin('/v1/links/nope/stats')).status).toBe(404);
    const refs = await post(
      kin,
      `/v1/links/${((await (await kin.admin('/v1/links')).json()) as { data: Array<{ id: string }> }).data[0]!.id}/recipients`,
      { refs: ['email:ok@x.io', 'email:not-an-email'] },
    );
    expect(await refs.json()).toMatchObject({ error: { code: 'invalid_ref', field: 'refs[1]' } });
    const nul = await post(
      kin,
      `/v1/links/${((await (await kin.admin('/v1/links')).json()) as { data: Array<{ id: string }> }).data[0]!.id}/recipients`,
      { refs: ['email:ok@x.io', 'email:a\u0000b@x.io', 'email:\ud800@x.io'] },
    );
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({ error: { code: 'invalid_ref', field: 'refs[1]' } });
  });

  it('needs the admin token on the admin routes only', async () => {
    const { kin } = await setup();
    expect((await kin.app.request('/v1/links', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await kin.app.request('/v1/links')).status).toBe(401);
    expect((await kin.app.request('/l/anything')).status).toBe(404);
  });

  it('signs one token per recipient: no personal data in the URL, stable for a ref, tampering flagged but redirected', async () => {
    const { kin, clock } = await setup();
    const link = (await (await post(kin, '/v1/links', { url: 'https://shop.example/' })).json()) as CreatedLink;
    const other = (await (await post(kin, '/v1/links', { url: 'https://shop.example/other' })).json()) as CreatedLink;
    const { data } = (await (
      await post(kin, `/v1/links/${link.id}/recipients`, { refs: ['email:Ann@Example.com', 'user_id:u-2'] })
    ).json()) as { data: RecipientLink[] };
    expect(data.map((r) => r.ref)).toEqual(['email:Ann@Example.com', 'user_id:u-2']);
    for (const r of data) {
      expect(r.url).not.toMatch(/ann|example\.com|u-2/i);
      expect(r.token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    }
    const again = (await (await post(kin, `/v1/links/${link.id}/recipients`, { refs: ['email:ann@example.com'] })).json()) as {
      data: RecipientLink[];
    };
    expect(again.data[0]!.token).toBe(data[0]!.token);
    const foreign = (await (await post(kin, `/v1/links/${other.id}/recipients`, { refs: ['email:ann@example.com'] })).json()) as {
      data: RecipientLink[];
    };

    clock.advance(60_000);
    const token = data[0]!.token;
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const r of [token, tampered, foreign.data[0]!.token, 'garbage']) {
      const res = await kin.app.request(`/l/${link.code}?r=${encodeURIComponent(r)}`, { headers: { 'user-agent': BROWSER } });
      expect(res.status).toBe(302);
    }
    const stats = await statsOnce(kin, link.id, (s) => s.clicks === 4);
    expect(stats).toMatchObject({ recipients: 2, recipientsClicked: 1, invalidTokenClicks: 3 });
    const profile = await kin.admin('/v1/profiles/email:ann@example.com/events');
    const events = ((await profile.json()) as { data: Array<{ event: string; properties: Record<string, unknown> }> }).data;
    expect(events.map((e) => [e.event, e.properties['token']])).toEqual([['Link Clicked', 'valid']]);
  });

  it('a privacy delete of a recipient leaves no copy in the redirect memory: the token names no one afterwards', async () => {
    const { kin, clock } = await setup();
    const { link, token } = await linkWithRecipient(kin, 'email:ann@example.com');
    clock.advance(60_000);
    const click = () => kin.app.request(`/l/${link.code}?r=${token}`, { headers: { 'user-agent': BROWSER } });
    // The first click reads the recipient into memory (and makes Ann a profile through the token's ref).
    expect((await click()).status).toBe(302);
    expect(await statsOnce(kin, link.id, (s) => s.clicks === 1)).toMatchObject({ recipients: 1, recipientsClicked: 1 });
    const res = await post(kin, '/v1/privacy/requests', { type: 'delete', subject: { ref: 'email:ann@example.com' } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const status = async () => ((await (await kin.admin(`/v1/privacy/requests/${id}`)).json()) as { status: string }).status;
    for (let i = 0; i < 200 && (await status()) !== 'completed'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await status()).toBe('completed');
    expect(await statsOnce(kin, link.id, (s) => s.clicks === 0)).toMatchObject({ recipients: 0, recipientsClicked: 0 });
    // A cached recipient would make this a valid click naming Ann; without her row, the token is invalid.
    expect((await click()).status).toBe(302);
    expect(await statsOnce(kin, link.id, (s) => s.clicks === 1)).toMatchObject({ recipientsClicked: 0, invalidTokenClicks: 1 });
  });

  it('flags bot user agents and clicks right after the token was made, and leaves them out of stats', async () => {
    const { kin, clock } = await setup({});
    const link = (await (await post(kin, '/v1/links', { url: 'https://shop.example/' })).json()) as CreatedLink;
    const { data } = (await (await post(kin, `/v1/links/${link.id}/recipients`, { refs: ['email:bo@x.io'] })).json()) as {
      data: RecipientLink[];
    };
    await kin.app.request(`/l/${link.code}?r=${data[0]!.token}`, { headers: { 'user-agent': BROWSER } });
    await kin.app.request(`/l/${link.code}`, { headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } });
    await kin.app.request(`/l/${link.code}`);
    clock.advance(60_000);
    await kin.app.request(`/l/${link.code}?r=${data[0]!.token}`, { headers: { 'user-agent': BROWSER } });
    const stats = await statsOnce(kin, link.id, (s) => s.clicks + s.botClicks === 4);
    expect(stats).toMatchObject({ clicks: 1, botClicks: 3, recipientsClicked: 1 });
    const events = (
      (await (await kin.admin('/v1/profiles/email:bo@x.io/events')).json()) as { data: Array<{ properties: Record<string, unknown> }> }
    ).data;
    expect(events).toHaveLength(1);
  });

  it('serves the open pixel with no-store, records opens and flags machine opens', async () => {
    const { kin, clock } = await setup();
    const link = (await (await post(kin, '/v1/links', { url: 'https://shop.example/' })).json()) as CreatedLink;
    const { data } = (await (await post(kin, `/v1/links/${link.id}/recipients`, { refs: ['email:op@x.io'] })).json()) as {
      data: RecipientLink[];
    };
    clock.advance(60_000);
    const res = await kin.app.request(`/o/${data[0]!.token}.gif`, { headers: { 'user-agent': BROWSER } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await res.arrayBuffer()).byteLength).toBe(42);
    await kin.app.request(`/o/${data[0]!.token}.gif`, { headers: { 'user-agent': 'Mozilla/5.0' } });
    expect((await kin.app.request('/o/whatever.gif')).status).toBe(200);
    expect((await kin.app.request('/o/whatever.png')).status).toBe(404);
    const stats = await statsOnce(kin, link.id, (s) => s.opens + s.machineOpens === 2);
    expect(stats).toMatchObject({ opens: 1, machineOpens: 1, clicks: 0 });
  });
});
