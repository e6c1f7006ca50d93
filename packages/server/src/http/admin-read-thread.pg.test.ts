import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { fixedClock } from '../ports/clock.ts';
import { postgresAvailable, postgresTestStores } from '../storage/postgres/postgres-test-store.ts';
import type { Store } from '../storage/storage.ts';
import { adminReadThread } from './admin-read-thread.ts';
import { inlineAdminReads } from './admin-reads.ts';

const normalize = normalizerFor(DEFAULT_POLICY);
const T0 = '2026-11-01T10:00:00.000Z';

const stores = postgresTestStores('postgres', 2);

if (await postgresAvailable('admin read thread on PostgreSQL')) {
  describe('admin read thread on PostgreSQL', () => {
    let store: Store;
    beforeAll(async () => {
      store = await stores.create();
    });
    afterAll(() => stores.destroy(store));

    it('answers the same reads over its own connections', async () => {
      const thread = adminReadThread({ dbPath: stores.urlOf(store), policy: DEFAULT_POLICY });
      try {
        const event: TrackingEvent = {
          type: 'identify',
          messageId: 'pg-r1',
          userId: 'pg-u',
          traits: { email: 'pg@example.com' },
          timestamp: T0,
          receivedAt: T0,
        };
        await store.transaction((tx) => applyEvents(tx, 'web', [event], { policy: DEFAULT_POLICY, normalize }));
        const here = inlineAdminReads({ store, normalize, clock: fixedClock(new Date()) });
        expect(await thread.profileGraph('user_id:pg-u')).toBe(await here.profileGraph('user_id:pg-u'));
        expect(await thread.profileEvents('email:pg@example.com', { limit: 5 })).toBe(
          await here.profileEvents('email:pg@example.com', { limit: 5 }),
        );
        await expect(thread.profileSummary('user_id:nobody')).rejects.toMatchObject({ code: 'not_found' });
      } finally {
        await thread.close();
      }
    });
  });
}
