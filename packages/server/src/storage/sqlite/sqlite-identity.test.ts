import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
let n = 0;
const ev = (minute: number, fields: Partial<TrackingEvent>): TrackingEvent => ({ type: 'track', event: 'E', messageId: `x${++n}`, timestamp: at(minute), receivedAt: at(minute), ...fields });
const consent = (categories: Record<string, boolean>) => ({ consent: { categoryPreferences: categories } });

function policyWith(json: unknown): IdentityPolicy {
  const parsed = parsePolicy(json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

async function run(policy: IdentityPolicy, events: TrackingEvent[]): Promise<Store> {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  const deps = { policy, normalize: normalizerFor(policy) };
  for (const event of events) await store.transaction((tx) => applyEvents(tx, 'web', [event], deps));
  return store;
}

const profile = async (store: Store, type: string, value: string) => store.findProfile((await store.findProfileIdByIdentifier({ type, value }))!);

describe('SQLite store: consent', () => {
  const stream = () => [
    ev(1, { anonymousId: 'a', context: consent({ analytics: true, ads: false }) }),
    ev(2, { userId: 'u', context: consent({ analytics: false, ads: true }) }),
    ev(3, { anonymousId: 'a', context: consent({ analytics: true }) }),
    ev(4, { userId: 'u', anonymousId: 'a' }),
  ];

  it('keeps the latest value per category within a profile, and the most restrictive on merge (default)', async () => {
    const store = await run(policyWith({}), stream());
    expect((await profile(store, 'user_id', 'u'))?.consent).toEqual({
      ads: { granted: false, timestamp: at(1) },
      analytics: { granted: false, timestamp: at(2) },
    });
  });

  it('keeps the value set last on merge with consent.onMerge "latest"', async () => {
    const store = await run(policyWith({ consent: { onMerge: 'latest' } }), stream());
    expect((await profile(store, 'user_id', 'u'))?.consent).toEqual({
      ads: { granted: true, timestamp: at(2) },
      analytics: { granted: true, timestamp: at(3) },
    });
  });

  it('links anonymous ids only with the required consent', async () => {
    const store = await run(policyWith({ consent: { requiredForAnonymousLinking: 'analytics' } }), [
      ev(1, { anonymousId: 'no-consent' }),
      ev(2, { anonymousId: 'consented', context: consent({ analytics: true }) }),
      ev(3, { userId: 'u', anonymousId: 'no-consent' }),
    ]);
    expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'no-consent' })).toBeUndefined();
    expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'consented' })).toBeDefined();
    const explain = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u' }))!);
    expect(explain?.refusals).toMatchObject([{ type: 'anonymous_id', value: 'no-consent', reason: 'no_consent' }]);
  });
});

describe('SQLite store: shared devices', () => {
  it('stops linking a device seen with more than maxUserIds user ids, and raises a shared_device warning', async () => {
    const store = await run(policyWith({ sharedDevice: { maxUserIds: 2 } }), [
      ev(1, { userId: 'u1', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(2, { userId: 'u2', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(3, { userId: 'u3', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(4, { userId: 'u1', context: { device: { id: 'kiosk', type: 'ios' } } }),
    ]);
    // u2 was refused by the user_id limit (R6); u3 by the shared-device guard (R11), and u1 too from then on.
    const u3 = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u3' }))!);
    expect(u3?.refusals).toMatchObject([{ type: 'ios.id', value: 'kiosk', reason: 'shared_device' }]);
    const u1 = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!);
    expect(u1?.refusals.map((r) => r.reason)).toEqual(['shared_device']);
    const warnings = await store.listWarnings({ kind: 'shared_device', limit: 10 });
    expect(warnings.data).toHaveLength(2);
    const snapshot = await store.readSnapshot([{ type: 'ios.id', value: 'kiosk' }]);
    expect(snapshot.deviceUsers).toEqual([{ identifier: { type: 'ios.id', value: 'kiosk' }, userIds: ['u1', 'u2', 'u3'] }]);
  });

  it('does not keep invalid identifiers as refusals, but keeps blocked ones', async () => {
    const store = await run(policyWith({}), [ev(1, { userId: 'u', anonymousId: 'null', properties: { email: 'not-an-email' } })]);
    const explain = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u' }))!);
    expect(explain?.refusals).toMatchObject([{ type: 'anonymous_id', value: 'null', reason: 'blocked' }]);
  });
});
