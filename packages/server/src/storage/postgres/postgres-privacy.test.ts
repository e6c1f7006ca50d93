import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import { runPrivacyConformance } from '../privacy-store-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

if (await postgresAvailable('postgres privacy')) {
  const target = postgresTestStores('postgres', 4);
  runPrivacyConformance(target);

  describe('postgres privacy delete', () => {
    it('leaves no plain copy of the person in a pg_dump', async () => {
      const store = await target.create();
      try {
        const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
        const T = '2026-11-01T10:00:00.000Z';
        const events = (who: string): TrackingEvent[] =>
          Array.from(
            { length: 20 },
            (_, i) =>
              ({
                type: 'identify',
                userId: `${who}-user`,
                messageId: `${who.length}-${i}-${who[0]}`,
                timestamp: T,
                receivedAt: T,
                traits: { email: `${who}@example.com`, phone: who === 'amy-keep' ? '+14155550142' : '+14155550199' },
              }) as TrackingEvent,
          );
        await store.transaction((tx) => applyEvents(tx, 'src', [...events('zed-forget'), ...events('amy-keep')], deps));
        const dump = () => execFileSync('pg_dump', ['--data-only', target.urlOf(store)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        expect(dump()).toContain('zed-forget@example.com');
        const live = (await store.findProfileIdByIdentifier({ type: 'email', value: 'zed-forget@example.com' }))!;
        expect((await store.privacy!.deletePerson(live, [], T))?.events).toBe(20);
        await store.privacy!.scrub();
        const after = dump();
        expect(after).not.toContain('zed-forget');
        expect(after).not.toContain('4155550199');
        expect(after).toContain('amy-keep@example.com');
      } finally {
        await target.destroy(store);
      }
    });
  });
}
