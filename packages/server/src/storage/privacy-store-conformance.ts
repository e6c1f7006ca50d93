/**
 * The privacy conformance suite: what every store's privacy port must do (privacy-store.ts). SQLite and
 * PostgreSQL run it (`sqlite-privacy.test.ts`, `postgres-privacy.test.ts`). Events go in through the real
 * resolver (`applyEvents`), so a delete is checked against the rows ingestion really writes. The cases live
 * in topic files registered here in one order on one store: requests and keys, delete, person rows.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { ConformanceTarget } from './storage-conformance.ts';
import type { Store } from './storage.ts';
import { privacyDeps } from './privacy-store-conformance-fixtures.ts';
import { registerPrivacyRequestCases } from './privacy-store-conformance-requests.ts';
import { registerPrivacyDeleteCases } from './privacy-store-conformance-delete.ts';
import { registerPrivacyRowCases } from './privacy-store-conformance-rows.ts';

/** Registers the privacy suite for one adapter. */
export function runPrivacyConformance(target: ConformanceTarget): void {
  describe(`privacy conformance: ${target.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await target.create();
    });
    afterAll(async () => {
      if (target.destroy) await target.destroy(store);
      else await store.close();
    });
    const ingest = (sourceId: string, events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, sourceId, events, privacyDeps));

    const suite = { target, store: () => store, ingest };
    registerPrivacyRequestCases(suite);
    registerPrivacyDeleteCases(suite);
    registerPrivacyRowCases(suite);
  });
}
