import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../ports/clock.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const START = '2026-03-10T12:00:00.000Z';
let kin: TestApp;
afterEach(async () => kin?.close());

const post = (path: string, body: unknown) =>
  kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of JSON answers
type Json = any;
const json = async (res: Response | Promise<Response>): Promise<Json> => (await res).json();
const order = (userId: string, total: number, at: string, currency = 'EUR') =>
  kin.track('/v1/track', {
    userId,
    event: 'Order Completed',
    properties: { total, currency },
    timestamp: at,
    messageId: `${userId}-${at}-${total}`,
  });

describe('computed traits', () => {
  it('backfills existing events, then follows new ones', async () => {
    const clock = fixedClock(START);
    kin = await createTestApp({ clock });
    await order('u1', 10, '2026-03-09T10:00:00.000Z');
    await order('u1', 30, '2026-03-10T10:00:00.000Z', 'USD');
    const created = await post('/v1/computed-traits', {
      key: 'eur_spend',
      type: 'aggregation',
      agg: 'sum',
      event: 'Order Completed',
      property: 'properties.total',
      where: { path: 'properties.currency', op: 'eq', value: 'EUR' },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ key: 'eur_spend', status: 'backfilling', progress: 0, window: null });
    expect(
      (await post('/v1/computed-traits', { key: 'orders', type: 'event_counter', event: 'Order Completed', window: { days: 1 } })).status,
    ).toBe(201);
    await kin.audiences.drain();
    expect(await json(kin.admin('/v1/computed-traits/eur_spend'))).toMatchObject({ status: 'live', progress: 1 });
    expect((await json(kin.admin('/v1/profiles/user_id:u1'))).computedTraits).toEqual({ eur_spend: 10, orders: 1 });

    await order('u1', 5, '2026-03-10T11:00:00.000Z');
    await kin.audiences.drain();
    expect((await json(kin.admin('/v1/profiles/user_id:u1'))).computedTraits).toEqual({ eur_spend: 15, orders: 2 });

    // The one-day window: the order of 03-09 10:00 is out already; the one of 03-10 10:00 leaves at 03-11 10:00.
    clock.set('2026-03-11T10:00:30.000Z');
    await kin.audiences.drain();
    expect((await json(kin.admin('/v1/profiles/user_id:u1'))).computedTraits).toEqual({ eur_spend: 15, orders: 1 });

    expect((await json(kin.admin('/v1/computed-traits'))).data.map((t: { key: string }) => t.key)).toEqual(['eur_spend', 'orders']);
    expect((await kin.admin('/v1/computed-traits/orders', { method: 'DELETE' })).status).toBe(200);
    expect((await kin.admin('/v1/computed-traits/orders')).status).toBe(404);
    expect((await json(kin.admin('/v1/profiles/user_id:u1'))).computedTraits).toEqual({ eur_spend: 15 });
  });

  it.each([
    [{ key: 'a', type: 'median', event: 'x' }, 'type'],
    [{ key: 'a', type: 'event_counter', event: 'x', window: { days: -1 } }, 'window.days'],
    [{ key: 'a', type: 'aggregation', event: 'x', property: 'properties.total' }, 'agg'],
    ['not an object', 'body'],
  ])('refuses a bad definition with the field (%j)', async (body, field) => {
    kin = await createTestApp();
    const res = await post('/v1/computed-traits', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_definition', field });
  });

  it('needs the admin token and refuses a taken key', async () => {
    kin = await createTestApp();
    expect((await kin.app.request('/v1/computed-traits')).status).toBe(401);
    expect((await kin.app.request('/v1/audiences', { method: 'POST', body: '{}' })).status).toBe(401);
    const body = { key: 'n', type: 'event_counter', event: 'x' };
    expect((await post('/v1/computed-traits', body)).status).toBe(201);
    expect((await json(post('/v1/computed-traits', body))).error.code).toBe('conflict');
  });
});

describe('audiences', () => {
  it('a profile enters and leaves on a fixed clock, with timeline events', async () => {
    const clock = fixedClock(START);
    kin = await createTestApp({ clock });
    expect(
      (await post('/v1/audiences', { key: 'recent_buyers', where: { performed: { event: 'Order Completed', within: { hours: 24 } } } }))
        .status,
    ).toBe(201);
    await kin.audiences.drain();
    await order('u1', 10, '2026-03-10T11:00:00.000Z');
    await order('u2', 10, '2026-03-01T11:00:00.000Z');
    await kin.audiences.drain();

    const members = await json(kin.admin('/v1/audiences/recent_buyers/members?limit=10'));
    const u1 = (await json(kin.admin('/v1/profiles/user_id:u1'))).id as string;
    expect(members.data).toEqual([{ id: u1, enteredAt: START }]);
    expect(await json(kin.admin('/v1/profiles/user_id:u1/audiences'))).toEqual({ data: [{ key: 'recent_buyers', enteredAt: START }] });
    expect(await json(kin.admin('/v1/profiles/user_id:u2/audiences'))).toEqual({ data: [] });
    expect(await json(kin.admin('/v1/audiences/recent_buyers'))).toMatchObject({ size: 1, status: 'live' });

    // 24 hours after the order, plus a sweep: out.
    clock.set('2026-03-11T11:00:10.000Z');
    await kin.audiences.drain();
    expect((await json(kin.admin('/v1/audiences/recent_buyers/members'))).data).toEqual([]);
    const timeline = await json(kin.admin(`/v1/profiles/${u1}/events?limit=10`));
    const audienceEvents = timeline.data.filter((e: { event: string }) => e.event.startsWith('Audience'));
    expect(audienceEvents.map((e: Json) => [e.event, e.properties.audience, e.timestamp])).toEqual([
      ['Audience Exited', 'recent_buyers', '2026-03-11T11:00:10.000Z'],
      ['Audience Entered', 'recent_buyers', START],
    ]);
  });

  it('combines traits, computed traits, consent and other audiences', async () => {
    kin = await createTestApp({ clock: fixedClock(START) });
    await kin.track('/v1/identify', {
      userId: 'u1',
      traits: { plan: 'pro' },
      context: { consent: { categoryPreferences: { marketing: true } } },
    });
    await order('u1', 80, '2026-03-10T10:00:00.000Z');
    await order('u1', 40, '2026-03-10T10:30:00.000Z');
    await kin.track('/v1/identify', { userId: 'u2', traits: { plan: 'pro' } });
    await post('/v1/computed-traits', {
      key: 'spend',
      type: 'aggregation',
      agg: 'sum',
      event: 'Order Completed',
      property: 'properties.total',
    });
    await post('/v1/audiences', { key: 'pros', where: { trait: { key: 'plan', op: 'eq', value: 'pro' } } });
    const vip = await post('/v1/audiences', {
      key: 'vip',
      where: {
        all: [
          { audience: 'pros' },
          { trait: { key: 'spend', op: 'gte', value: 100 } },
          { consent: { category: 'marketing', is: true } },
          { not: { performed: { event: 'Refunded' } } },
        ],
      },
    });
    expect(vip.status).toBe(201);
    await kin.audiences.drain();
    expect((await json(kin.admin('/v1/audiences'))).data.map((a: Json) => [a.key, a.size])).toEqual([
      ['pros', 2],
      ['vip', 1],
    ]);
    expect((await json(kin.admin('/v1/profiles/user_id:u1/audiences'))).data.map((a: Json) => a.key)).toEqual(['pros', 'vip']);
    expect((await json(kin.admin('/v1/audiences/pros', { method: 'DELETE' }))).error).toMatchObject({ code: 'conflict' });
  });

  it.each([
    [{ key: 'a', where: { visited: { page: '/' } } }, 'where.visited'],
    [{ key: 'a', where: { performed: { event: 'x', within: { days: -1 } } } }, 'where.performed.within.days'],
    [{ key: 'a', where: { audience: 'a' } }, 'where.audience'],
    [{ key: 'a', where: { audience: 'nobody' } }, 'where.audience'],
    [{ key: 'a', where: { any: Array.from({ length: 10_000 }, () => ({ performed: { event: 'x' } })) } }, 'where.any[199]'],
  ])('refuses a bad audience with the field (%#)', async (body, field) => {
    kin = await createTestApp();
    const res = await post('/v1/audiences', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_definition', field });
  });

  it('pages members with a cursor', async () => {
    kin = await createTestApp({ clock: fixedClock(START) });
    for (const u of ['a', 'b', 'c']) await kin.track('/v1/track', { userId: u, event: 'Opened' });
    await post('/v1/audiences', { key: 'openers', where: { performed: { event: 'Opened' } } });
    await kin.audiences.drain();
    const first = await json(kin.admin('/v1/audiences/openers/members?limit=2'));
    expect(first.data).toHaveLength(2);
    const second = await json(kin.admin(`/v1/audiences/openers/members?limit=2&cursor=${first.cursor.next}`));
    expect(second.data).toHaveLength(1);
    expect(second.cursor.hasMore).toBe(false);
    expect((await kin.admin('/v1/audiences/nope/members')).status).toBe(404);
  });
});
