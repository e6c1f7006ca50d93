/**
 * Identity trust on PostgreSQL against the embedded SQLite store, through the real pipeline code: the same
 * multi-channel stream (shared devices, consent, limits) ingested in batches, then `kin replay`, an undo,
 * a split and a removed identifier must leave both stores in the same state — profile ids, provenance,
 * refusals, ledger (with sides and undo marks), consent and rules included.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32, parsePolicy } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { splitProfile, undoMerge } from '../../identity/identity-undo.ts';
import { normalizerFor } from '../../identity/policy-load.ts';
import { sequentialIds } from '../../ports/ids.ts';
import type { EventGroup } from '../../pipeline/event-apply.ts';
import { applyEventGroups, applyEvents } from '../../pipeline/event-apply.ts';
import { replayAll } from '../../pipeline/graph-replay.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase } from './postgres-test-db.ts';
import { postgresAvailable } from './postgres-test-store.ts';

function policyWith(json: unknown): IdentityPolicy {
  const parsed = parsePolicy(json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

const POLICY = policyWith({ sharedDevice: { maxUserIds: 2 } });
const deps = { policy: POLICY, normalize: normalizerFor(POLICY) };
const AT = '2026-11-02T00:00:00.000Z';

/** People across web, iOS, server and email, with consent changes, a shared browser and a shared kiosk. */
function stream(seed: number, people: number): Array<{ sourceId: string; event: TrackingEvent }> {
  const random = mulberry32(seed);
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
  const out: Array<{ sourceId: string; event: TrackingEvent }> = [];
  let n = 0;
  const push = (sourceId: string, fields: Partial<TrackingEvent>) => {
    n++;
    out.push({
      sourceId,
      event: { type: 'track', event: 'E', messageId: `m${n}`, timestamp: at(Math.floor(random() * 600)), receivedAt: at(0), ...fields },
    });
  };
  const consent = (categories: Record<string, boolean>) => ({ consent: { categoryPreferences: categories } });
  for (let p = 0; p < people; p++) {
    const user = `u${p}`;
    const email = `p${p}@shop.example`;
    push('web', { type: 'page', name: 'Home', anonymousId: `w${p}`, context: consent({ analytics: true, ads: random() < 0.5 }) });
    push('web', { type: 'identify', userId: user, anonymousId: `w${p}`, traits: { email, plan: random() < 0.5 ? 'free' : 'pro' } });
    push('ios', {
      type: 'screen',
      name: 'Cart',
      anonymousId: `i${p}`,
      context: { device: { id: `D${p}`, type: 'ios' }, ...consent({ ads: random() < 0.5 }) },
    });
    push('ios', {
      type: 'identify',
      userId: user,
      anonymousId: `i${p}`,
      context: { device: { id: `D${p}`, type: 'ios' } },
      traits: { phone: `+1415555${String(1000 + p)}` },
    });
    push('server', { type: 'track', event: 'Order Completed', userId: user, properties: { total: Math.floor(random() * 100) } });
    push('email', {
      type: 'track',
      event: 'Email Clicked',
      anonymousId: `e${p}`,
      context: { traits: { email }, ...consent({ analytics: false }) },
    });
    push('web', { type: 'identify', userId: user, anonymousId: 'null', traits: { plan: null, vip: true } });
    push('web', { type: 'identify', userId: user, anonymousId: 'family-browser', traits: {} });
    push('ios', { type: 'screen', name: 'Home', userId: user, context: { device: { id: 'kiosk', type: 'ios' } } });
  }
  return out;
}

/** Batches of `size` consecutive deliveries, grouped by source (as a worker's fetch). */
function batches(deliveries: ReturnType<typeof stream>, size: number): EventGroup[][] {
  const out: EventGroup[][] = [];
  for (let i = 0; i < deliveries.length; i += size) {
    const groups: EventGroup[] = [];
    for (const { sourceId, event } of deliveries.slice(i, i + size)) {
      const last = groups.at(-1);
      if (last && last.sourceId === sourceId) last.events.push(event);
      else groups.push({ sourceId, events: [event] });
    }
    out.push(groups);
  }
  return out;
}

/** Everything identity trust shows, per live profile, with ids (deterministic here) and without random ledger ids. */
async function trustState(store: Store): Promise<unknown> {
  const profiles: unknown[] = [];
  // Why sides, via and rule sides are compared as sets: SQLite lists a merge's sides in its cache's insertion
  // order (which depends on what the cache held), PostgreSQL by (type, value).
  const sortIds = (ids: Array<{ type: string; value: string }>) => ids.map((i) => `${i.type}:${i.value}`).sort();
  for (const part of await store.identifierPartition()) {
    const [type, ...rest] = part[0]!.split(':');
    const id = (await store.findProfileIdByIdentifier({ type: type!, value: rest.join(':') }))!;
    const e = (await store.explainProfile(id))!;
    const events = (await store.listProfileEvents(id, { limit: 1000 })).data.map((x) => x.messageId).sort();
    profiles.push({
      id: e.profile.id,
      createdAt: e.profile.createdAt,
      mergedFrom: e.profile.mergedFrom,
      traits: e.profile.traits,
      consent: e.profile.consent ?? {},
      events,
      identifiers: e.identifiers.map((i) => [i.type, i.value, i.sourceId, i.firstSeen, i.lastSeen, i.messageId, i.rule, i.linkedAt]),
      refusals: e.refusals.map((r) => [r.profileId, r.type, r.value, r.reason, r.messageId, r.sourceId, r.at]).sort(),
      merges: e.merges.map((m) => [
        m.survivorId,
        m.absorbedId,
        m.rule,
        m.messageId,
        m.sourceId,
        sortIds(m.via),
        m.sides && [sortIds(m.sides.survivor), sortIds(m.sides.absorbed)],
        m.undoneBy !== undefined,
      ]),
      doNotLink: e.doNotLink.map((r) => JSON.stringify([r.sides.map(sortIds), r.reason])).sort(),
      tombstones: e.tombstones.map((t) => [t.type, t.value]),
    });
  }
  const kiosk = await store.readSnapshot([
    { type: 'ios.id', value: 'kiosk' },
    { type: 'anonymous_id', value: 'family-browser' },
  ]);
  return {
    profiles,
    kiosk: kiosk.deviceUsers,
    rules: (await store.listDoNotLink()).map((r) => JSON.stringify([r.sides.map(sortIds), r.reason])).sort(),
    stats: await store.stats(),
  };
}

if (await postgresAvailable('postgres identity trust')) {
  describe('postgres identity trust: same as SQLite through ingest, replay, undo, split and remove', () => {
    const databases: TestDatabase[] = [];
    const opened: Store[] = [];
    afterAll(async () => {
      for (const store of opened) await store.close();
      for (const db of databases) await db.drop();
    });

    const pair = async (): Promise<[Store, Store]> => {
      const db = await createTestDatabase();
      databases.push(db);
      // One privacy secret: both stores then keep the same keyed digest of a tombstoned identifier.
      const privacySecret = 'identity-trust-secret';
      const pg = await openPostgresStore({ url: db.url, poolSize: 4, ids: sequentialIds(), privacySecret });
      const sqlite = await openSqliteStore({ path: ':memory:', ids: sequentialIds(), privacySecret });
      opened.push(pg, sqlite);
      return [sqlite, pg];
    };
    const ingest = async (store: Store, all: EventGroup[][]) => {
      for (const batch of all) await store.transaction((tx) => applyEventGroups(tx, batch, deps));
    };

    it.each([
      [1, 7],
      [2, 40],
    ])('seed %i, batches of %i', async (seed, size) => {
      const [sqlite, pg] = await pair();
      const all = batches(stream(seed, 6), size);
      await ingest(sqlite, all);
      await ingest(pg, all);
      const online = await trustState(sqlite);
      expect(await trustState(pg)).toEqual(online);
      expect(JSON.stringify(online)).toContain('shared_device');
      expect(JSON.stringify(online)).toContain('"granted":false');

      // kin replay: nothing changes, ids included, on either store.
      const reports = await Promise.all([sqlite, pg].map((store) => replayAll({ store, ...deps, at: AT, batchSize: 17 })));
      expect(reports[1]).toEqual(reports[0]);
      expect(await trustState(pg)).toEqual(await trustState(sqlite));
      expect(await trustState(pg)).toEqual(online);

      // Undo the first merge of u1's profile, on both.
      const u1 = (await pg.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!;
      const firstMerge = async (store: Store) => (await store.listProfileMerges(u1)).find((m) => m.rule !== 'undo' && m.rule !== 'split')!;
      const [mergeS, mergeP] = await Promise.all([firstMerge(sqlite), firstMerge(pg)]);
      const [undoS, undoP] = [await undoMerge(sqlite, mergeS.id, deps, AT), await undoMerge(pg, mergeP.id, deps, AT)];
      expect(undoS.ok).toBe(true);
      expect({ ...undoP, ledgerId: '', ruleId: '' }).toEqual({ ...undoS, ledgerId: '', ruleId: '' });
      expect(await trustState(pg)).toEqual(await trustState(sqlite));
      expect(await undoMerge(pg, mergeP.id, deps, AT)).toMatchObject({ ok: false, code: 'conflict' });

      // Split u2's email out of its profile.
      const u2 = (await pg.findProfileIdByIdentifier({ type: 'user_id', value: 'u2' }))!;
      const email = [{ type: 'email', value: 'p2@shop.example' }];
      const [splitS, splitP] = [await splitProfile(sqlite, u2, email, deps, AT), await splitProfile(pg, u2, email, deps, AT)];
      expect(splitS.ok).toBe(true);
      expect({ ...splitP, ledgerId: '', ruleId: '' }).toEqual({ ...splitS, ledgerId: '', ruleId: '' });
      expect(await trustState(pg)).toEqual(await trustState(sqlite));

      // Remove u3's phone; a later event with it is refused (tombstoned), then more events arrive.
      const u3 = (await pg.findProfileIdByIdentifier({ type: 'user_id', value: 'u3' }))!;
      const phone = { type: 'phone', value: '+14155551003' };
      for (const store of [sqlite, pg]) expect(await store.transaction((tx) => tx.tombstone(u3, phone, AT))).toBe(true);
      const later = batches(
        [
          {
            sourceId: 'ios',
            event: {
              type: 'identify',
              messageId: 'late-1',
              userId: 'u4',
              timestamp: AT,
              receivedAt: AT,
              traits: { phone: '+14155551003' },
            },
          },
          {
            sourceId: 'web',
            event: {
              type: 'identify',
              messageId: 'late-2',
              userId: 'u2',
              anonymousId: 'late-anon',
              timestamp: AT,
              receivedAt: AT,
              traits: { email: 'p2@shop.example' },
            },
          },
        ],
        10,
      );
      await ingest(sqlite, later);
      await ingest(pg, later);
      const final = await trustState(sqlite);
      expect(await trustState(pg)).toEqual(final);
      expect(JSON.stringify(final)).toContain('tombstoned');

      // And a full replay after all that keeps it.
      await Promise.all([sqlite, pg].map((store) => replayAll({ store, ...deps, at: AT, batchSize: 23 })));
      expect(await trustState(pg)).toEqual(await trustState(sqlite));

      // Removing the rules lets the parts join again on the next events (same on both).
      for (const store of [sqlite, pg])
        for (const rule of await store.listDoNotLink()) expect(await store.removeDoNotLink(rule.id)).toBe(true);
      expect(await pg.listDoNotLink()).toEqual([]);
    });
  });
  describe('postgres identity trust: admin rewrites while workers ingest', () => {
    it('splits and undoes while three writers ingest the same people: all succeed, rules hold, nothing is lost', async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize: 8 });
      try {
        let n = 0;
        const ev = (fields: Partial<TrackingEvent>): TrackingEvent => ({
          type: 'track',
          event: 'E',
          messageId: `c${++n}`,
          timestamp: new Date(Date.UTC(2026, 10, 1, 10, n % 600)).toISOString(),
          receivedAt: AT,
          ...fields,
        });
        const device = (p: number) => ({ device: { id: `D${p}`, type: 'ios' } });
        const person = (p: number): TrackingEvent[] => [
          ev({ anonymousId: `w${p}` }),
          ev({ type: 'identify', userId: `u${p}`, anonymousId: `w${p}`, traits: { email: `p${p}@x.io` } }),
          ev({ anonymousId: `i${p}`, context: device(p) }),
          ev({ type: 'identify', userId: `u${p}`, anonymousId: `i${p}`, context: device(p) }),
        ];
        for (let p = 0; p < 20; p++) await store.transaction((tx) => applyEvents(tx, 'web', person(p), deps));
        const writer = async (w: number) => {
          for (let r = 0; r < 30; r++) {
            const p = (r * 7 + w) % 20;
            const events = [...person(p), ev({ type: 'identify', userId: `u${p}`, traits: { email: `p${p}@x.io` } })];
            await store.transaction((tx) => applyEvents(tx, 'web', events, deps));
          }
        };
        const admin = async () => {
          const outcomes: boolean[] = [];
          for (let p = 0; p < 20; p += 2) {
            const id = (await store.findProfileIdByIdentifier({ type: 'user_id', value: `u${p}` }))!;
            outcomes.push((await splitProfile(store, id, [{ type: 'email', value: `p${p}@x.io` }], deps, AT)).ok);
            const other = (await store.findProfileIdByIdentifier({ type: 'user_id', value: `u${p + 1}` }))!;
            const merge = (await store.listProfileMerges(other)).find((m) => m.rule === 'merge' && m.undoneBy === undefined);
            if (merge) outcomes.push((await undoMerge(store, merge.id, deps, AT)).ok);
          }
          return outcomes;
        };
        const [outcomes] = await Promise.all([admin(), writer(1), writer(2), writer(3)]);
        expect(outcomes.length).toBeGreaterThanOrEqual(10);
        expect(outcomes.every(Boolean)).toBe(true);
        for (let p = 0; p < 20; p += 2) {
          const user = await store.findProfileIdByIdentifier({ type: 'user_id', value: `u${p}` });
          expect(await store.findProfileIdByIdentifier({ type: 'email', value: `p${p}@x.io` })).not.toBe(user);
        }
        expect((await store.stats()).events).toBe(20 * 4 + 3 * 30 * 5);
        expect(await store.listDoNotLink()).toHaveLength(outcomes.length);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
