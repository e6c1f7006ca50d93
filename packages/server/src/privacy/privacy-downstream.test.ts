import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery, PrivacyRequest } from '@kin/core';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

let kin: TestApp;
beforeEach(async () => {
  kin = await createTestApp();
});
afterEach(async () => kin.close());

const post = async (path: string, body: unknown) =>
  kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const read = async (id: string) => (await (await kin.admin(`/v1/privacy/requests/${id}`)).json()) as PrivacyRequest;

/** Sends a privacy request and waits until it reached a final status. */
async function request(body: unknown): Promise<PrivacyRequest> {
  const { id } = (await (await post('/v1/privacy/requests', body)).json()) as PrivacyRequest;
  for (let i = 0; i < 200; i++) {
    const r = await read(id);
    if (r.status !== 'pending' && r.status !== 'running') return r;
    await new Promise((done) => setTimeout(done, 5));
  }
  throw new Error(`request ${id} did not finish`);
}

async function setUp(): Promise<string> {
  const hook = (await (
    await post('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_c2VjcmV0LXNlY3JldA==' })
  ).json()) as { id: string };
  // SMTP takes no events: it gets no `User Deleted`.
  expect(
    (await post('/v1/destinations', { type: 'smtp', host: '127.0.0.1', port: 2525, secure: false, from: 'shop@example.com' })).status,
  ).toBe(201);
  await kin.track('/v1/batch', {
    batch: [
      { type: 'identify', userId: 'u-ann', anonymousId: 'anon-ann', traits: { email: 'ann@example.com' } },
      { type: 'identify', userId: 'u-bob', traits: { email: 'bob@example.com' } },
    ],
  });
  return hook.id;
}

describe('privacy downstream: User Deleted to destinations', () => {
  it('a delete queues one User Deleted (ids only) for the webhook and lists it with its status', async () => {
    const hookId = await setUp();
    const done = await request({ type: 'delete', subject: { ref: 'email:ann@example.com' } });
    expect(done.status).toBe('completed');
    expect(done.destinations).toEqual([{ destinationId: hookId, status: 'pending', updatedAt: expect.any(String) }]);

    const messaging = kin.store.messaging;
    if (!messaging) throw new Error('the store has no messaging port');
    const leased = await messaging.leaseDeliveries({ now: new Date(Date.now() + 1000).toISOString(), limit: 10, leaseMs: 60_000 });
    expect(leased.map((d) => [d.destinationId, d.kind])).toEqual([[hookId, 'user_deleted']]);
    const payload = (leased[0]?.payload as { event?: unknown } | undefined)?.event;
    expect(payload).toMatchObject({ type: 'track', event: 'User Deleted', userId: 'u-ann', anonymousId: 'anon-ann' });
    expect(JSON.stringify(payload)).not.toContain('ann@example.com');
    expect((await read(done.id)).destinations[0]?.status).toBe('running');

    await messaging.finishDeliveries([
      { id: leased[0]?.id ?? '', result: { status: 'failed', at: new Date().toISOString(), lastStatus: 400, lastError: 'HTTP 400' } },
    ]);
    const failed = await read(done.id);
    expect(failed).toMatchObject({ status: 'partial', destinations: [{ destinationId: hookId, status: 'failed', error: 'HTTP 400' }] });
    const listed = (await (await kin.admin('/v1/privacy/requests')).json()) as { data: PrivacyRequest[] };
    expect(listed.data.find((r) => r.id === done.id)?.destinations).toHaveLength(1);
  });

  it('suppress_with_delete sends it too; suppress and export send nothing', async () => {
    await setUp();
    expect((await request({ type: 'suppress', subject: { ref: 'user_id:u-bob' } })).destinations).toEqual([]);
    expect((await request({ type: 'export', subject: { ref: 'user_id:u-bob' } })).destinations).toEqual([]);
    const both = await request({ type: 'suppress_with_delete', subject: { ref: 'user_id:u-bob' } });
    expect(both.destinations.map((d) => d.status)).toEqual(['pending']);
    const deliveries = (await (await kin.admin('/v1/deliveries')).json()) as { data: Delivery[] };
    expect(deliveries.data.map((d) => d.kind)).toEqual(['user_deleted']);
  });
});
