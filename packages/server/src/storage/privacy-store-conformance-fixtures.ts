/**
 * What the privacy conformance topic files share: events written through the real resolver, and the suite
 * handle runPrivacyConformance gives each topic. One message id counter for the whole suite.
 */
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import type { ApplyOutcome } from '../pipeline/ingest-port.ts';
import type { ConformanceTarget } from './storage-conformance.ts';
import type { Store } from './storage.ts';

/** The handle topic files get from runPrivacyConformance. */
export interface PrivacySuite {
  target: ConformanceTarget;
  /** The store under test (set in the suite's beforeAll; read it in a hook or a test). */
  store: () => Store;
  /** Ingests `events` from `sourceId` through the real resolver, in one transaction. */
  ingest: (sourceId: string, events: TrackingEvent[]) => Promise<ApplyOutcome>;
}

/** The resolver's dependencies under the default policy. */
export const privacyDeps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };

export const T0 = '2026-11-01T10:00:00.000Z';
let seq = 0;
export const ev = (e: Partial<TrackingEvent>): TrackingEvent =>
  ({ type: 'track', event: 'Viewed', messageId: `pc-${++seq}`, timestamp: T0, receivedAt: T0, ...e }) as TrackingEvent;
