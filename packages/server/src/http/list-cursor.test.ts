/**
 * The cursor walk: every keyset list route the router registers (found by walking `app.routes` and asking
 * each GET route for a page) refuses a garbled cursor, or one of another list, with 400 `invalid_query`
 * naming `cursor`, and still pages with the cursors it answers. In-process (`app.request()`), no socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '@kin/core/api/index.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

/** A value for each path parameter, naming what the seed below created. */
const PARAMS: Record<string, string> = { ref: 'user_id:u1', key: 'seen' };

/** The lists this walk must find (a broken walk finding none would prove nothing). */
const KNOWN = [
  '/v1/profiles/:ref/events',
  '/v1/warnings',
  '/v1/audit',
  '/v1/links',
  '/v1/review',
  '/v1/privacy/requests',
  '/v1/audiences/:key/members',
  '/v1/deliveries',
];

/** Lists the seed gives two items or more, so they must page. */
const SEEDED = ['/v1/profiles/:ref/events', '/v1/warnings', '/v1/audit', '/v1/links', '/v1/privacy/requests', '/v1/audiences/:key/members'];

let t: TestApp;
/** Each paged list route (its registered path) with its path filled in and its first page at `limit=1`. */
const lists = new Map<string, { url: string; first: Page<unknown> }>();

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const get = (url: string, query: string) => t.admin(`${url}?${query}`);
const isPage = (body: unknown): body is Page<unknown> =>
  typeof body === 'object' &&
  body !== null &&
  Array.isArray((body as Page<unknown>).data) &&
  typeof (body as Page<unknown>).cursor?.hasMore === 'boolean';

beforeAll(async () => {
  t = await createTestApp();
  await t.track('/v1/batch', {
    batch: [
      { type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
      { type: 'track', userId: 'u1', event: 'Viewed' },
      { type: 'track', userId: 'u2', event: 'Viewed', traits: { plan: 'pro' } },
      { type: 'identify', userId: 'u2', traits: { plan: 'pro' } },
    ],
  });
  // Two rejected items in two requests: two warnings.
  await t.track('/v1/batch', { batch: [{ type: 'track', event: 'no identity' }] });
  await t.track('/v1/batch', { batch: [{ type: 'identify', userId: 'u3', timestamp: 'not a time' }] });
  for (const key of ['a', 'b']) await t.admin('/v1/links', json({ url: `https://shop.example/${key}`, key }));
  for (let i = 0; i < 2; i++) await t.admin('/v1/privacy/requests', json({ type: 'export', subject: { ref: 'user_id:u1' } }));
  await t.admin('/v1/audiences', json({ key: 'seen', where: { trait: { key: 'plan', op: 'eq', value: 'pro' } } }));
  await t.audiences.drain();

  const gets = new Set(t.app.routes.filter((r) => r.method === 'GET' && !r.path.includes('*')).map((r) => r.path));
  for (const path of gets) {
    const url = path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, (_, name: string) => encodeURIComponent(PARAMS[name] ?? 'x1'));
    const res = await get(url, 'limit=1');
    const body: unknown = res.ok ? await res.json().catch(() => undefined) : undefined;
    if (isPage(body)) lists.set(path, { url, first: body });
  }
});
afterAll(() => t.close());

describe('list cursors', () => {
  it('the walk finds every keyset list route', () => {
    expect([...lists.keys()]).toEqual(expect.arrayContaining(KNOWN));
  });

  it('every list refuses garbled cursors and cursors of another list: 400 invalid_query naming cursor', async () => {
    const foreign = [...lists.values()].map((l) => l.first.cursor.next).filter((next): next is string => next !== null);
    expect(foreign.length).toBeGreaterThan(1);
    for (const [path, { url, first }] of lists) {
      const others = foreign.filter((next) => next !== first.cursor.next);
      for (const cursor of ['%00zz', 'abc', '-5', 'eyJhIjoxfQ', ...others]) {
        const res = await get(url, `limit=1&cursor=${encodeURIComponent(cursor)}`);
        const error = res.status === 400 ? ((await res.json()) as { error: { code: string; field?: string } }).error : undefined;
        expect({ path, cursor, status: res.status, error }).toMatchObject({
          path,
          cursor,
          status: 400,
          error: { code: 'invalid_query', field: 'cursor' },
        });
      }
    }
  });

  it('valid cursors still page: each seeded list walks to its end, one item a page, without repeats', async () => {
    for (const path of SEEDED) {
      const list = lists.get(path);
      expect(list, path).toBeDefined();
      const seen = [JSON.stringify(list!.first.data)];
      let next = list!.first.cursor.next;
      expect(next, path).not.toBeNull();
      while (next !== null && seen.length < 50) {
        const res = await get(list!.url, `limit=1&cursor=${encodeURIComponent(next)}`);
        expect(res.status, path).toBe(200);
        const page = (await res.json()) as Page<unknown>;
        seen.push(JSON.stringify(page.data));
        next = page.cursor.next;
      }
      expect(new Set(seen).size, path).toBe(seen.length);
      expect(seen.length, path).toBeGreaterThan(1);
    }
  });
});
