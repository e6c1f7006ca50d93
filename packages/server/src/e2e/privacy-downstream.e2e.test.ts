/**
 * `User Deleted` with real parts: Kin on a socket (SQLite file, the delivery worker running) and a real
 * webhook receiver. A delete request reaches the receiver once, signed, with ids only; the request then reads
 * its destination as `completed`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { PrivacyRequest } from '@kin/core';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import { startTestKin } from '../testing/kin-harness.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe('privacy downstream end to end', () => {
  it('a delete delivers User Deleted to a webhook and the request shows it completed', { timeout: 60_000 }, async () => {
    const hooks = await startWebhookReceiver();
    closers.push(hooks.close);
    const kin = await startTestKin({ env: { KIN_MESSAGING_POLL_MS: '20' } });
    closers.push(kin.close);
    const post = async (path: string, body: unknown) =>
      kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const hook = (await (
      await post('/v1/destinations', {
        type: 'webhook',
        url: hooks.url,
        secret: 'whsec_' + Buffer.from('privacy-e2e-secret').toString('base64'),
      })
    ).json()) as { id: string };
    expect(
      (await kin.track('/v1/identify', { userId: 'u-ann', anonymousId: 'anon-ann', traits: { email: 'ann@example.com' } })).status,
    ).toBe(200);

    const res = await post('/v1/privacy/requests', { type: 'delete', subject: { ref: 'email:ann@example.com' } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as PrivacyRequest;
    let request: PrivacyRequest | undefined;
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      request = (await (await kin.admin(`/v1/privacy/requests/${id}`)).json()) as PrivacyRequest;
      // The webhook may be delivered before the store's part (delete, VACUUM) ends: wait for both.
      if (request.destinations[0]?.status === 'completed' && request.status === 'completed') break;
    }
    expect(request).toMatchObject({ status: 'completed', destinations: [{ destinationId: hook.id, status: 'completed' }] });
    expect(hooks.received).toHaveLength(1);
    const received = hooks.received[0];
    const body = JSON.parse(received?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'track', event: 'User Deleted', userId: 'u-ann', anonymousId: 'anon-ann' });
    expect(received?.body).not.toContain('ann@example.com');
    expect(received?.headers['idempotency-key']).toBe(`dlv_del_${id}_${hook.id}`);
    expect(received?.headers['webhook-signature']).toMatch(/^v1,/);
  });
});
