/**
 * The storage conformance suite: one function every adapter's test file calls. Plans are written by hand
 * (storage-conformance-fixtures.ts) so the suite tests what a store does with a plan, independent of the
 * resolver's decisions. The cases live in topic files, registered here in one order on one store (later
 * cases count what earlier ones wrote): writes, pages, trait ranks, reads, upkeep.
 */
import { applyRow } from '../testing/apply-row.ts';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Identifier, ResolutionPlan } from '@kin/core';
import type { Store, StoreStats } from './storage.ts';
import { event, plan } from './storage-conformance-fixtures.ts';
import { registerWriteCases } from './storage-conformance-writes.ts';
import { registerPageCases } from './storage-conformance-pages.ts';
import { registerTraitRankCases } from './storage-conformance-trait-ranks.ts';
import { registerReadCases } from './storage-conformance-reads.ts';
import { registerUpkeepCases } from './storage-conformance-upkeep.ts';

/** How a test file plugs its adapter in. */
export interface ConformanceTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  /** Drops whatever `create` made (database, files). */
  destroy?: (store: Store) => Promise<void>;
  /** Counts the store's rows with `RECOUNT_SQL` over another connection (stores that allow one). */
  recount?: (store: Store) => Promise<StoreStats>;
}

/** What `Store.stats()` must equal, counted row by row (one row: events, profiles, external_ids, merges, warnings). */
export const RECOUNT_SQL = `SELECT (SELECT count(*) FROM events) AS events,
  (SELECT count(*) FROM profiles WHERE merged_into IS NULL) AS profiles, (SELECT count(*) FROM identifiers) AS external_ids,
  (SELECT count(*) FROM merges) AS merges, (SELECT coalesce(sum(count), 0) FROM warnings) AS warnings`;

/** Registers the suite for one adapter. */
export function runStorageConformance(target: ConformanceTarget): void {
  describe(`storage conformance: ${target.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await target.create();
    });
    afterAll(async () => {
      if (target.destroy) await target.destroy(store);
      else await store.close();
    });

    const newProfile = async (identifiers: Identifier[], extra: Partial<ResolutionPlan> = {}, ev = event()) =>
      (
        await store.transaction((tx) =>
          applyRow(tx, {
            event: ev,
            sourceId: 'src-1',
            plan: plan({ links: identifiers.map((identifier) => ({ identifier, rule: 'new_profile' })), ...extra }),
          }),
        )
      ).profileId!;

    const suite = { target, store: () => store, newProfile };
    registerWriteCases(suite);
    registerPageCases(suite);
    registerTraitRankCases(suite);
    registerReadCases(suite);
    registerUpkeepCases(suite);
  });
}
