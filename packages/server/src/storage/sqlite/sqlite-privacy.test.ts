import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import { runPrivacyConformance } from '../privacy-store-conformance.ts';
import { dirOf, fileTarget } from './sqlite-file-target.ts';
import { openSqliteStore } from './sqlite-store.ts';

runPrivacyConformance(fileTarget('sqlite file'));
runPrivacyConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

describe('sqlite privacy delete', () => {
  it('leaves no plain copy of the person in the database file or the WAL', async () => {
    const target = fileTarget('scrub');
    const store = await target.create();
    try {
      const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
      const T = '2026-11-01T10:00:00.000Z';
      const events = (n: number, who: string, prefix: string): TrackingEvent[] =>
        Array.from(
          { length: n },
          (_, i) =>
            ({
              type: 'identify',
              userId: `${who}-user`,
              messageId: `${prefix}-${i}`,
              timestamp: T,
              receivedAt: T,
              traits: { email: `${who}@example.com`, phone: who === 'amy-keep' ? '+14155550142' : '+14155550199', visit: i },
            }) as TrackingEvent,
        );
      // Enough rows that the person's data spans many pages, interleaved with someone else's.
      for (let round = 0; round < 10; round++) {
        await store.transaction((tx) =>
          applyEvents(tx, 'src', [...events(50, 'zed-forget', `f${round}`), ...events(50, 'amy-keep', `k${round}`)], deps),
        );
      }
      const live = (await store.findProfileIdByIdentifier({ type: 'email', value: 'zed-forget@example.com' }))!;
      const grep = (needle: string) =>
        ['kin.db', 'kin.db-wal'].filter(
          (f) => existsSync(join(dirOf(store), f)) && readFileSync(join(dirOf(store), f)).includes(Buffer.from(needle)),
        );
      expect(grep('zed-forget@example.com').length).toBeGreaterThan(0);
      expect((await store.privacy!.deletePerson(live, [], T))?.events).toBe(500);
      await store.privacy!.scrub();
      expect(grep('zed-forget@example.com')).toEqual([]);
      expect(grep('zed-forget-user')).toEqual([]);
      expect(grep('4155550199')).toEqual([]);
      expect(grep('amy-keep@example.com')).toEqual(['kin.db']);
    } finally {
      await target.destroy(store);
    }
  });
});
