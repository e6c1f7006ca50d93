import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../testing/app-harness.ts';
import type { TestApp } from '../testing/app-harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: unknown, method = 'POST') =>
  t.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const CART = {
  key: 'cart',
  trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
  exit: [{ event: 'Order Completed', match: { 'properties.cart_id': '{{trigger.properties.cart_id}}' } }],
  steps: [{ wait: '1 hour' }, { send: { message: 'reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['email'] } }],
  holdout: { percent: 10 },
  goal: { event: 'Order Completed', within: '2 days' },
};
const SEND = { message: 'm', dedupeKey: 'k', channels: ['email'] };

async function error(res: Response): Promise<{ status: number; code: string; field?: string }> {
  const body = (await res.json()) as { error: { code: string; field?: string } };
  return { status: res.status, code: body.error.code, ...(body.error.field ? { field: body.error.field } : {}) };
}

describe('messaging routes', () => {
  it('refuses every route without the admin token', async () => {
    for (const path of ['/v1/journeys', '/v1/messaging/policy', '/v1/destinations', '/v1/deliveries', '/v1/messages/x']) {
      expect((await t.app.request(path)).status).toBe(401);
    }
  });

  it('creates destinations (secrets never answered) and a policy that names them', async () => {
    const res = await post('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_c2VjcmV0LXNlY3JldA==' });
    expect(res.status).toBe(201);
    const hook = (await res.json()) as Record<string, unknown>;
    expect(hook).toMatchObject({ type: 'webhook', status: 'active', url: 'http://127.0.0.1:9/hook' });
    expect(JSON.stringify(hook)).not.toContain('whsec');
    expect(await error(await post('/v1/destinations', { type: 'fax', url: 'x' }))).toMatchObject({
      status: 400,
      code: 'invalid_destination',
      field: 'type',
    });
    expect(
      await error(await post('/v1/destinations', { type: 'smtp', host: 'h', port: 70000, secure: false, from: 'a@b.c' })),
    ).toMatchObject({ field: 'port' });
    expect(await error(await post('/v1/journeys', CART))).toMatchObject({ code: 'invalid_journey', field: 'steps[1].send.channels[0]' });
    const policy = { channels: { email: { destination: 'dst_nope', consent: 'opt_in' } } };
    expect(await error(await post('/v1/messaging/policy', policy, 'PUT'))).toMatchObject({
      status: 400,
      code: 'invalid_policy',
      field: 'channels.email.destination',
    });
    const ok = await post(
      '/v1/messaging/policy',
      { channels: { email: { destination: hook.id, consent: 'opt_in' } }, quietHours: { start: '21:00', end: '08:00' } },
      'PUT',
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ capCounting: 'rolling', defaultTimezone: 'UTC', quietHours: { fallback: 'defer' } });
  });

  it('creates, publishes, pauses and resumes a journey', async () => {
    const res = await post('/v1/journeys', CART);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ key: 'cart', status: 'draft' });
    expect((await post('/v1/journeys', CART)).status).toBe(409);
    expect(await (await post('/v1/journeys/cart/publish', {})).json()).toMatchObject({ status: 'published' });
    expect((await post('/v1/journeys/cart/resume', {})).status).toBe(409);
    expect(await (await post('/v1/journeys/cart/pause', {})).json()).toMatchObject({ status: 'paused' });
    expect(await (await post('/v1/journeys/cart/resume', {})).json()).toMatchObject({ status: 'published' });
    expect((await t.admin('/v1/journeys/nope/stats')).status).toBe(404);
    expect(await (await t.admin('/v1/journeys/cart/stats')).json()).toEqual({
      entered: 0,
      exited: { goal: 0, exitRule: 0 },
      heldOut: 0,
      decisions: { sent: 0, skipped_duplicate: 0, skipped_cap: 0, deferred_quiet: 0, skipped_no_channel: 0, skipped_consent: 0 },
      goal: { treated: 0, holdout: 0, lift: null },
    });
    expect((await t.admin('/v1/journeys/nope/steps')).status).toBe(404);
    expect((await t.app.request('/v1/journeys/cart/steps')).status).toBe(401);
    expect(await (await t.admin('/v1/journeys/cart/steps')).json()).toMatchObject({
      journey: 'cart',
      entered: 0,
      completed: 0,
      steps: [
        { index: 0, kind: 'wait', now: 0, ended: {} },
        { index: 1, kind: 'send', now: 0, ended: {}, decisions: {} },
      ],
    });
  });

  it('answers bad journeys with 400 naming the field, never a 500', async () => {
    const bad: Array<[unknown, string]> = [
      [{ ...CART, key: 'a', steps: [{ sleep: 5 }] }, 'steps[0]'],
      [{ ...CART, key: 'b', steps: [{ wait: '-5 minutes' }] }, 'steps[0].wait'],
      [
        { ...CART, key: 'c', steps: [{ id: 'x', wait: 60 }, { branch: { if: { path: 'traits.vip', equals: true }, then: 'x' } }] },
        'steps[1].branch.then',
      ],
      [{ ...CART, key: 'd', steps: [{ send: { message: 'm', dedupeKey: 'k', channels: ['sms'] } }] }, 'steps[0].send.channels[0]'],
      [{ ...CART, key: 'Bad Key' }, 'key'],
      [{ ...CART, key: 'e', trigger: {} }, 'trigger'],
      [{ ...CART, key: 'f', goal: { event: 'x', within: 'soon' } }, 'goal.within'],
      // A bad send inside the union of step shapes is named down to its own field.
      [{ ...CART, key: 'g', steps: [{ send: { ...SEND, content: { 'bad name': 'x' } } }] }, 'steps[0].send.content["bad name"]'],
      [{ ...CART, key: 'h', steps: [{ send: { ...SEND, content: { title: 5 } } }] }, 'steps[0].send.content.title'],
      [{ ...CART, key: 'i', steps: [{ send: { ...SEND, content: { title: 'Hi {{customer.name}}' } } }] }, 'steps[0].send.content.title'],
      [{ ...CART, key: 'j', steps: [{ send: { ...SEND, email: { subject: '' } } }] }, 'steps[0].send.email.subject'],
    ];
    for (const [body, field] of bad)
      expect(await error(await post('/v1/journeys', body))).toEqual({ status: 400, code: 'invalid_journey', field });
    expect((await t.admin('/v1/journeys', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
  });

  it('answers unknown messages and deliveries with 404 and bad filters with 400', async () => {
    expect((await t.admin('/v1/messages/nope')).status).toBe(404);
    expect((await post('/v1/deliveries/nope/retry', {})).status).toBe(404);
    expect(await error(await t.admin('/v1/deliveries?status=lost'))).toMatchObject({ status: 400, field: 'status' });
    expect(await (await t.admin('/v1/deliveries')).json()).toEqual({ data: [], cursor: { next: null, hasMore: false } });
    expect(await (await t.admin('/v1/deliveries/summary')).json()).toEqual({ data: [] });
  });
});
