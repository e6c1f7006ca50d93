import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { comparePartitions, replayAll } from './graph-replay.ts';
import { mulberry32 } from '@kin/core';
import { ingestInGroups } from '../storage/storage-reference-conformance.ts';
import type { Delivery } from '../storage/storage-reference-conformance.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/**
 * A multi-channel stream: each person browses the web anonymously, logs in, uses the iOS app, gets
 * server-side orders and email clicks. `sharing` adds a browser and a phone shared between people, so
 * limits and the shared-device guard are hit.
 */
function channelStream(seed: number, people: number, sharing: boolean): Delivery[] {
  const random = mulberry32(seed);
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
  const out: Delivery[] = [];
  let n = 0;
  const push = (sourceId: string, fields: Partial<TrackingEvent>) => {
    n++;
    out.push({
      sourceId,
      event: { type: 'track', event: 'E', messageId: `m${n}`, timestamp: at(Math.floor(random() * 600)), receivedAt: at(0), ...fields },
    });
  };
  for (let p = 0; p < people; p++) {
    const user = `u${p}`;
    const web = [`w${p}a`, `w${p}b`];
    const device = `D${p}`;
    const email = `p${p}@shop.example`;
    for (const anon of web) push('web', { type: 'page', name: 'Home', anonymousId: anon });
    push('web', { type: 'identify', userId: user, anonymousId: web[0], traits: { email, plan: random() < 0.5 ? 'free' : 'pro' } });
    push('web', { type: 'identify', anonymousId: web[1], traits: { email: email.toUpperCase(), name: `Person ${p}` } });
    push('ios', { type: 'screen', name: 'Cart', anonymousId: `i${p}`, context: { device: { id: device, type: 'ios' } } });
    push('ios', {
      type: 'identify',
      userId: user,
      anonymousId: `i${p}`,
      context: { device: { id: device, type: 'ios' } },
      traits: { phone: `+1415555${String(1000 + p)}` },
    });
    push('server', { type: 'track', event: 'Order Completed', userId: user, properties: { total: Math.floor(random() * 100) } });
    push('email', { type: 'track', event: 'Email Clicked', anonymousId: `e${p}`, context: { traits: { email } } });
    if (random() < 0.5) push('web', { type: 'identify', userId: user, traits: { plan: null, vip: true } });
    if (sharing) {
      push('web', { type: 'identify', userId: user, anonymousId: 'family-browser', traits: {} });
      push('ios', { type: 'screen', name: 'Home', userId: user, context: { device: { id: 'kiosk', type: 'ios' } } });
    }
  }
  return out;
}

function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function ingest(deliveries: Delivery[], policy: IdentityPolicy): Promise<Store> {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  await ingestInGroups(store, deliveries, { policy, normalize: normalizerFor(policy) }, 7);
  return store;
}

/** Per profile: identifiers, visible traits, consent and timeline (message ids), independent of ids; plus the live ids. */
async function state(store: Store): Promise<{ shape: string[]; ids: string[] }> {
  const shape: string[] = [];
  const ids: string[] = [];
  for (const part of await store.identifierPartition()) {
    const [type, ...rest] = part[0]!.split(':');
    const id = (await store.findProfileIdByIdentifier({ type: type!, value: rest.join(':') }))!;
    const profile = (await store.findProfile(id))!;
    const events = (await store.listProfileEvents(id, { limit: 1000 })).data.map((e) => e.messageId).sort();
    shape.push(JSON.stringify([part, profile.traits, profile.consent ?? {}, events]));
    ids.push(profile.id);
  }
  return { shape: shape.sort(), ids: ids.sort() };
}

const permissive = (() => {
  const parsed = parsePolicy({
    types: { user_id: { limit: 100 }, email: { limit: 100 }, anonymous_id: { limit: 100 }, 'ios.id': { limit: 100 } },
  });
  if (!parsed.ok) throw new Error('policy');
  return parsed.policy;
})();

describe('kin replay', () => {
  it.each([1, 2, 3])(
    'rebuilds the same graph as the online run, ids included, with limits and shared devices hit (seed %i)',
    async (seed) => {
      const store = await ingest(channelStream(seed, 6, true), DEFAULT_POLICY);
      const online = await state(store);
      expect(online.ids.length).toBeGreaterThanOrEqual(6);
      expect((await store.stats()).merges).toBeGreaterThan(0);
      const refusals = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u5' }))!);
      expect(refusals?.refusals.some((r) => r.reason === 'limit' || r.reason === 'shared_device')).toBe(true);
      const report = await replayAll({
        store,
        policy: DEFAULT_POLICY,
        normalize: normalizerFor(DEFAULT_POLICY),
        at: '2026-11-02T00:00:00.000Z',
        batchSize: 17,
      });
      expect(await state(store)).toEqual(online);
      expect(report).toMatchObject({ profilesSplit: 0, profilesMerged: 0, identifiersDroppedCount: 0, identifiersAddedCount: 0 });
      expect(report.events).toBe(channelStream(seed, 6, true).length);
    },
  );

  it.each([4, 5, 6])(
    'shuffled delivery without limit conflicts: online, replayed and in-order graphs are equal (seed %i)',
    async (seed) => {
      const stream = channelStream(seed, 5, false);
      const inOrder = await state(await ingest(stream, permissive));
      const shuffled = await ingest(shuffle(mulberry32(seed), stream), permissive);
      const online = await state(shuffled);
      expect(online.ids).toHaveLength(5);
      expect(online.shape).toEqual(inOrder.shape);
      await replayAll({
        store: shuffled,
        policy: permissive,
        normalize: normalizerFor(permissive),
        at: '2026-11-02T00:00:00.000Z',
        batchSize: 10,
      });
      expect(await state(shuffled)).toEqual(online);
    },
  );

  it('reports what a policy change does: profiles split and identifiers refused', async () => {
    const store = await ingest(channelStream(7, 3, false), DEFAULT_POLICY);
    const strict = parsePolicy({ types: { email: { limit: 1 } }, blocked: { exact: ['p1@shop.example'] } });
    if (!strict.ok) throw new Error('policy');
    const report = await replayAll({
      store,
      policy: strict.policy,
      normalize: normalizerFor(strict.policy),
      at: '2026-11-02T00:00:00.000Z',
    });
    expect(report.identifiersDropped).toEqual(['email:p1@shop.example']);
    expect(report.profilesSplit).toBeGreaterThan(0);
    expect(report.refused.blocked).toBeGreaterThan(0);
  });

  it('compares partitions: splits, merges, dropped and added identifiers', () => {
    expect(comparePartitions([['a', 'b', 'c'], ['d'], ['e']], [['a'], ['b', 'd'], ['f']])).toEqual({
      profilesBefore: 3,
      profilesAfter: 3,
      profilesSplit: 1,
      profilesMerged: 1,
      identifiersDropped: ['c', 'e'],
      identifiersDroppedCount: 2,
      identifiersAddedCount: 1,
    });
  });
});
