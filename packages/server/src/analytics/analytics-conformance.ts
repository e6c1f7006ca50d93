/**
 * The analytics conformance suite: seeded journeys (demo/journey-data.ts) go through the real ingest step
 * into a store, and every funnel order and window, paths, all seven attribution models and both units must
 * equal the generator's truth (demo/journey-truth.ts) — on SQLite and on PostgreSQL alike, so both stores
 * give identical answers. Then a merge is undone and the stitched answers must follow the graph as it is now.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalyticsUnit, AttributionSpec, FunnelOrder, FunnelSpec, PathSpec, TrackingEvent } from '@kin/core';
import { ATTRIBUTION_MODELS, DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { Journeys } from '../demo/journey-data.ts';
import { JOURNEY_FUNNEL, generateJourneys } from '../demo/journey-data.ts';
import { truthAttribution, truthFunnel, truthPaths } from '../demo/journey-truth.ts';
import { undoMerge } from '../identity/identity-undo.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { ingestInGroups } from '../storage/storage-reference-conformance.ts';
import type { Store } from '../storage/storage.ts';
import type { StoreTestTarget } from '../storage/store-test-target.ts';
import type { AnalyticsDeps } from './analytics-run.ts';
import { explainConversion, runAttribution } from './analytics-attribution-run.ts';
import { funnelActors, runFunnel, runPaths } from './analytics-run.ts';

const DAY = 86_400_000;
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const UNITS: AnalyticsUnit[] = ['profile', 'anonymous_id'];

/**
 * Ingests generated journeys into a store through the real ingest step, with the journeys' sources. With
 * `perSourceWindow`, each window of that many events goes in per source (as `kin demo` sends batches): bigger
 * transactions, and the same profiles, since the journeys hold no conflicting identifiers.
 */
export async function ingestJourneys(store: Store, journeys: Journeys, groupSize = 50, perSourceWindow = 0): Promise<void> {
  const ids = new Map<string, string>();
  for (const name of new Set(journeys.events.map((e) => e.source))) {
    const existing = (await store.listSources()).find((s) => s.name === name);
    ids.set(
      name,
      existing?.id ?? (await store.createSource({ name, writeKeyHash: `hash-${name}-${Math.random()}`, createdAt: journeys.from })).id,
    );
  }
  const receivedAt = new Date(journeys.to);
  const deliveries = journeys.events.map(({ source, event }) => {
    const v = validateEvent(event, { receivedAt, newMessageId: () => 'unused' });
    if (!v.ok) throw new Error(`generated event ${String(event['messageId'])} is invalid: ${v.message}`);
    return { sourceId: ids.get(source) as string, event: v.event as TrackingEvent };
  });
  if (perSourceWindow > 0) {
    for (let i = 0; i < deliveries.length; i += perSourceWindow) {
      const window = deliveries.slice(i, i + perSourceWindow);
      await ingestInGroups(
        store,
        [...window].sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0)),
        deps,
        groupSize,
      );
    }
  } else await ingestInGroups(store, deliveries, deps, groupSize);
}

/** The journeys' 5-step funnel over their whole range (14 days, ordered), with `over` changed. */
export const funnelSpec = (j: Journeys, over: Partial<FunnelSpec> = {}): FunnelSpec => ({
  steps: JOURNEY_FUNNEL.map((event) => ({ event })),
  windowMs: 14 * DAY,
  order: 'ordered',
  stepWindowsMs: [null, null, null, null],
  exclusions: [],
  fromMs: Date.parse(j.from),
  toMs: Date.parse(j.to),
  ...over,
});

/** Attribution of the journeys' purchases by channel, all seven models, over their whole range, with `over` changed. */
export const attributionSpec = (j: Journeys, over: Partial<AttributionSpec> = {}): AttributionSpec => ({
  conversion: { event: 'Order Completed', value: 'properties.total' },
  touchEvents: new Set(),
  dimension: 'channel',
  models: ATTRIBUTION_MODELS,
  lookbackMs: 30 * DAY,
  halfLifeMs: 7 * DAY,
  fromMs: Date.parse(j.from),
  toMs: Date.parse(j.to),
  ...over,
});

/** Registers the suite for one store (one store for the whole suite: the journeys are ingested once). */
export function registerAnalyticsConformance(
  target: Pick<StoreTestTarget, 'name' | 'create' | 'destroy'>,
  options: { shoppers?: number } = {},
): void {
  const journeys = generateJourneys({ seed: 15, shoppers: options.shoppers ?? 150, start: new Date('2026-09-01T00:00:00.000Z'), days: 30 });

  describe(`analytics conformance: ${target.name}`, () => {
    let store: Store;
    let opened: Store | undefined;
    afterAll(async () => {
      if (opened) await target.destroy(opened);
    });
    const run = (): AnalyticsDeps => ({ store, timeoutMs: 60_000, nowMs: () => Date.now() });

    it('ingests the journeys', async () => {
      store = opened = await target.create();
      await ingestJourneys(store, journeys);
    }, 120_000);

    const orders: FunnelOrder[] = ['ordered', 'strict', 'any'];
    for (const order of orders) {
      for (const windowDays of [14, 1]) {
        it(`funnel ${order}, ${windowDays}-day window, both units, equals the truth`, async () => {
          for (const unit of UNITS) {
            const spec = funnelSpec(journeys, { order, windowMs: windowDays * DAY });
            const answer = await runFunnel(run(), { spec, unit });
            expect({ unit, steps: answer.steps }).toEqual({ unit, steps: truthFunnel(journeys, spec, unit).steps });
          }
        });
      }
    }

    it('funnel with a step window, an exclusion, a condition and a breakdown equals the truth; stitching changes the answer', async () => {
      const spec = funnelSpec(journeys, {
        steps: [
          { event: 'Product Viewed', where: [{ path: 'properties.price', op: 'gte', value: 75 }] },
          { event: 'Checkout Started' },
          { event: 'Order Completed' },
        ],
        stepWindowsMs: [3 * DAY, null],
        exclusions: [{ event: 'Email Link Clicked' }],
        breakdownPath: 'properties.product',
      });
      const answers = [];
      for (const unit of UNITS) {
        const answer = await runFunnel(run(), { spec, unit });
        expect(answer).toMatchObject(truthFunnel(journeys, spec, unit));
        answers.push(answer.steps.map((s) => s.count));
      }
      expect(answers[0]).not.toEqual(answers[1]);
    });

    it('funnel actors: who reached a step and who dropped before it', async () => {
      const spec = funnelSpec(journeys);
      const counts = (await runFunnel(run(), { spec, unit: 'profile' })).steps.map((s) => s.count);
      const reached = await funnelActors(run(), { spec, unit: 'profile', step: 4, dropped: false, limit: 10_000 });
      const dropped = await funnelActors(run(), { spec, unit: 'profile', step: 4, dropped: true, limit: 10_000 });
      expect(reached.data).toHaveLength(counts[4] as number);
      expect(dropped.data).toHaveLength((counts[3] as number) - (counts[4] as number));
      const page = await funnelActors(run(), { spec, unit: 'profile', step: 4, dropped: false, limit: 2 });
      const next = await funnelActors(run(), { spec, unit: 'profile', step: 4, dropped: false, limit: 2, cursor: page.cursor as string });
      expect([...page.data, ...next.data]).toEqual(reached.data.slice(0, 4));
    });

    for (const node of ['event', 'channel_event', 'page_path'] as const) {
      it(`paths by ${node}, both units, equal the truth`, async () => {
        for (const unit of UNITS) {
          const spec: PathSpec = {
            node,
            steps: 5,
            acrossSessions: true,
            maxEdges: 40,
            exclude: new Set(['identify']),
            fromMs: Date.parse(journeys.from),
            toMs: Date.parse(journeys.to),
          };
          const answer = await runPaths(run(), { spec, unit });
          expect({
            unit: answer.unit,
            nodes: answer.nodes,
            edges: answer.edges,
            dropOffs: answer.dropOffs,
            topPaths: answer.topPaths,
          }).toEqual({ unit, ...truthPaths(journeys, spec, unit) });
        }
      });
    }

    for (const dimension of ['channel', 'utm_source'] as const) {
      it(`attribution by ${dimension}: seven models, both units, equal the truth; stitching explains conversions`, async () => {
        const spec = attributionSpec(journeys, { dimension });
        const answer = await runAttribution(run(), { spec, units: UNITS });
        for (const unit of UNITS) {
          const truth = truthAttribution(journeys, spec, unit);
          expect(answer.results[unit]).toEqual(truth.models);
          expect(answer.direct[unit]).toBe(truth.direct);
        }
        expect(answer.direct.profile as number).toBeLessThan(answer.direct.anonymous_id as number);
        expect(answer.onlyStitchingExplains).toBeGreaterThan(0);
      });
    }

    it('explains a conversion only stitching attributes: touches, credits and the identifier links', async () => {
      const spec = attributionSpec(journeys);
      const app = journeys.events
        .filter((e) => e.source === 'ios' && e.event['event'] === 'Order Completed')
        .map((e) => String(e.event['messageId']));
      let explained = 0;
      for (const messageId of app) {
        const answer = await explainConversion(run(), { messageId, spec });
        if (answer.touches.length === 0) continue;
        explained++;
        expect(answer.unstitchedTouches).toBe(0);
        for (const model of ['linear', 'time_decay', 'position_based', 'first_touch'] as const) {
          expect(answer.touches.reduce((sum, t) => sum + (t.credit[model] ?? 0), 0)).toBeCloseTo(1, 5);
        }
        for (const touch of answer.touches) expect(['merge', 'profile']).toContain(touch.link.kind);
        if (answer.touches.some((t) => t.link.kind === 'merge')) {
          const link = answer.touches.find((t) => t.link.kind === 'merge')?.link;
          expect(link?.kind === 'merge' && link.merges.length).toBeGreaterThan(0);
        }
      }
      expect(explained).toBeGreaterThan(0);
      await expect(explainConversion(run(), { messageId: 'no-such-message', spec })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('after an undo the stitched answers follow the graph as it is now (as if the merge never happened)', async () => {
      const spec = attributionSpec(journeys);
      const before = await runAttribution(run(), { spec, units: ['profile'] });
      // Undo a merge of a buyer's profile (the first buyer whose profile came from one).
      let mergeId: string | undefined;
      for (const { event } of journeys.events.filter(
        (e) => e.event['event'] === 'Order Completed' && typeof e.event['userId'] === 'string',
      )) {
        const buyer = await store.findProfileIdByIdentifier({ type: 'user_id', value: String(event['userId']) });
        const merge = ((await store.explainProfile(buyer as string))?.merges ?? []).find(
          (m) => m.sides && m.undoneBy === undefined && m.rule !== 'undo',
        );
        if (merge) {
          mergeId = merge.id;
          break;
        }
      }
      expect(mergeId).toBeDefined();
      const result = await undoMerge(store, mergeId as string, deps, journeys.to);
      expect(result.ok).toBe(true);
      // The truth now: each event filed under the live profile that holds its first identifier, read from the identifier table.
      const owner = new Map<string, string>();
      const stitch = new Map<string, string>();
      for (const { event } of journeys.events) {
        const [type, value] = firstIdentifier(event);
        const key = `${type}:${value}`;
        if (!owner.has(key)) owner.set(key, (await store.findProfileIdByIdentifier({ type, value })) ?? key);
        stitch.set(String(event['messageId']), owner.get(key) as string);
      }
      const now = { ...journeys, stitch };
      const after = await runAttribution(run(), { spec, units: ['profile'] });
      expect(after.results.profile).toEqual(truthAttribution(now, spec, 'profile').models);
      expect(after.results.profile).not.toEqual(before.results.profile);
      const funnel = funnelSpec(journeys);
      expect((await runFunnel(run(), { spec: funnel, unit: 'profile' })).steps).toEqual(truthFunnel(now, funnel, 'profile').steps);
    });
  });
}

function firstIdentifier(event: Record<string, unknown>): [string, string] {
  if (typeof event['userId'] === 'string') return ['user_id', event['userId']];
  return ['anonymous_id', String(event['anonymousId'])];
}
