/**
 * Reference conformance: seeded event streams go through the real ingest step (`applyEvents`: prepare,
 * snapshot from the store, resolve, apply) into the store and through `ingestReference` into the
 * in-memory reference graph (graph-reference.ts); the partition of identifiers into profiles, each
 * profile's events and visible traits, and the refusals kept for explain must be the same.
 * Registered by `runIdentityTrustConformance`, on its store: each run's identifiers carry their own prefix.
 */
import { expect, it } from 'vitest';
import { createMemoryGraph, DEFAULT_POLICY, ingestReference, mulberry32 } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import type { ResolveDeps } from '../pipeline/event-apply.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from './storage.ts';

/** One event as a source delivered it. */
export interface Delivery {
  sourceId: string;
  event: TrackingEvent;
}

const minute = (n: number) => new Date(Date.UTC(2026, 10, 1, 10, n)).toISOString();

/**
 * Identify/track/screen events over small pools (user ids, emails, anonymous ids, iOS device ids), so
 * that merges happen and the default policy refuses links (one user id and email per profile, shared
 * devices). Every value carries `prefix`, so runs on one store never meet.
 */
export function seededStream(seed: number, length: number, prefix: string): Delivery[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[], absent = 0.45): T | undefined =>
    random() < absent ? undefined : items[Math.floor(random() * items.length)];
  const users = ['u1', 'u2', 'u3', 'u4'].map((v) => `${prefix}${v}`);
  const emails = ['e1@x.io', 'e2@x.io', 'e3@x.io'].map((v) => `${prefix}${v}`);
  const anons = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'].map((v) => `${prefix}${v}`);
  const devices = ['d1', 'd2', 'd3'].map((v) => `${prefix}${v}`);
  const plans = ['free', 'pro', null];
  const out: Delivery[] = [];
  for (let n = 0; n < length; n++) {
    const userId = pick(users, 0.6);
    const anonymousId = pick(anons) ?? (userId ? undefined : anons[n % anons.length]);
    const email = pick(emails);
    const device = random() < 0.3 ? pick(devices) : undefined;
    const kind = random();
    const base = {
      messageId: `${prefix}m${n}`,
      timestamp: minute(Math.floor(random() * 50)),
      receivedAt: minute(0),
      ...(userId ? { userId } : {}),
      ...(anonymousId ? { anonymousId } : {}),
      ...(device ? { context: { device: { id: device, type: 'ios' } } } : {}),
    };
    const event: TrackingEvent =
      kind < 0.6
        ? {
            ...base,
            type: 'identify',
            traits: { plan: plans[Math.floor(random() * plans.length)], ...(email ? { email: email.toUpperCase() } : {}) },
          }
        : kind < 0.85
          ? { ...base, type: 'track', event: 'Clicked', ...(email ? { context: { ...base.context, traits: { email } } } : {}) }
          : { ...base, type: 'screen', name: 'Home' };
    out.push({ sourceId: device ? 'ios' : 'web', event });
  }
  return out;
}

/** Each profile as identifiers, visible traits and sorted message ids; sorted, so ids do not matter. */
async function storeShape(store: Store, prefix: string): Promise<{ shape: string[]; refusals: string[] }> {
  const shape: string[] = [];
  const refusals: string[] = [];
  for (const part of await store.identifierPartition()) {
    if (!part.some((key) => key.includes(prefix))) continue;
    const [type, ...rest] = part[0]!.split(':');
    const profileId = (await store.findProfileIdByIdentifier({ type: type!, value: rest.join(':') }))!;
    const profile = (await store.findProfile(profileId))!;
    const events = (await store.listProfileEvents(profileId, { limit: 1000 })).data.map((e) => e.messageId).sort();
    shape.push(JSON.stringify([part, profile.traits, events]));
    for (const r of (await store.explainProfile(profileId))?.refusals ?? [])
      refusals.push(`${r.messageId} ${r.type}:${r.value} ${r.reason}`);
  }
  return { shape: shape.sort(), refusals: refusals.sort() };
}

/** Applies the deliveries through `applyEvents` in small transactions of consecutive events of one source, as the group commit makes them. */
export async function ingestInGroups(store: Store, deliveries: readonly Delivery[], deps: ResolveDeps, groupSize: number): Promise<void> {
  for (let i = 0; i < deliveries.length;) {
    const sourceId = deliveries[i]!.sourceId;
    const group: TrackingEvent[] = [];
    while (i < deliveries.length && deliveries[i]!.sourceId === sourceId && group.length < groupSize) group.push(deliveries[i++]!.event);
    await store.transaction((tx) => applyEvents(tx, sourceId, group, deps));
  }
}

/** Ingests the stream into the store and into a fresh reference graph. */
async function ingestBoth(store: Store, deliveries: Delivery[], policy: IdentityPolicy) {
  const deps = { policy, normalize: normalizerFor(policy) };
  await ingestInGroups(store, deliveries, deps, 5);
  const graph = createMemoryGraph();
  const refusals: string[] = [];
  let limitRefusals = 0;
  for (const { sourceId, event } of deliveries) {
    const { plan, profileId } = ingestReference(graph, event, { ...deps, sourceId });
    for (const r of plan.refused) {
      if (r.reason === 'limit') limitRefusals++;
      // Stores keep refusals on the profile the event landed on, invalid values excepted (see explain).
      if (profileId !== undefined && r.reason !== 'invalid')
        refusals.push(`${event.messageId} ${r.identifier.type}:${r.identifier.value} ${r.reason}`);
    }
  }
  const shape = graph
    .profiles()
    .map((p) => JSON.stringify([p.identifiers.map((x) => `${x.type}:${x.value}`), p.traits, [...p.events].sort()]))
    .sort();
  return { reference: { shape, refusals: refusals.sort() }, merges: graph.merges().length, limitRefusals };
}

/** Registers the case inside a suite whose `beforeAll` sets the store that `store()` answers. */
export function registerReferenceConformance(store: () => Store): void {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'partition, traits, timelines and refusals equal the reference graph for seeded stream %i',
    async (seed) => {
      const prefix = `ref${seed}-`;
      const { reference, merges, limitRefusals } = await ingestBoth(store(), seededStream(seed, 150, prefix), DEFAULT_POLICY);
      // The stream must be interesting: merges happen and the default policy refuses links.
      expect(merges).toBeGreaterThan(0);
      expect(limitRefusals).toBeGreaterThan(0);
      expect(reference.shape.length).toBeGreaterThan(1);
      expect(await storeShape(store(), prefix)).toEqual(reference);
    },
  );
}
