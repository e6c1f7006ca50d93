/**
 * The identity-trust conformance suite: what every store must do for explain, dry-run, undo, split,
 * tombstones, shared devices and consent. A separate function from `runStorageConformance` so an adapter
 * can adopt it when it implements these operations (SQLite and PostgreSQL run it). It ends with the
 * reference conformance case (storage-reference-conformance.ts).
 */
import { applyRow } from '../testing/apply-row.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identifier, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { ConformanceTarget } from './storage-conformance.ts';
import { plan } from './storage-conformance-fixtures.ts';
import type { Store } from './storage.ts';
import { registerReferenceConformance } from './storage-reference-conformance.ts';

const T0 = '2026-11-01T10:00:00.000Z';
let seq = 0;
const id = (type: string, value: string): Identifier => ({ type, value });

function event(overrides: Partial<TrackingEvent> = {}): TrackingEvent {
  seq++;
  return { type: 'track', event: 'Viewed', messageId: `idc-${seq}`, timestamp: T0, receivedAt: T0, ...overrides };
}

/** Registers the identity-trust suite for one adapter. */
export function runIdentityTrustConformance(target: ConformanceTarget): void {
  describe(`identity-trust conformance: ${target.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await target.create();
    });
    afterAll(async () => {
      if (target.destroy) await target.destroy(store);
      else await store.close();
    });

    const apply = async (p: Partial<ResolutionPlan>, ev = event()) =>
      (await store.transaction((tx) => applyRow(tx, { event: ev, sourceId: 'src-1', plan: plan(p) }))).profileId!;

    it('records link provenance and keeps refusals (not invalid ones) for explain', async () => {
      const ev = event({ messageId: 'prov-1' });
      const profileId = await apply(
        {
          links: [{ identifier: id('user_id', 'prov-u'), rule: 'new_profile' }],
          refused: [
            { identifier: id('anonymous_id', 'null'), reason: 'blocked', detail: 'blocked' },
            { identifier: id('email', 'nope'), reason: 'invalid', detail: 'invalid' },
          ],
        },
        ev,
      );
      const explain = await store.explainProfile(profileId);
      expect(explain?.identifiers).toEqual([
        expect.objectContaining({
          type: 'user_id',
          value: 'prov-u',
          messageId: 'prov-1',
          rule: 'new_profile',
          linkedAt: T0,
          sourceId: 'src-1',
        }),
      ]);
      expect(explain?.refusals).toEqual([
        expect.objectContaining({ type: 'anonymous_id', value: 'null', reason: 'blocked', messageId: 'prov-1', sourceId: 'src-1' }),
      ]);
    });

    it('records each merge with its sides, and loads do-not-link rules, tombstones and device users into snapshots', async () => {
      const a = await apply({ links: [{ identifier: id('anonymous_id', 'side-a'), rule: 'new_profile' }] });
      const b = await apply({ links: [{ identifier: id('user_id', 'side-b'), rule: 'new_profile' }] });
      await apply({ target: { kind: 'existing', profileId: a }, merges: [{ survivorId: a, absorbedId: b, rule: 'merge', via: [] }] });
      const [merge] = await store.listProfileMerges(a);
      expect(merge?.sides).toEqual({ survivor: [id('anonymous_id', 'side-a')], absorbed: [id('user_id', 'side-b')] });
      expect((await store.findMerge(merge!.id))?.id).toBe(merge!.id);

      await store.transaction(async (tx) => {
        await tx.addDoNotLink({ sides: [[id('user_id', 'side-b')], [id('anonymous_id', 'side-a')]], reason: 'undo', createdAt: T0 });
        expect(await tx.tombstone(a, id('anonymous_id', 'side-a'), T0)).toBe(true);
        expect(await tx.tombstone(a, id('anonymous_id', 'not-held'), T0)).toBe(false);
      });
      await apply({ target: { kind: 'existing', profileId: a }, deviceUsers: [{ identifier: id('ios.id', 'dev-1'), userId: 'side-b' }] });
      const snapshot = await store.transaction((tx) =>
        tx.loadSnapshot([id('user_id', 'side-b'), id('anonymous_id', 'side-a'), id('ios.id', 'dev-1')]),
      );
      expect(snapshot.tombstoned).toEqual([id('anonymous_id', 'side-a')]);
      expect(snapshot.doNotLink?.map((r) => r.sides)).toEqual([[[id('user_id', 'side-b')], [id('anonymous_id', 'side-a')]]]);
      expect(snapshot.deviceUsers).toEqual([{ identifier: id('ios.id', 'dev-1'), userIds: ['side-b'] }]);
      expect(await store.readSnapshot([id('user_id', 'side-b'), id('anonymous_id', 'side-a'), id('ios.id', 'dev-1')])).toEqual(snapshot);
      const rules = await store.listDoNotLink();
      expect(rules).toHaveLength(1);
      expect(await store.removeDoNotLink(rules[0]!.id)).toBe(true);
      expect(await store.removeDoNotLink(rules[0]!.id)).toBe(false);
    });

    it('keeps consent per category: latest within a profile, most restrictive on merge', async () => {
      const later = '2026-11-01T11:00:00.000Z';
      const a = await apply({
        links: [{ identifier: id('anonymous_id', 'consent-a'), rule: 'new_profile' }],
        consent: { categories: { ads: true }, onMerge: 'most_restrictive' },
      });
      await apply(
        {
          target: { kind: 'existing', profileId: a },
          consent: { categories: { ads: false, analytics: true }, onMerge: 'most_restrictive' },
        },
        event({ timestamp: later }),
      );
      const b = await apply({
        links: [{ identifier: id('anonymous_id', 'consent-b'), rule: 'new_profile' }],
        consent: { categories: { analytics: false }, onMerge: 'most_restrictive' },
      });
      await apply({
        target: { kind: 'existing', profileId: a },
        merges: [{ survivorId: a, absorbedId: b, rule: 'merge', via: [] }],
        consent: { categories: {}, onMerge: 'most_restrictive' },
      });
      expect((await store.findProfile(a))?.consent).toEqual({
        ads: { granted: false, timestamp: later },
        analytics: { granted: false, timestamp: T0 },
      });
    });

    it('detaches a profile for a replay and gives ids back or forwards them', async () => {
      const ev1 = event({ messageId: 'det-1' });
      const p = await apply({ links: [{ identifier: id('user_id', 'det-u'), rule: 'new_profile' }] }, ev1);
      const q = await apply({ links: [{ identifier: id('anonymous_id', 'det-a'), rule: 'new_profile' }] });
      await apply({
        target: { kind: 'existing', profileId: p },
        merges: [{ survivorId: p, absorbedId: q, rule: 'merge', via: [] }],
        traits: { set: { plan: 'pro' }, unset: [] },
      });
      const detached = await store.transaction(async (tx) => {
        const d = await tx.detachProfile(q);
        expect(d?.profiles.map((x) => x.id).sort()).toEqual([p, q].sort());
        expect(d?.events).toHaveLength(3);
        expect(d?.profiles.find((x) => x.id === p)?.createdBy).toBe('src-1\u0000det-1');
        expect(await tx.loadSnapshot([id('user_id', 'det-u')])).toMatchObject({ known: [] });
        // Replay by hand: the first event gets its old id back, the rest lands on it.
        const [first, ...rest] = d!.events;
        await applyRow(tx, {
          event: first!.event,
          sourceId: first!.sourceId,
          plan: plan({ links: [{ identifier: id('user_id', 'det-u'), rule: 'new_profile' }] }),
          replay: { seq: first!.seq, profileIdForNew: p },
        });
        for (const e of rest)
          await applyRow(tx, {
            event: e.event,
            sourceId: e.sourceId,
            plan: plan({ target: { kind: 'existing', profileId: p } }),
            replay: { seq: e.seq },
          });
        await tx.forwardProfiles([{ from: d!.profiles.find((x) => x.id === q)!, to: p }], T0);
        return d;
      });
      expect(detached).toBeDefined();
      expect((await store.findProfile(q))?.id).toBe(p);
      expect((await store.findProfile(p))?.traits).toEqual({});
      expect((await store.listProfileEvents(p, { limit: 10 })).data).toHaveLength(3);
      expect(await store.findProfileIdByIdentifier(id('anonymous_id', 'det-a'))).toBeUndefined();
      expect((await store.stats()).events).toBeGreaterThanOrEqual(3);
    });

    it('lists stored events for a full replay in seq order', async () => {
      const events = await store.transaction((tx) => tx.listReplayEvents(0, 1000));
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(events.length).toBe((await store.stats()).events);
    });

    it('keeps every counter equal to a recount after merges, undo, detach, replay, forwards and a full reset', async () => {
      if (!target.recount) return;
      expect(await store.stats()).toEqual(await target.recount(store));
      const ledger = await store.transaction(async (tx) => {
        const p = (
          await applyRow(tx, {
            event: event(),
            sourceId: 'src-1',
            plan: plan({ links: [{ identifier: id('user_id', 'count-u'), rule: 'new_profile' }] }),
          })
        ).profileId!;
        await tx.tombstone(p, id('user_id', 'count-u'), T0);
        return tx.recordLedger({ rule: 'undo', survivorId: p, absorbedId: p, via: [], ruleId: 'r-count', createdAt: T0 });
      });
      expect(ledger).toBeTruthy();
      expect(await store.stats()).toEqual(await target.recount(store));
      await store.transaction((tx) => tx.resetGraph());
      const afterReset = await store.stats();
      expect(afterReset).toEqual(await target.recount(store));
      expect(afterReset.profiles).toBe(0);
      expect(afterReset.events).toBeGreaterThan(0);
    });

    registerReferenceConformance(() => store);
  });
}
