/**
 * Privacy requests (stored, updated, paged), suppression and tombstone keys, and the suppressed-event counter.
 * Registered by runPrivacyConformance (privacy-store-conformance.ts) inside its describe, in this order.
 */
import { beforeAll, expect, it } from 'vitest';
import type { PrivacyStore } from './privacy-store.ts';
import type { PrivacySuite } from './privacy-store-conformance-fixtures.ts';
import { T0 } from './privacy-store-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerPrivacyRequestCases(suite: PrivacySuite): void {
  let privacy: PrivacyStore;
  beforeAll(() => {
    privacy = suite.store().privacy;
  });

  it('stores requests, updates their progress and pages them newest first', async () => {
    await privacy.createRequest({
      id: 'pr-1',
      type: 'export',
      subject: { profileId: null, identifiers: ['email:a@b.c'] },
      reason: 'ticket',
      createdAt: T0,
    });
    await privacy.createRequest({
      id: 'pr-2',
      type: 'suppress',
      subject: { profileId: 'p', identifiers: [] },
      requestedBy: 'dpo',
      createdAt: T0,
    });
    expect(await privacy.findRequest('pr-1')).toMatchObject({
      id: 'pr-1',
      type: 'export',
      status: 'pending',
      reason: 'ticket',
      subject: { profileId: null, identifiers: ['email:a@b.c'] },
      destinations: [],
    });
    await privacy.updateRequest('pr-1', { status: 'running', at: '2026-11-01T10:00:01.000Z' });
    await privacy.updateRequest('pr-1', {
      status: 'completed',
      at: '2026-11-01T10:00:02.000Z',
      outcome: { eventsExported: 3 },
      identifiers: [],
    });
    const done = await privacy.findRequest('pr-1');
    expect(done).toMatchObject({
      status: 'completed',
      completedAt: '2026-11-01T10:00:02.000Z',
      updatedAt: '2026-11-01T10:00:02.000Z',
      store: { status: 'completed', outcome: { eventsExported: 3 } },
      subject: { identifiers: [] },
    });
    expect(await privacy.findRequest('nope')).toBeUndefined();
    const first = await privacy.listRequests({ limit: 1 });
    expect(first.data.map((r) => r.id)).toEqual(['pr-2']);
    const next = await privacy.listRequests({ limit: 5, cursor: first.cursor.next! });
    expect(next.data.map((r) => r.id)).toEqual(['pr-1']);
    expect(next.cursor.hasMore).toBe(false);
  });

  it('keeps keys; unsuppress lifts a whole suppression and never a tombstone', async () => {
    await privacy.addKeys(
      [
        { key: 'email.s1', kind: 'suppress', requestId: 'rs' },
        { key: 'anonymous_id.s2', kind: 'suppress', requestId: 'rs' },
        { key: 'email.s1', kind: 'tombstone', requestId: 'rd' },
        { key: 'email.other', kind: 'suppress', requestId: 'rx' },
      ],
      T0,
    );
    expect((await privacy.removeSuppressions(['email.s1'])).sort()).toEqual(['anonymous_id.s2', 'email.s1']);
    expect(await privacy.listKeys()).toEqual([
      { key: 'email.other', kind: 'suppress', requestId: 'rx' },
      { key: 'email.s1', kind: 'tombstone', requestId: 'rd' },
    ]);
  });

  it('counts suppressed events', async () => {
    const before = await privacy.suppressedEvents();
    await privacy.countSuppressed(3);
    await privacy.countSuppressed(0);
    await privacy.countSuppressed(2);
    expect(await privacy.suppressedEvents()).toBe(before + 5);
  });
}
