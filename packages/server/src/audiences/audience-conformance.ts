/**
 * The computed-trait and audience conformance suite: one function each store's test file calls, so SQLite
 * and PostgreSQL are held to the same answers. It drives the real write path (group commit, the identity
 * resolver, undo and split) and the real evaluator on a fixed clock, and checks the promise that matters:
 * after any sequence of merges, undos and splits, every stored value and membership equals a recount.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, Identifier } from '@kin/core';
import { DEFAULT_POLICY } from '@kin/core';
import { splitProfile, undoMerge } from '../identity/identity-undo.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import type { AudienceStore } from '../storage/audience-store.ts';
import type { Store } from '../storage/storage.ts';
import type { AudienceEngine } from './audience-engine.ts';
import { createAudienceEngine } from './audience-engine.ts';
import { evaluateProfile, profileEvents } from './audience-recompute.ts';

/** How a test file plugs its store in. */
export interface AudienceConformanceTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
  /** Random merge / undo / split operations of the recount property (1,000 on the embedded store). */
  operations: number;
}

const START = '2026-03-10T12:00:00.000Z';
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };

const TRAITS: ComputedTraitDefinition[] = [
  { key: 'orders', type: 'event_counter', event: 'Order Completed', where: [], window: null },
  { key: 'orders_7d', type: 'event_counter', event: 'Order Completed', where: [], window: { days: 7 } },
  {
    key: 'eur_spend',
    type: 'aggregation',
    agg: 'sum',
    event: 'Order Completed',
    property: 'properties.total',
    where: [{ path: 'properties.currency', op: 'eq', value: 'EUR' }],
    window: null,
  },
  { key: 'avg_total', type: 'aggregation', agg: 'avg', event: 'Order Completed', property: 'properties.total', where: [], window: null },
  { key: 'first_currency', type: 'first', event: 'Order Completed', property: 'properties.currency', where: [], window: null },
  { key: 'last_page', type: 'last', event: 'Page Viewed', property: 'properties.path', where: [], window: null },
  { key: 'top_page', type: 'most_frequent', event: 'Page Viewed', property: 'properties.path', where: [], window: null },
  { key: 'pages', type: 'unique_list', event: 'Page Viewed', property: 'properties.path', where: [], window: null },
  { key: 'page_count', type: 'unique_count', event: 'Page Viewed', property: 'properties.path', where: [], window: { hours: 12 } },
  { key: 'bought', type: 'exists', event: 'Order Completed', where: [], window: null },
  { key: 'since_order', type: 'time_since', event: 'Order Completed', where: [], window: null },
];
const AUDIENCES: AudienceDefinition[] = [
  { key: 'buyers', where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 1 } } } },
  { key: 'big_eur', where: { all: [{ audience: 'buyers' }, { trait: { key: 'eur_spend', op: 'gte', value: 100 } }] } },
  { key: 'browsers', where: { not: { audience: 'buyers' } } },
  { key: 'recent_pages', where: { performed: { event: 'Page Viewed', where: [], within: { hours: 6 }, count: { op: 'gte', value: 2 } } } },
];

/** Runs the suite against one store. */
export function runAudienceConformance(target: AudienceConformanceTarget): void {
  describe(`${target.name}: computed traits and audiences`, () => {
    let store: Store;
    let port: AudienceStore;
    beforeAll(async () => {
      store = await target.create();
      port = store.audiences;
    });
    afterAll(async () => target.destroy(store));

    it('keeps definitions, states, schedules and members', async () => {
      expect(await port.saveDefinition('trait', TRAITS[0]!, START)).toBe(true);
      expect(await port.saveDefinition('trait', TRAITS[0]!, START)).toBe(false);
      expect(await port.saveDefinition('audience', AUDIENCES[0]!, START)).toBe(true);
      await port.setStatus('trait', ['orders'], 'live', 1);
      expect(await port.listDefinitions('trait')).toEqual([{ definition: TRAITS[0], status: 'live', progress: 1, createdAt: START }]);
      expect((await port.listDefinitions('audience'))[0]).toMatchObject({ status: 'backfilling', progress: 0 });

      await port.writeStates(
        [
          {
            profileId: 'p-b',
            state: { values: { orders: 2, pages: ['/a', '/b'] }, audiences: { buyers: START } },
            nextCheckAt: '2026-03-11T00:00:00.000Z',
          },
          { profileId: 'p-a', state: { values: {}, audiences: { buyers: '2026-03-09T00:00:00.000Z' } }, nextCheckAt: null },
          { profileId: 'p-c', state: { values: { orders: 1 }, audiences: { buyers: START } }, nextCheckAt: '2026-03-10T13:00:00.000Z' },
        ],
        [],
      );
      await port.writeStates([], ['p-c']);
      const states = await port.readStates(['p-a', 'p-b', 'p-c']);
      expect(states.get('p-b')).toEqual({
        values: { orders: 2, pages: ['/a', '/b'] },
        audiences: { buyers: START },
        nextCheckAt: '2026-03-11T00:00:00.000Z',
      });
      expect(states.get('p-c')).toEqual({ values: {}, audiences: {}, nextCheckAt: null });
      expect(await port.dueProfiles('2026-03-12T00:00:00.000Z', 10)).toEqual(['p-b']);
      expect(await port.dueProfiles('2026-03-10T23:00:00.000Z', 10)).toEqual([]);
      expect(await port.countMembers('buyers')).toBe(2);
      const first = await port.listMembers('buyers', { limit: 1 });
      expect(first.data).toEqual([{ id: 'p-a', enteredAt: '2026-03-09T00:00:00.000Z' }]);
      const second = await port.listMembers('buyers', { limit: 1, cursor: first.cursor.next! });
      expect(second).toEqual({ data: [{ id: 'p-b', enteredAt: START }], cursor: { next: null, hasMore: false } });

      expect(await port.deleteDefinition('audience', 'buyers')).toBe(true);
      expect(await port.deleteDefinition('audience', 'buyers')).toBe(false);
      expect(await port.countMembers('buyers')).toBe(0);
      expect(await port.deleteDefinition('trait', 'orders')).toBe(true);
      expect((await port.readStates(['p-b'])).get('p-b')?.values).toEqual({ pages: ['/a', '/b'] });
      await port.writeStates([], ['p-a', 'p-b']);
      expect(await port.lastEventSeq()).toBe(0);
      expect(await port.eventsAfter(0, 10)).toEqual([]);
    });

    it(`after ${target.operations} random merges, undos and splits every value and membership equals a recount`, async () => {
      const clock = fixedClock(START);
      const ingestor = createGroupCommitIngestor({ store, ...deps });
      const engine = createAudienceEngine({ store, clock, logger: memoryLogger(), batch: 50 });
      const source = await store.createSource({ name: 'web', writeKeyHash: 'conformance', createdAt: START });
      for (const t of TRAITS) await port.saveDefinition('trait', t, START);
      for (const a of AUDIENCES) await port.saveDefinition('audience', a, START);
      await engine.definitionsChanged();
      const run = new Runner(store, ingestor, engine, source.id, clock);
      await fc.assert(
        fc.asyncProperty(fc.array(OPERATION, { minLength: target.operations, maxLength: target.operations }), async (ops) => {
          for (const [i, op] of ops.entries()) {
            await run.apply(op, i);
            if (i % 25 === 24) await engine.drain();
          }
          await engine.drain();
          await expectRecount(store, clock.now());
        }),
        { numRuns: 1, seed: 15, endOnFailure: true },
      );
      expect((await store.stats()).merges).toBeGreaterThan(run.counts.undo + run.counts.split);
      expect(run.counts.undo).toBeGreaterThan(0);
      expect(run.counts.split).toBeGreaterThan(0);
      expect((await port.listDefinitions('audience')).every((d) => d.status === 'live')).toBe(true);
      await engine.stop();
      await ingestor.close();
    }, 240_000);
  });
}

type Operation =
  | {
      kind: 'track';
      anon: number;
      user: number | null;
      name: 'Order Completed' | 'Page Viewed';
      value: number;
      eur: boolean;
      minutesAgo: number;
    }
  | { kind: 'undo'; pick: number }
  | { kind: 'split'; pick: number }
  | { kind: 'tick'; minutes: number };

const OPERATION: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('track' as const),
      anon: fc.nat(24),
      user: fc.option(fc.nat(8), { freq: 3 }),
      name: fc.constantFrom('Order Completed' as const, 'Page Viewed' as const),
      value: fc.nat(120),
      eur: fc.boolean(),
      minutesAgo: fc.nat(60 * 24 * 10),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('undo' as const), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('split' as const), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 600 }) }) },
);

/** Applies operations to a store the way the server would (and tells the evaluator what undo and split rebuilt). */
class Runner {
  readonly counts = { undo: 0, split: 0 };
  constructor(
    private readonly store: Store,
    private readonly ingestor: Ingestor,
    private readonly engine: AudienceEngine,
    private readonly sourceId: string,
    private readonly clock: ReturnType<typeof fixedClock>,
  ) {}

  async apply(op: Operation, i: number): Promise<void> {
    const now = this.clock.now();
    if (op.kind === 'tick') return this.clock.advance(op.minutes * 60_000);
    if (op.kind === 'track') {
      const at = new Date(now.getTime() - op.minutesAgo * 60_000).toISOString();
      const properties =
        op.name === 'Order Completed' ? { total: op.value, currency: op.eur ? 'EUR' : 'USD' } : { path: `/p${op.value % 7}` };
      const outcome = await this.ingestor.submit({
        sourceId: this.sourceId,
        events: [
          {
            type: 'track',
            event: op.name,
            messageId: `op-${i}`,
            anonymousId: `a${op.anon}`,
            ...(op.user !== null ? { userId: `u${op.user}` } : {}),
            properties,
            timestamp: at,
            receivedAt: now.toISOString(),
          },
        ],
      });
      if (outcome.accepted === 0) throw new Error(`operation ${i} was not accepted`);
      return;
    }
    const ids = await this.store.listProfileIds({ order: 'oldest', limit: 10_000, offset: 0 });
    if (ids.length === 0) return;
    const profile = await this.store.findProfile(ids[op.pick % ids.length]!);
    if (!profile) return;
    const at = now.toISOString();
    if (op.kind === 'undo') {
      const merges = (await this.store.listProfileMerges(profile.id)).filter(
        (m) => m.rule !== 'undo' && m.rule !== 'split' && !m.undoneBy && m.sides,
      );
      const merge = merges[op.pick % Math.max(1, merges.length)];
      if (!merge) return;
      const result = await undoMerge(this.store, merge.id, deps, at);
      if (result.ok) {
        this.counts.undo += 1;
        this.engine.profilesChanged(result.profileIds);
      }
      return;
    }
    if (profile.externalIds.length < 2) return;
    const chosen = profile.externalIds[op.pick % profile.externalIds.length]!;
    const identifier: Identifier = { type: chosen.type, value: chosen.value };
    const result = await splitProfile(this.store, profile.id, [identifier], deps, at);
    if (result.ok) {
      this.counts.split += 1;
      this.engine.profilesChanged(result.profileIds);
    }
  }
}

/** Every live profile's stored state equals an evaluation from scratch; no member is a dead profile. */
async function expectRecount(store: Store, now: Date): Promise<void> {
  const port = store.audiences;
  const [traits, audiences] = await Promise.all([port.listDefinitions('trait'), port.listDefinitions('audience')]);
  const definitions = { traits: traits.map((t) => t.definition), audiences: audiences.map((a) => a.definition) };
  const ids = await store.listProfileIds({ order: 'oldest', limit: 100_000, offset: 0 });
  const stored = await port.readStates(ids);
  const sizes = new Map<string, number>();
  for (const id of ids) {
    const profile = (await store.findProfile(id))!;
    const truth = evaluateProfile(definitions, { events: await profileEvents(store, id), profile }, now).state;
    const held = stored.get(id)!;
    expect({ id, values: held.values, audiences: Object.keys(held.audiences).sort() }).toEqual({
      id,
      values: truth.values,
      audiences: Object.keys(truth.audiences).sort(),
    });
    for (const key of Object.keys(truth.audiences)) sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  for (const { definition } of audiences)
    expect({ key: definition.key, size: await port.countMembers(definition.key) }).toEqual({
      key: definition.key,
      size: sizes.get(definition.key) ?? 0,
    });
}
