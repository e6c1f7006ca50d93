import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TrackingEvent } from '../spec/event-types.ts';
import { createMemoryGraph, ingestReference } from './graph-reference.ts';
import type { MemoryGraph } from './graph-reference.ts';
import { createIdentifierNormalizer } from './identifier-normalize.ts';
import { DEFAULT_POLICY, parsePolicy } from './identity-policy.ts';
import type { Identifier, IdentityPolicy, ResolutionPlan } from './identity-types.ts';
import { mulberry32 } from '../random/mulberry32.ts';

const normalize = createIdentifierNormalizer({ normalizePhone: (raw) => (/^\+\d{8,15}$/.test(raw) ? raw : undefined) });

function at(minute: number): string {
  return new Date(Date.UTC(2024, 4, 14, 10, minute)).toISOString();
}

function ev(n: number, fields: Partial<TrackingEvent>): TrackingEvent {
  return { type: 'page', messageId: `m${n}`, timestamp: at(n), receivedAt: at(n), ...fields };
}

describe('reference graph: shared browser, second device, landing page', () => {
  const graph = createMemoryGraph();
  const run = (event: TrackingEvent) => ingestReference(graph, event, { policy: DEFAULT_POLICY, normalize, sourceId: 'web' });

  it('follows one person across devices and keeps a second person on the same browser apart', () => {
    const browsing = run(ev(1, { anonymousId: 'X' }));
    expect(browsing.plan.target).toEqual({ kind: 'new' });
    const ann = browsing.profileId;

    const login = run(ev(2, { type: 'identify', anonymousId: 'X', userId: 'A', traits: { email: 'ann@example.com', name: 'Ann' } }));
    expect(login.profileId).toBe(ann);
    expect(login.plan.links.map((l) => [l.identifier.type, l.rule])).toEqual([
      ['user_id', 'attach'],
      ['email', 'attach'],
    ]);

    const app = run(
      ev(3, { type: 'screen', name: 'Home', userId: 'A', anonymousId: 'I1', context: { device: { id: 'D1', type: 'ios' } } }),
    );
    expect(app.profileId).toBe(ann);

    const landing = run(ev(4, { anonymousId: 'Y', context: { traits: { email: 'Ann@Example.com' } } }));
    expect(landing.profileId).toBe(ann);

    const second = run(ev(5, { type: 'identify', anonymousId: 'X', userId: 'B', traits: { name: 'Bob' } }));
    expect(second.plan.target).toEqual({ kind: 'new' });
    expect(second.plan.refused).toMatchObject([{ identifier: { type: 'anonymous_id', value: 'X' }, reason: 'limit' }]);
    const bob = second.profileId;
    expect(bob).not.toBe(ann);

    expect(graph.partition()).toEqual([
      ['anonymous_id:I1', 'anonymous_id:X', 'anonymous_id:Y', 'email:ann@example.com', 'ios.id:D1', 'user_id:A'],
      ['user_id:B'],
    ]);
    expect(graph.findProfile(ann ?? '')?.traits).toEqual({ email: 'ann@example.com', name: 'Ann' });
    expect(graph.findProfile(bob ?? '')?.traits).toEqual({ name: 'Bob' });
    expect(graph.findProfile(bob ?? '')?.events).toEqual(['m5']);
    expect(graph.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'X' })).toBe(ann);
  });

  it('stores an event without usable identity unattributed', () => {
    const result = run(ev(6, { userId: 'null' }));
    expect(result.profileId).toBeUndefined();
    expect(graph.unattributedEvents()).toEqual(['m6']);
  });

  it('follows merges from an absorbed profile id to its survivor', () => {
    const g = createMemoryGraph();
    const opts = { policy: DEFAULT_POLICY, normalize, sourceId: 'web' };
    const first = ingestReference(g, ev(1, { anonymousId: 'a1' }), opts).profileId;
    const second = ingestReference(g, ev(2, { anonymousId: 'a2' }), opts).profileId;
    const merged = ingestReference(
      g,
      ev(3, { type: 'identify', userId: 'u', anonymousId: 'a1', context: { traits: {} }, traits: {} }),
      opts,
    );
    ingestReference(g, ev(4, { userId: 'u', anonymousId: 'a2' }), opts);
    expect(merged.profileId).toBe(first);
    expect(g.findProfile(second ?? '')?.id).toBe(first);
    expect(g.findProfile(first ?? '')).toMatchObject({ mergeCount: 1, mergedFrom: [second], events: ['m1', 'm3', 'm2', 'm4'] });
  });
});

function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return random() < 0.5 ? undefined : items[Math.floor(random() * items.length)];
}

function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Random non-alias events over small pools of ids, so that many events collide. */
function randomStream(seed: number, length: number): TrackingEvent[] {
  const random = mulberry32(seed);
  const users = ['u1', 'u2', 'u3', 'u4'];
  const anons = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
  const emails = ['e1@x.io', 'e2@x.io', 'e3@x.io'];
  const plans = ['free', 'pro', null];
  const events: TrackingEvent[] = [];
  for (let n = 0; n < length; n++) {
    const userId = pick(random, users);
    const anonymousId = pick(random, anons) ?? (userId ? undefined : anons[n % anons.length]);
    const email = pick(random, emails);
    const plan = plans[Math.floor(random() * plans.length)];
    events.push({
      type: 'identify',
      messageId: `m${n}`,
      timestamp: at(Math.floor(random() * 50)),
      receivedAt: at(0),
      ...(userId ? { userId } : {}),
      ...(anonymousId ? { anonymousId } : {}),
      traits: { plan, ...(email ? { email } : {}) },
    });
  }
  return events;
}

function ingestAll(graph: MemoryGraph, events: TrackingEvent[], policy: IdentityPolicy, seen = new Set<string>()): ResolutionPlan[] {
  const plans: ResolutionPlan[] = [];
  for (const event of events) {
    if (seen.has(event.messageId)) continue;
    seen.add(event.messageId);
    // The source belongs to the event, not to its position in the stream.
    const sourceId = Number(event.messageId.slice(1)) % 2 === 0 ? 's1' : 's2';
    plans.push(ingestReference(graph, event, { policy, normalize, sourceId }).plan);
  }
  return plans;
}

function state(graph: MemoryGraph): string {
  return JSON.stringify({ profiles: graph.profiles(), unattributed: graph.unattributedEvents() });
}

/** Per profile: its identifier set and visible traits, independent of profile ids. */
function shape(graph: MemoryGraph): string[] {
  return graph
    .profiles()
    .map((p) => JSON.stringify([p.identifiers.map((i) => `${i.type}:${i.value}`), p.traits]))
    .sort();
}

const permissive = (() => {
  const rule = { limit: 1000 };
  const parsed = parsePolicy({ types: { user_id: rule, email: rule, anonymous_id: rule }, defaultType: rule });
  if (!parsed.ok) throw new Error('policy');
  return parsed.policy;
})();

describe('reference graph properties', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('(a) replays are idempotent when de-duplicated by messageId, and deterministic (seed %i)', (seed) => {
    const events = randomStream(seed, 60);
    const graph = createMemoryGraph();
    const seen = new Set<string>();
    const plans = ingestAll(graph, events, DEFAULT_POLICY, seen);
    const once = state(graph);
    // The stream must be interesting: some links are refused by limits.
    expect(plans.some((plan) => plan.refused.some((r) => r.reason === 'limit'))).toBe(true);
    ingestAll(graph, events, DEFAULT_POLICY, seen);
    expect(state(graph)).toBe(once);
    const fresh = createMemoryGraph();
    ingestAll(fresh, events, DEFAULT_POLICY);
    expect(state(fresh)).toBe(once);
    // Stronger: even without de-duplication a replay changes no profile's identifiers or traits.
    const shapeOnce = shape(fresh);
    ingestAll(fresh, events, DEFAULT_POLICY);
    expect(shape(fresh)).toEqual(shapeOnce);
  });

  it.each([11, 12, 13, 14, 15, 16, 17, 18])(
    '(b) without limit conflicts, any order gives the same profiles and traits (seed %i)',
    (seed) => {
      const events = randomStream(seed, 40);
      const reference = createMemoryGraph();
      const plans = ingestAll(reference, events, permissive);
      expect(plans.some((plan) => plan.refused.length > 0)).toBe(false);
      const expected = shape(reference);
      expect(reference.profiles().some((p) => p.mergeCount > 0)).toBe(true);
      const random = mulberry32(seed * 7919);
      for (let round = 0; round < 10; round++) {
        const graph = createMemoryGraph();
        ingestAll(graph, shuffle(random, events), permissive);
        expect(shape(graph)).toEqual(expected);
      }
    },
  );
});

/** Per profile: identifiers, visible traits and the set of its events (timeline membership), independent of ids. */
function shapeWithEvents(graph: MemoryGraph): string[] {
  return graph
    .profiles()
    .map((p) => JSON.stringify([p.identifiers.map((i) => `${i.type}:${i.value}`), p.traits, [...p.events].sort()]))
    .sort();
}

describe('reference graph: undo by replay', () => {
  it.each([21, 22, 23, 24, 25, 26, 27, 28, 29, 30])(
    'merge then undo equals never merging: ingesting with the do-not-link rule from the start (seed %i)',
    (seed) => {
      const events = randomStream(seed, 40);
      const merged = createMemoryGraph();
      ingestAll(merged, events, permissive);
      const ledger = merged.merges();
      expect(ledger.length).toBeGreaterThan(0);
      const random = mulberry32(seed);
      const undone = ledger[Math.floor(random() * ledger.length)]!;
      const rule = { id: 'r1', sides: [undone.sides.absorbed, undone.sides.survivor] as [Identifier[], Identifier[]] };

      merged.addDoNotLink(rule);
      merged.rebuild(undone.survivorId, { policy: permissive, normalize });

      const apart = createMemoryGraph();
      apart.addDoNotLink(rule);
      ingestAll(apart, events, permissive);
      expect(shapeWithEvents(merged)).toEqual(shapeWithEvents(apart));
      expect(merged.partition()).toEqual(apart.partition());
      // The parts stay apart: no live profile holds identifiers of both sides.
      for (const part of merged.partition()) {
        const keys = new Set(part);
        const touches = (side: Identifier[]) => side.some((i) => keys.has(`${i.type}:${i.value}`));
        expect(touches(rule.sides[0]) && touches(rule.sides[1])).toBe(false);
      }
      // Removing the rule and replaying again gives the merged state back.
      merged.removeDoNotLink('r1');
      const again = createMemoryGraph();
      ingestAll(again, events, permissive);
      for (const profile of merged.profiles()) merged.rebuild(profile.id, { policy: permissive, normalize });
      expect(merged.partition()).toEqual(again.partition());
    },
  );

  it('a tombstoned identifier leaves its profile and is never linked again, also on replay', () => {
    const g = createMemoryGraph();
    const opts = { policy: DEFAULT_POLICY, normalize, sourceId: 'web' };
    ingestReference(g, ev(1, { type: 'identify', userId: 'u', anonymousId: 'a', traits: { email: 'old@x.io' } }), opts);
    g.tombstone({ type: 'email', value: 'old@x.io' });
    expect(g.partition()).toEqual([['anonymous_id:a', 'user_id:u']]);
    const again = ingestReference(g, ev(2, { type: 'identify', userId: 'u', traits: { email: 'old@x.io' } }), opts);
    expect(again.plan.refused).toMatchObject([{ reason: 'tombstoned' }]);
    const id = g.findProfileIdByIdentifier({ type: 'user_id', value: 'u' })!;
    g.rebuild(id, { policy: DEFAULT_POLICY, normalize });
    expect(g.partition()).toEqual([['anonymous_id:a', 'user_id:u']]);
  });
});

describe('R6a property: one person never loses anything to the default limits', () => {
  const tight = (() => {
    const parsed = parsePolicy({ types: { anonymous_id: { limit: 3 }, 'ios.id': { limit: 2 }, 'android.id': { limit: 2 } } });
    if (!parsed.ok) throw new Error('policy');
    return parsed.policy;
  })();

  it.each([
    ['the defaults', DEFAULT_POLICY, false],
    ['tight device limits (R6a refuses only the newest cookie or device id)', tight, true],
  ] as const)(
    'any mix of cookies, devices, a handle, a CRM id and logins, in any order, under %s: one profile at the end',
    (_name, policy, churnRefusals) => {
      type Step = { kind: 'browse' | 'login' | 'app' | 'social' | 'crm'; n: number };
      const step = fc.record({
        kind: fc.constantFrom<Step['kind']>('browse', 'login', 'app', 'social', 'crm'),
        n: fc.integer({ min: 0, max: 59 }),
      });
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), (steps) => {
          const graph = createMemoryGraph();
          const refused: string[] = [];
          const run = (minute: number, fields: Partial<TrackingEvent>) => {
            const { plan } = ingestReference(graph, ev(minute, fields), { policy, normalize, sourceId: 'web' });
            for (const r of plan.refused) refused.push(`${r.identifier.type}:${r.reason}`);
          };
          const device = (n: number) => ({ device: { id: `D${n % 12}`, type: n % 2 === 0 ? 'ios' : 'android' } });
          steps.forEach(({ kind, n }, i) => {
            if (kind === 'browse') run(i, { anonymousId: `cookie-${n}` });
            else if (kind === 'login')
              run(i, { type: 'identify', anonymousId: `cookie-${n}`, userId: 'A', traits: { email: 'ann@example.com' } });
            else if (kind === 'app') run(i, { type: 'screen', name: 'Home', anonymousId: `app-${n}`, context: device(n) });
            else if (kind === 'social')
              run(i, {
                type: 'track',
                event: 'Liked',
                anonymousId: `social-${n}`,
                context: { externalIds: [{ id: '@ann', type: 'twitter' }] },
              });
            else
              run(i, {
                type: 'identify',
                userId: 'A',
                traits: { crm_id: `C${n % 2}` },
                context: { externalIds: [{ id: `C${n % 2}`, type: 'crm_id' }] },
              });
          });
          // Every cookie, app install and the handle meet the person's login once at the end.
          const last = steps.length;
          steps.forEach(({ kind, n }, i) => {
            if (kind === 'browse') run(last + i, { type: 'identify', anonymousId: `cookie-${n}`, userId: 'A' });
            if (kind === 'app') run(last + i, { type: 'identify', anonymousId: `app-${n}`, userId: 'A', context: device(n) });
            if (kind === 'social')
              run(last + i, { type: 'track', event: 'Contest', userId: 'A', context: { externalIds: [{ id: '@ann', type: 'twitter' }] } });
          });
          if (churnRefusals) expect(refused.filter((r) => !/^(anonymous_id|ios\.id|android\.id):limit$/.test(r))).toEqual([]);
          else expect(refused).toEqual([]);
          expect(graph.profiles()).toHaveLength(1);
        }),
        { numRuns: 60, seed: 14 },
      );
    },
  );
});
