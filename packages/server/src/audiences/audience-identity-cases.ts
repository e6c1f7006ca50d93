/**
 * Identity changes that add no event — a `kin match run` merge and a `kin replay` rebuild — must still
 * reach computed traits and audiences: the write marks the profiles it changed in the store, and the
 * evaluator (of this process or of a later one) recomputes them. One suite (tests only), run by each store's
 * test file: audience-identity.test.ts (SQLite, unit tier) and audience-identity.pg.test.ts (services tier).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, IdentityPolicy, TrackingEvent } from '@kin/core';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { runMatch } from '../matching/match-run.ts';
import { replayAll } from '../pipeline/graph-replay.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import type { StoreTestTarget } from '../storage/store-test-target.ts';
import { TWIN_TRAITS } from '../testing/match-fixtures.ts';
import { createAudienceEngine } from './audience-engine.ts';
import { createIdGenerator } from '../ports/ids.ts';

const START = '2026-03-10T12:00:00.000Z';
const ORDERS: ComputedTraitDefinition = { key: 'orders', type: 'event_counter', event: 'Order Completed', where: [], window: null };
const REPEAT: AudienceDefinition = {
  key: 'repeat_buyers',
  where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 2 } } },
};

const track = (messageId: string, anonymousId: string, extra: Partial<TrackingEvent> = {}): TrackingEvent => ({
  type: 'track',
  event: 'Order Completed',
  messageId,
  anonymousId,
  properties: { total: 10 },
  timestamp: START,
  receivedAt: START,
  ...extra,
});

async function ingest(store: Store, policy: IdentityPolicy, events: TrackingEvent[]): Promise<void> {
  const ingestor = createGroupCommitIngestor({ store, policy, normalize: normalizerFor(policy) });
  const source =
    (await store.listSources()).find((s) => s.name === 'web') ??
    (await store.createSource({ name: 'web', writeKeyHash: 'identity-changes', createdAt: START }));
  for (const event of events) expect((await ingestor.submit({ sourceId: source.id, events: [event] })).accepted).toBe(1);
  await ingestor.close();
}

/**
 * Page views of other shoppers, more than the evaluator's feed re-reads at its start (it re-reads the last
 * 512 seqs for PostgreSQL's late commits), so only a mark can tell it about the earlier profiles.
 */
async function otherTraffic(store: Store, prefix: string): Promise<void> {
  const ingestor = createGroupCommitIngestor({ store, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  const source = (await store.listSources()).find((s) => s.name === 'web')!;
  const events = Array.from({ length: 600 }, (_, i) =>
    track(`${prefix}-${i}`, `${prefix}-${i % 50}`, { event: 'Page Viewed', properties: {} }),
  );
  expect((await ingestor.submit({ sourceId: source.id, events })).accepted).toBe(600);
  await ingestor.close();
}

async function define(store: Store): Promise<void> {
  await store.audiences.saveDefinition('trait', ORDERS, START);
  await store.audiences.saveDefinition('audience', REPEAT, START);
}

/** The stored trait and membership of the profile holding `anonymousId`. */
async function stateOf(store: Store, anonymousId: string): Promise<{ orders: unknown; member: boolean }> {
  const id = (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: anonymousId }))!;
  const profile = (await store.findProfile(id))!;
  const state = (await store.audiences.readStates([profile.id])).get(profile.id)!;
  const members = await store.audiences.listMembers('repeat_buyers', { limit: 100 });
  return {
    orders: state.values['orders'] ?? 0,
    member: members.data.some((m) => m.id === profile.id) && state.audiences['repeat_buyers'] !== undefined,
  };
}

/** Runs the suite against one store. */
export function runAudienceIdentityCases(target: StoreTestTarget): void {
  describe(`${target.name}: identity changes without events reach computed traits and audiences`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      if (store) await target.destroy(store);
      store = undefined;
    });

    it('a `kin match run` merge (made while no evaluator ran) is recomputed: the survivor counts both orders and joins the audience', async () => {
      const s = (store = await target.create());
      const clock = fixedClock(START);
      await define(s);
      await ingest(s, DEFAULT_POLICY, [
        { type: 'identify', messageId: 'id-1', anonymousId: 'a1', traits: TWIN_TRAITS, timestamp: START, receivedAt: START },
        { type: 'identify', messageId: 'id-2', anonymousId: 'a2', traits: TWIN_TRAITS, timestamp: START, receivedAt: START },
        track('o-1', 'a1'),
        track('o-2', 'a2'),
      ]);
      const before = createAudienceEngine({ store: s, clock, logger: memoryLogger() });
      await before.definitionsChanged();
      await before.drain();
      await before.stop();
      expect(await stateOf(s, 'a1')).toEqual({ orders: 1, member: false });

      // Kin stopped: `kin match run`, then more traffic imported; then Kin starts again.
      const run = await runMatch({ store: s, policy: DEFAULT_POLICY, clock, ids: createIdGenerator() });
      expect(run.merges).toBe(1);
      await otherTraffic(s, 'later');
      const engine = createAudienceEngine({ store: s, clock, logger: memoryLogger() });
      await engine.definitionsChanged();
      await engine.drain();
      expect(await stateOf(s, 'a1')).toEqual({ orders: 2, member: true });
      expect(await stateOf(s, 'a2')).toEqual({ orders: 2, member: true });
      expect(await s.audiences.countMembers('repeat_buyers')).toBe(1);
      expect(await s.audiences.recomputeMarks(10)).toEqual([]);
      await engine.stop();
    });

    it('`kin replay` under a new policy (run with Kin stopped) is recomputed by the next evaluator', async () => {
      const s = (store = await target.create());
      const clock = fixedClock(START);
      await define(s);
      // Under the first policy the user id is blocked: two profiles with one order each.
      const strict: IdentityPolicy = {
        ...DEFAULT_POLICY,
        blocked: { exact: [...DEFAULT_POLICY.blocked.exact, 'u-shared'], patterns: [...DEFAULT_POLICY.blocked.patterns] },
      };
      await ingest(s, strict, [track('o-1', 'a1', { userId: 'u-shared' }), track('o-2', 'a2', { userId: 'u-shared' })]);
      await otherTraffic(s, 'other');
      const before = createAudienceEngine({ store: s, clock, logger: memoryLogger() });
      await before.definitionsChanged();
      await before.drain();
      await before.stop();
      expect(await stateOf(s, 'a1')).toEqual({ orders: 1, member: false });
      expect((await s.stats()).profiles).toBe(52);

      // Kin stopped; `kin replay` under the default policy joins both on the user id.
      await replayAll({ store: s, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY), at: START });
      expect((await s.stats()).profiles).toBe(51);
      const after = createAudienceEngine({ store: s, clock, logger: memoryLogger() });
      await after.definitionsChanged();
      await after.drain();
      expect(await stateOf(s, 'a1')).toEqual({ orders: 2, member: true });
      expect(await s.audiences.countMembers('repeat_buyers')).toBe(1);
      expect(await s.audiences.recomputeMarks(10)).toEqual([]);
      await after.stop();
    });

    it("the feed names each event, and a profile's events can be read for some names only", async () => {
      const s = (store = await target.create());
      await ingest(s, DEFAULT_POLICY, [
        { type: 'identify', messageId: 'id-1', anonymousId: 'a1', traits: { plan: 'pro' }, timestamp: START, receivedAt: START },
        track('o-1', 'a1'),
        track('v-1', 'a1', { event: 'Page Viewed', properties: {} }),
      ]);
      const feed = await s.audiences.eventsAfter(0, 10);
      expect(feed.map((e) => [e.event, e.messageId])).toEqual([
        [null, 'id-1'],
        ['Order Completed', 'o-1'],
        ['Page Viewed', 'v-1'],
      ]);
      // Asked for one name, the feed still lists every event but reads only that name's payloads.
      const payloads = (await s.audiences.eventsAfter(0, 10, new Set(['Order Completed']))).map((e) => e.payload !== null);
      expect(payloads).toEqual([false, true, false]);
      expect(feed.every((e) => e.payload !== null)).toBe(true);
      const id = feed[0]!.profileId!;
      const named = await s.audiences.eventsOfProfiles(new Map([[id, [id]]]), new Set(['Order Completed']));
      expect(named.get(id)!.map((e) => e.event.messageId)).toEqual(['o-1']);
      const all = await s.audiences.eventsOfProfiles(new Map([[id, [id]]]));
      expect(
        all
          .get(id)!
          .map((e) => e.event.messageId)
          .sort(),
      ).toEqual(['id-1', 'o-1', 'v-1']);
      // Events the caller holds already may come back as held (same seq, same event), never twice.
      const o1 = named.get(id)![0]!;
      const again = await s.audiences.eventsOfProfiles(new Map([[id, [id]]]), new Set(['Order Completed']), new Map([[o1.seq, o1.event]]));
      expect(again.get(id)!.map((e) => [e.seq, e.event.messageId])).toEqual([[o1.seq, 'o-1']]);
    });

    it('a profile marked again keeps its newer mark when the older one is cleared', async () => {
      const s = (store = await target.create());
      await s.transaction((tx) => tx.markForRecompute(['p-2', 'p-1']));
      const first = await s.audiences.recomputeMarks(10);
      expect(first.map((m) => m.profileId).sort()).toEqual(['p-1', 'p-2']);
      await s.transaction((tx) => tx.markForRecompute(['p-1']));
      await s.audiences.clearRecomputeMarks(first.map((m) => m.id));
      expect((await s.audiences.recomputeMarks(10)).map((m) => m.profileId)).toEqual(['p-1']);
    });
  });
}
