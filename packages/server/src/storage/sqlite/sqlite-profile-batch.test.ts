import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
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
const ev = (minute: number, fields: Partial<TrackingEvent>): TrackingEvent => ({
  type: 'track',
  event: 'E',
  messageId: `b${++n}`,
  timestamp: at(minute),
  receivedAt: at(minute),
  ...fields,
});

describe('SQLite store: profiles read in one batch', () => {
  it('answers each id as findProfile does: live, merged away (its survivor), unknown', async () => {
    const parsed = parsePolicy({});
    if (!parsed.ok) throw new Error('policy');
    const deps = { policy: parsed.policy, normalize: normalizerFor(parsed.policy) };
    const store = await openSqliteStore({ path: ':memory:' });
    stores.push(store);
    const events = [
      ev(1, { anonymousId: 'a1', context: { consent: { categoryPreferences: { ads: true, analytics: false } } } }),
      ev(2, { type: 'identify', userId: 'u1', traits: { plan: 'pro', email: 'u1@x.io', nested: { k: [1, 2] } } }),
      ev(3, { userId: 'u1', anonymousId: 'a1' }),
      ev(4, { anonymousId: 'a2', context: { traits: { email: 'a2@x.io' } } }),
      ev(5, { type: 'identify', anonymousId: 'a3', traits: { plan: 'free' } }),
      ev(6, { userId: 'u1', anonymousId: 'a3' }),
    ];
    const ids: string[] = [];
    for (const event of events) {
      const outcome = await store.transaction((tx) => applyEvents(tx, 'web', [event], deps));
      for (const id of outcome.profileIds) if (id !== undefined) ids.push(id);
    }
    const asked = [...new Set(ids), 'no-such-profile'];
    const survivor = await store.findProfile(ids[0] ?? '');
    expect(survivor?.mergedFrom.length).toBeGreaterThan(0);
    const batch = await store.audiences.readProfiles!(asked);
    expect([...batch.keys()]).toEqual(asked);
    for (const id of asked) expect(batch.get(id)).toEqual(await store.findProfile(id));
    expect(batch.get('no-such-profile')).toBeUndefined();
  });
});
