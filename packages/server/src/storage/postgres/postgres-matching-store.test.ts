/** Import → match → review on PostgreSQL: the matching port of the PostgreSQL store. */
import { DEFAULT_POLICY } from '@kin/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizerFor } from '../../identity/policy-load.ts';
import { importFile } from '../../import/import-file.ts';
import { runMatch } from '../../matching/match-run.ts';
import { decideReview } from '../../matching/review-decide.ts';
import { systemClock } from '../../ports/clock.ts';
import { SOCIAL_MAPPING, crmAndSocialFiles } from '../../testing/match-fixtures.ts';
import type { Store } from '../storage.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';
import { createIdGenerator } from '../../ports/ids.ts';

const stores = postgresTestStores('postgres', 4);
const dir = mkdtempSync(join(tmpdir(), 'kin-pg-match-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

if (await postgresAvailable('postgres store: matching and review')) {
  describe('postgres store: matching and review', () => {
    let store: Store;
    beforeAll(async () => {
      store = await stores.create();
    });
    afterAll(() => stores.destroy(store));

    it('merges matched profiles with a match ledger entry, queues doubtful pairs, and applies review decisions', async () => {
      const { crm, social } = crmAndSocialFiles();
      writeFileSync(join(dir, 'crm.csv'), crm);
      writeFileSync(join(dir, 'social.csv'), social);
      const base = { store, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
      expect(await importFile({ ...base, file: join(dir, 'crm.csv'), source: 'crm' })).toMatchObject({ rejected: 0 });
      expect(await importFile({ ...base, file: join(dir, 'social.csv'), source: 'social', mapping: SOCIAL_MAPPING })).toMatchObject({
        rejected: 0,
      });

      // A reviewer rejected the (certain) Ida Quintero pair earlier: matching must never merge it.
      const idaCrm = (await store.findProfileIdByIdentifier({ type: 'record', value: 'crm:c-ida' }))!;
      const idaSocial = (await store.findProfileIdByIdentifier({ type: 'twitter', value: 'idaq' }))!;
      await store.matching.addReviewItems([
        {
          id: 'r-ida',
          runId: 'earlier',
          aProfile: idaCrm,
          bProfile: idaSocial,
          probability: 0.99,
          reason: 'below-link-threshold',
          evidence: [],
          status: 'rejected',
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ]);
      const run = await runMatch({ store, policy: DEFAULT_POLICY, clock: systemClock, ids: createIdGenerator() });
      expect(run.skippedRejected).toBe(1);
      expect(await store.findProfileIdByIdentifier({ type: 'twitter', value: 'idaq' })).toBe(idaSocial);
      expect(run.merges).toBeGreaterThan(100);
      const robert = await store.findProfileIdByIdentifier({ type: 'record', value: 'crm:c-rob' });
      expect(await store.findProfileIdByIdentifier({ type: 'twitter', value: 'bobsmith' })).toBe(robert);
      expect((await store.listProfileMerges(robert!)).map((m) => m.rule)).toEqual(['match']);
      const links = await store.matching.listMatchLinks([robert!]);
      expect(links[0]?.probability).toBeGreaterThanOrEqual(0.95);
      expect(links[0]?.evidence.length).toBeGreaterThan(0);

      const open = await store.matching.listReviewItems({ status: 'open', limit: 100 });
      const holding = async (type: string, value: string) => {
        const id = await store.findProfileIdByIdentifier({ type, value });
        return open.data.find((i) => i.aProfile === id || i.bProfile === id)!;
      };
      const dan = await holding('twitter', 'danp');
      const matt = await holding('twitter', 'mattc');
      expect(dan.evidence.length).toBeGreaterThan(0);
      expect(await decideReview({ store, policy: DEFAULT_POLICY, clock: systemClock, id: dan.id, decision: 'accept' })).toMatchObject({
        kind: 'decided',
      });
      expect(await store.findProfileIdByIdentifier({ type: 'twitter', value: 'danp' })).toBe(
        await store.findProfileIdByIdentifier({ type: 'record', value: 'crm:c-dan' }),
      );
      expect(await decideReview({ store, policy: DEFAULT_POLICY, clock: systemClock, id: matt.id, decision: 'reject' })).toMatchObject({
        kind: 'decided',
        item: { status: 'rejected' },
      });
      const second = await runMatch({ store, policy: DEFAULT_POLICY, clock: systemClock, ids: createIdGenerator(), linkThreshold: 0.5 });
      expect(second.merges).toBe(0);
      expect(await store.findProfileIdByIdentifier({ type: 'twitter', value: 'mattc' })).not.toBe(
        await store.findProfileIdByIdentifier({ type: 'record', value: 'crm:c-mat' }),
      );
    }, 60_000);
  });
}
