import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '@kin/core';
import type { IdentityPolicy } from '@kin/core';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { generateChurnData } from './churn-data.ts';
import { DEMO_POLICY, generateDemoData } from './demo-data.ts';
import { replayForOutcome } from './identity-outcome.ts';

const now = new Date('2026-11-01T12:00:00.000Z');
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function freshStore(): Promise<Store> {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  return store;
}

/** The user ids of the profile holding `key` (`type:value`), or undefined when no profile holds it. */
async function userIdsOf(store: Store, key: string): Promise<string[] | undefined> {
  const partition = await store.identifierPartition();
  return partition.find((keys) => keys.includes(key))?.filter((k) => k.startsWith('user_id:'));
}

describe('identity defaults on realistic shoppers (real SQLite store, real write path)', () => {
  it('cookie churn, several devices, CRM and social: one profile per person, refusals only on shared devices', async () => {
    const data = generateChurnData({ seed: 11, people: 300, days: 180, now, householdEvery: 25 });
    const store = await freshStore();
    const outcome = await replayForOutcome({ store, policy: DEFAULT_POLICY, events: data.events, people: data.people });
    expect(data.events.length).toBeGreaterThan(10_000);
    expect(outcome.rejected).toBe(0);
    // Every cookie and device of a person sees a login, so profiles = people exactly; 1% is the promise.
    expect(Math.abs(outcome.ratio - 1)).toBeLessThanOrEqual(0.01);
    expect(outcome.anonymousProfiles).toBe(0);
    // No refusal on a single person's events…
    expect([...outcome.refusedMessageIds].filter((id) => !data.sharedMessageIds.has(id))).toEqual([]);
    // …and every shared tablet and phone refused: no profile holds two people.
    expect(outcome.refusedMessageIds.size).toBeGreaterThan(0);
    for (const keys of await store.identifierPartition())
      expect(keys.filter((k) => k.startsWith('user_id:')).length).toBeLessThanOrEqual(1);
    for (const shared of data.sharedIdentifiers) expect((await userIdsOf(store, shared))?.length ?? 0, shared).toBeLessThanOrEqual(1);
  });

  it('the demo shop: every refusal is on a shared family device, and every shared device is refused', async () => {
    const data = generateDemoData({ seed: 7, shoppers: 2000, now });
    const store = await freshStore();
    const outcome = await replayForOutcome({ store, policy: DEFAULT_POLICY, events: data.events, people: data.shoppers, groupSize: 500 });
    const sharedIds = new Set(
      data.events
        .filter((e) => /^(family-tablet|app-shared)-/.test(String(e.event['anonymousId'])))
        .map((e) => String(e.event['messageId'])),
    );
    expect([...outcome.refusedMessageIds].filter((id) => !sharedIds.has(id))).toEqual([]);
    const refusedDevices = new Set(
      data.events.filter((e) => outcome.refusedMessageIds.has(String(e.event['messageId']))).map((e) => String(e.event['anonymousId'])),
    );
    expect(refusedDevices.size).toBe(data.sharedDevices);
    for (const keys of await store.identifierPartition())
      expect(keys.filter((k) => k.startsWith('user_id:')).length).toBeLessThanOrEqual(1);
    // Profiles that name a person (not only cookies and device ids) stay within 5% of the shoppers: the rest
    // are social engagements and CRM rows with a typo that nothing ties to a login.
    expect(outcome.personRatio).toBeGreaterThanOrEqual(1);
    expect(outcome.personRatio).toBeLessThan(1.05);
  });

  it("the demo's ranked trait sources: a CRM row with a mistyped email never replaces the email a shopper logged in with", async () => {
    const data = generateDemoData({ seed: 7, shoppers: 1000, now });
    const loginEmail = new Map<string, string>();
    for (const { source, event } of data.events) {
      const email = (event['traits'] as Record<string, unknown> | undefined)?.['email'];
      if (source !== 'crm' && event['type'] === 'identify' && typeof event['userId'] === 'string' && typeof email === 'string')
        loginEmail.set(event['userId'], email);
    }
    const mismatches = async (policy: IdentityPolicy): Promise<number> => {
      const store = await freshStore();
      await replayForOutcome({ store, policy, events: data.events, people: data.shoppers, groupSize: 500 });
      let wrong = 0;
      for (const [userId, email] of loginEmail) {
        const profile = await store.findProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: userId }))!);
        if (profile?.traits['email'] !== email) wrong++;
      }
      return wrong;
    };
    const ranked = parsePolicy(DEMO_POLICY);
    if (!ranked.ok) throw new Error(JSON.stringify(ranked.errors));
    expect(data.crmTypos).toBeGreaterThan(10);
    // Without a ranking the latest event wins, and the nightly CRM sync comes last.
    expect(await mismatches(DEFAULT_POLICY)).toBeGreaterThan(5);
    expect(await mismatches(ranked.policy)).toBe(0);
  });
});
