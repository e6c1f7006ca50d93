/**
 * End to end over a real socket with the real `@segment/analytics-node` SDK: only the host changes.
 * A shopper browses anonymously, logs in, uses the app on a second device, lands from an email that only
 * knows the address; then a second person logs in on the same browser.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

let kin: TestKin;
let analytics: Analytics;

beforeAll(async () => {
  kin = await startTestKin();
  analytics = new Analytics({ writeKey: kin.writeKey, host: kin.url, flushAt: 1, flushInterval: 50, maxRetries: 0 });
});
afterAll(async () => {
  await analytics.closeAndFlush({ timeout: 5000 });
  await kin.close();
});

type Call = 'identify' | 'track' | 'page' | 'screen';
/** Sends one call and waits until Kin has acknowledged it. */
function send(call: Call, params: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve());
    (analytics[call] as (p: unknown, cb: (e?: unknown) => void) => void).call(analytics, params, done);
  });
}

interface Profile {
  id: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
}
const profile = async (ref: string) => (await (await kin.admin('/v1/profiles/' + encodeURIComponent(ref))).json()) as Profile;
const ids = (p: Profile) => p.externalIds.map((e) => `${e.type}:${e.value}`).sort();

describe('real Segment SDK against Kin', () => {
  it('resolves one shopper across web, app and email, and keeps a second person on the same browser apart', async () => {
    await send('page', { anonymousId: 'browser-1', name: 'Home', properties: { path: '/' } });
    await send('track', { anonymousId: 'browser-1', event: 'Product Viewed', properties: { sku: 'TEE-1' } });
    await send('identify', { anonymousId: 'browser-1', userId: 'alice', traits: { email: 'Alice@Example.com', name: 'Alice' } });
    await send('screen', {
      userId: 'alice',
      name: 'Cart',
      context: { device: { id: 'IOS-DEVICE-1', type: 'ios' } },
    });
    await send('track', {
      userId: 'alice',
      event: 'Order Completed',
      properties: { total: 30 },
      context: { device: { id: 'IOS-DEVICE-1', type: 'ios' } },
    });
    await send('page', { anonymousId: 'landing-7', name: 'Newsletter landing', context: { traits: { email: 'alice@example.com' } } });
    await send('identify', { anonymousId: 'browser-1', userId: 'bob', traits: { email: 'bob@example.com' } });

    const alice = await profile('user_id:alice');
    expect(ids(alice)).toEqual(
      ['anonymous_id:browser-1', 'anonymous_id:landing-7', 'email:alice@example.com', 'ios.id:IOS-DEVICE-1', 'user_id:alice'].sort(),
    );
    expect(alice.traits).toMatchObject({ name: 'Alice' });
    const bob = await profile('user_id:bob');
    expect(bob.id).not.toBe(alice.id);
    expect(ids(bob)).toEqual(['email:bob@example.com', 'user_id:bob']);
    expect((await profile('anonymous_id:browser-1')).id).toBe(alice.id);

    const timeline = (await (await kin.admin(`/v1/profiles/${alice.id}/events?limit=100`)).json()) as {
      data: Array<{ type: string; context?: { library?: { name?: string } } }>;
    };
    expect(timeline.data.map((e) => e.type).sort()).toEqual(['identify', 'page', 'page', 'screen', 'track', 'track']);
    expect(timeline.data[0]?.context?.library?.name).toBe('@segment/analytics-node');
    const stats = (await (await kin.admin('/v1/stats')).json()) as { events: number; profiles: number };
    expect(stats).toMatchObject({ events: 7, profiles: 2 });
  });
});
