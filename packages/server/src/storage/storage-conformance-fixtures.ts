/**
 * What the storage conformance topic files share: hand-written events and plans (so the suite tests what a
 * store does with a plan, independent of the resolver), and the suite handle each topic registers its cases on.
 * One message id counter for the whole suite, so no two cases' events collide on one store.
 */
import type { Identifier, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { ConformanceTarget } from './storage-conformance.ts';
import type { Store } from './storage.ts';

/** The handle topic files get from runStorageConformance. */
export interface ConformanceSuite {
  target: ConformanceTarget;
  /** The store under test (set in the suite's beforeAll; read it in a hook or a test). */
  store: () => Store;
  /** Creates a profile holding `identifiers` with one event, and returns its id. */
  newProfile: (identifiers: Identifier[], extra?: Partial<ResolutionPlan>, ev?: TrackingEvent) => Promise<string>;
}

export const T0 = '2026-11-01T10:00:00.000Z';
let seq = 0;

export function event(overrides: Partial<TrackingEvent> & { timestamp?: string } = {}): TrackingEvent {
  seq++;
  return {
    type: 'track',
    event: 'Viewed',
    messageId: `msg-${seq}`,
    anonymousId: `anon-${seq}`,
    timestamp: T0,
    receivedAt: T0,
    ...overrides,
  };
}

export function plan(partial: Partial<ResolutionPlan>): ResolutionPlan {
  return {
    target: { kind: 'new' },
    merges: [],
    links: [],
    touches: [],
    refused: [],
    traits: { set: {}, unset: [] },
    warnings: [],
    ...partial,
  };
}

export const id = (type: string, value: string): Identifier => ({ type, value });
