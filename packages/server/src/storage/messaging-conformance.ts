/**
 * The conformance suite of the messaging port (`messaging-store.ts`): one function each adapter's test
 * file calls, so SQLite and PostgreSQL keep journeys, claims, decisions and the outbox the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDecision } from '@kin/core/api/index.ts';
import type { JourneyInstance, MessagingStore, NewDelivery } from './messaging-store.ts';
import type { Store } from './storage.ts';

/** How a test file plugs its adapter in. */
export interface MessagingTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
}

const T0 = '2026-11-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function instance(over: Partial<JourneyInstance> = {}): JourneyInstance {
  return {
    id: 'i1',
    journeyKey: 'cart',
    profileId: 'p1',
    instanceKey: 'c1',
    state: 'active',
    stepIndex: 0,
    dueAt: at(60_000),
    heldOut: false,
    trigger: { type: 'track', event: 'Product Added', messageId: 'm1', timestamp: T0, receivedAt: T0, properties: { cart_id: 'c1' } },
    triggerSeq: 1,
    enteredAt: T0,
    ...over,
  };
}

function delivery(id: string, profileKey: string, createdAt = T0): NewDelivery {
  return { id, destinationId: 'd1', profileKey, kind: 'message', payload: { n: id }, createdAt };
}

function decision(id: string, over: Partial<MessageDecision> = {}): MessageDecision {
  return {
    id,
    journey: 'cart',
    message: 'reminder',
    instanceId: 'i1',
    profileId: 'p1',
    dedupeKey: 'cart:c1',
    outcome: 'sent',
    channel: 'email',
    rules: [],
    decidedAt: T0,
    ...over,
  };
}

/** Runs the suite against one adapter. */
export function runMessagingConformance(target: MessagingTarget): void {
  describe(`messaging conformance: ${target.name}`, () => {
    let store: Store;
    let m: MessagingStore;
    beforeAll(async () => {
      store = await target.create();
      m = store.messaging;
    });
    afterAll(async () => {
      await target.destroy(store);
    });

    it('keeps journeys, the policy and destinations', async () => {
      await m.putJourney({
        key: 'cart',
        trigger: { event: 'Product Added' },
        steps: [{ wait: 60 }],
        status: 'draft',
        createdAt: T0,
        updatedAt: T0,
      });
      await m.putJourney({
        key: 'cart',
        trigger: { event: 'Product Added' },
        steps: [{ wait: 60 }],
        status: 'published',
        createdAt: T0,
        updatedAt: at(1),
      });
      expect(await m.findJourney('cart')).toMatchObject({ key: 'cart', status: 'published', updatedAt: at(1), steps: [{ wait: 60 }] });
      expect((await m.listJourneys()).map((j) => j.key)).toEqual(['cart']);
      expect(await m.findJourney('nope')).toBeUndefined();
      const policy = {
        frequencyCaps: [],
        capCounting: 'rolling' as const,
        timezoneTrait: 'timezone',
        defaultTimezone: 'UTC',
        channels: { email: { destination: 'd1', consent: 'opt_in' as const } },
      };
      await m.putPolicy(policy, T0);
      await m.putPolicy({ ...policy, defaultTimezone: 'Europe/Berlin' }, T0);
      expect(await m.findPolicy()).toEqual({ ...policy, defaultTimezone: 'Europe/Berlin' });
      await m.addDestination({ id: 'd1', type: 'webhook', status: 'active', config: { url: 'http://x', secret: 's' }, createdAt: T0 });
      await m.setDestinationStatus('d1', 'disabled', '410 Gone');
      expect(await m.findDestination('d1')).toMatchObject({ status: 'disabled', disabledReason: '410 Gone', config: { url: 'http://x' } });
      await m.setDestinationStatus('d1', 'active');
      expect((await m.listDestinations()).map((d) => d.status)).toEqual(['active']);
    });

    it('adds an instance once per trigger event and finds it by any of the profile ids', async () => {
      expect(await m.transaction((tx) => tx.insertInstance(instance()))).toBe(true);
      expect(await m.transaction((tx) => tx.insertInstance(instance({ id: 'i-again' })))).toBe(false);
      const found = await m.transaction((tx) => tx.findInstances({ journeyKey: 'cart', profileIds: ['p0', 'p1'] }));
      expect(found.map((i) => i.id)).toEqual(['i1']);
      expect(found[0]?.trigger.properties).toEqual({ cart_id: 'c1' });
      expect(await m.dueInstances(at(59_999), 10)).toEqual([]);
      expect((await m.dueInstances(at(60_000), 10)).map((i) => i.id)).toEqual(['i1']);
      await m.transaction((tx) => tx.updateInstance('i1', { stepIndex: 1, dueAt: undefined }));
      expect(await m.dueInstances(at(120_000), 10)).toEqual([]);
      expect(await m.findInstance('i1')).toMatchObject({ stepIndex: 1, heldOut: false });
      expect((await m.openInstances(['p1'], T0)).map((i) => i.id)).toEqual(['i1']);
    });

    it('keeps the earliest claim first and replaces a claim of the same profile and key', async () => {
      await m.transaction(async (tx) => {
        await tx.putClaim({ profileId: 'p2', dedupeKey: 'cart:c1', owner: 'late', claimedAt: at(5), expiresAt: at(10) });
        await tx.putClaim({ profileId: 'p1', dedupeKey: 'cart:c1', owner: 'early', claimedAt: at(1), expiresAt: at(10) });
      });
      const claims = await m.transaction((tx) => tx.findClaims(['p1', 'p2'], 'cart:c1'));
      expect(claims.map((c) => c.owner)).toEqual(['early', 'late']);
      await m.transaction((tx) =>
        tx.putClaim({ profileId: 'p1', dedupeKey: 'cart:c1', owner: 'again', claimedAt: at(20), expiresAt: at(30) }),
      );
      expect((await m.transaction((tx) => tx.findClaims(['p1'], 'cart:c1'))).map((c) => c.owner)).toEqual(['again']);
    });

    it('commits a decision with its delivery, or neither', async () => {
      await expect(
        m.transaction(async (tx) => {
          await tx.insertDecision(decision('x-rolled-back'));
          await tx.insertDeliveries([delivery('dx', 'p1')]);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await m.findDecision('x-rolled-back')).toBeUndefined();
      expect(await m.findDelivery('dx')).toBeUndefined();
      await m.transaction(async (tx) => {
        await tx.insertDecision({ ...decision('x1'), tags: ['promo'] });
        await tx.insertDecision(decision('x2', { outcome: 'skipped_duplicate', channel: undefined }));
        await tx.insertDeliveries([delivery('a1', 'p1')]);
      });
      expect(await m.findDecision('x1')).toMatchObject({ outcome: 'sent', channel: 'email' });
      expect(await m.transaction((tx) => tx.recentSends(['p1'], T0))).toEqual([{ at: T0, channel: 'email', tags: ['promo'] }]);
      expect((await m.listDecisions({ profileIds: ['p1'], limit: 10 })).map((d) => d.id).sort()).toEqual(['x1', 'x2']);
      expect((await m.listDecisions({ journeyKey: 'cart', outcome: 'skipped_duplicate', limit: 10 })).map((d) => d.id)).toEqual(['x2']);
      const counts = await m.journeyCounts('cart');
      expect(counts).toMatchObject({ entered: 1, heldOut: 0, outcomes: { sent: 1, skipped_duplicate: 1 } });
    });

    it('groups instances by where they stand and decisions by step, for the step diagram', async () => {
      const s = (id: string, seq: number, over: Partial<JourneyInstance>) =>
        instance({ id, journeyKey: 'steps', triggerSeq: 500 + seq, ...over });
      await m.transaction(async (tx) => {
        await tx.insertInstance(s('w1', 1, { stepIndex: 1, dueAt: at(3_600_000) }));
        await tx.insertInstance(s('w2', 2, { stepIndex: 1, dueAt: at(3_600_000) }));
        await tx.insertInstance(s('q1', 3, { stepIndex: 1, dueAt: at(3_600_000) }));
        await tx.insertInstance(s('d1', 4, { stepIndex: 1, dueAt: at(0) }));
        await tx.insertInstance(s('e1', 5, { state: 'exited', endReason: 'exit_rule', stepIndex: 1, dueAt: undefined }));
        await tx.insertInstance(s('m1', 6, { state: 'merged', endReason: 'merged', stepIndex: 0 }));
        await tx.insertDecision(decision('sq1', { journey: 'steps', instanceId: 'q1', step: 1, outcome: 'deferred_quiet' }));
        // A deferral at another step does not make w1 deferred where it stands.
        await tx.insertDecision(decision('sw1', { journey: 'steps', instanceId: 'w1', step: 3, outcome: 'deferred_quiet' }));
        await tx.insertDecision(decision('sx1', { journey: 'steps', instanceId: 'x', step: 1, outcome: 'sent' }));
        await tx.insertDecision(decision('sx2', { journey: 'steps', instanceId: 'y', outcome: 'sent' }));
        // Branch step 2: w1 and w2 went `then`, d1 `else`; w1 walked it twice (a takeover): counted once; m1 merged away.
        for (const [id, taken] of [
          ['w1', true],
          ['w2', true],
          ['d1', false],
          ['w1', true],
          ['m1', false],
        ] as const)
          await tx.recordBranch({ instanceId: id, journeyKey: 'steps', stepIndex: 2, taken });
      });
      const rows = await m.journeyStepRows('steps', at(60_000));
      const order = (a: object, b: object) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      expect(rows.instances.sort(order)).toEqual(
        [
          { stepIndex: 1, state: 'active', later: true, deferred: false, n: 2 },
          { stepIndex: 1, state: 'active', later: true, deferred: true, n: 1 },
          { stepIndex: 1, state: 'active', later: false, deferred: false, n: 1 },
          { stepIndex: 1, state: 'exited', endReason: 'exit_rule', later: false, deferred: false, n: 1 },
        ].sort(order),
      );
      expect(rows.decisions.sort(order)).toEqual(
        [
          { stepIndex: 1, outcome: 'deferred_quiet', n: 1 },
          { stepIndex: 3, outcome: 'deferred_quiet', n: 1 },
          { stepIndex: 1, outcome: 'sent', n: 1 },
          { outcome: 'sent', n: 1 },
        ].sort(order),
      );
      expect(rows.branches?.sort(order)).toEqual(
        [
          { stepIndex: 2, taken: true, n: 2 },
          { stepIndex: 2, taken: false, n: 1 },
        ].sort(order),
      );
      expect(await m.findDecision('sq1')).toMatchObject({ step: 1 });
    });

    it('leases the head of each profile queue only, re-leases an expired lease, and retries a failed delivery', async () => {
      await m.enqueueDeliveries([delivery('b1', 'q1'), delivery('b2', 'q1'), delivery('c1', 'q2')]);
      const first = await m.leaseDeliveries({ now: at(1000), limit: 10, leaseMs: 30_000 });
      // a1 (p1), b1 (q1), c1 (q2): b2 waits behind b1.
      expect(first.map((d) => d.id).sort()).toEqual(['a1', 'b1', 'c1']);
      expect(first.find((d) => d.id === 'b1')).toMatchObject({ status: 'in_flight', attempts: 1, payload: { n: 'b1' } });
      expect(await m.leaseDeliveries({ now: at(2000), limit: 10, leaseMs: 30_000 })).toEqual([]);
      // b1's lease runs out (its worker died): it is leased again before b2.
      expect((await m.leaseDeliveries({ now: at(31_000), limit: 10, leaseMs: 30_000 })).map((d) => d.id).sort()).toEqual([
        'a1',
        'b1',
        'c1',
      ]);
      await m.finishDeliveries([
        { id: 'b1', result: { status: 'delivered', at: at(32_000), lastStatus: 200 } },
        { id: 'a1', result: { status: 'pending', at: at(32_000), nextAttemptAt: at(40_000), lastStatus: 503 } },
        { id: 'c1', result: { status: 'failed', at: at(32_000), lastStatus: 400, lastError: 'HTTP 400' } },
      ]);
      expect((await m.leaseDeliveries({ now: at(33_000), limit: 10, leaseMs: 30_000 })).map((d) => d.id)).toEqual(['b2']);
      expect((await m.leaseDeliveries({ now: at(40_000), limit: 10, leaseMs: 30_000 })).map((d) => d.id)).toEqual(['a1']);
      const failed = await m.listDeliveries({ status: 'failed', limit: 10 });
      expect(failed.data.map((d) => d.id)).toEqual(['c1']);
      expect(await m.retryDelivery('b2', at(50_000))).toBeUndefined();
      expect(await m.retryDelivery('c1', at(50_000))).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await m.leaseDeliveries({ now: at(50_000), limit: 10, leaseMs: 30_000 })).map((d) => d.id)).toEqual(['c1']);
      expect(await m.deliveryCounts()).toEqual([
        { destinationId: 'd1', status: 'delivered', count: 1 },
        { destinationId: 'd1', status: 'in_flight', count: 3 },
      ]);
      const page = await m.listDeliveries({ destinationId: 'd1', limit: 2 });
      expect(page.data).toHaveLength(2);
      expect(page.cursor.hasMore).toBe(true);
      const rest = await m.listDeliveries({ destinationId: 'd1', limit: 10, cursor: page.cursor.next ?? '' });
      expect(rest.data.length).toBe(2);
    });

    it('lockInstance holds the row: a second transaction reads the step the first moved, never the old one', async () => {
      // Why: two runners during a lease takeover must not both decide one send (journey-advance.ts compares).
      await m.transaction((tx) => tx.insertInstance(instance({ id: 'L1', triggerSeq: 77 })));
      let locked!: () => void;
      let release!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const gate = new Promise<void>((r) => (release = r));
      const first = m.transaction(async (tx) => {
        const row = await tx.lockInstance('L1');
        locked();
        await gate;
        await tx.updateInstance('L1', { stepIndex: (row?.stepIndex ?? 0) + 1 });
        return row?.stepIndex;
      });
      await isLocked;
      const second = m.transaction(async (tx) => (await tx.lockInstance('L1'))?.stepIndex);
      await new Promise((r) => setTimeout(r, 50));
      release();
      expect(await first).toBe(0);
      expect(await second).toBe(1);
      expect(await m.transaction((tx) => tx.lockInstance('nope'))).toBeUndefined();
    });

    it('counts an engagement once per event, only on a channel that sent the profile a message before it', async () => {
      await m.transaction((tx) => tx.insertDecision(decision('e-sent', { profileId: 'e1', channel: 'push', decidedAt: at(1000) })));
      const click = (seq: number, channel: string, ms: number) => ({ seq, profileId: 'e2', channel, at: at(ms) });
      // e2 was merged into e1: the aliases are both.
      expect(await m.recordEngagement(click(901, 'push', 2000), ['e2', 'e1'])).toBe(true);
      expect(await m.recordEngagement(click(901, 'push', 2000), ['e2', 'e1'])).toBe(true);
      expect(await m.recordEngagement(click(902, 'push', 3000), ['e2', 'e1'])).toBe(true);
      // No email was ever sent; the push was sent after this click.
      expect(await m.recordEngagement(click(903, 'email', 3000), ['e2', 'e1'])).toBe(false);
      expect(await m.recordEngagement(click(904, 'push', 500), ['e2', 'e1'])).toBe(false);
      expect(await m.transaction((tx) => tx.engagementCounts(['e1', 'e2']))).toEqual({ push: 2 });
      expect(await m.transaction((tx) => tx.engagementCounts(['e1']))).toEqual({});
    });

    it('never leases one delivery to two workers at once', async () => {
      const many = Array.from({ length: 40 }, (_, i) => delivery(`w${i}`, `wq${i}`, at(100_000)));
      await m.enqueueDeliveries(many);
      const leases = await Promise.all(
        Array.from({ length: 4 }, () => m.leaseDeliveries({ now: at(100_000), limit: 15, leaseMs: 60_000, destinationIds: ['d1'] })),
      );
      const ids = leases
        .flat()
        .map((d) => d.id)
        .filter((id) => id.startsWith('w'));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(40);
    });
  });
}
