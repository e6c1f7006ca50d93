/**
 * The privacy edge: drops the events of deleted and suppressed people before they reach the ingestor
 * (so before resolution, de-duplication and storage), and counts them. The tracking routes call it for
 * every accepted request; a re-sent old event and a new one alike are dropped when any of their
 * identifiers is listed.
 *
 * Why "any identifier": a deleted person's anonymous id arriving with a fresh email must not bring the
 * person back through the anonymous id's history, and a suppressed person's anonymous-id-only page views
 * are theirs as much as their identified ones.
 */
import type { IdentifierNormalizer, IdentityPolicy, TrackingEvent } from '@kin/core';
import { prepareEvent } from '@kin/core';
import { unavailable } from '../ops/service-unavailable.ts';
import type { PrivacyKeyer } from './privacy-keys.ts';
import type { PrivacyList } from './privacy-list.ts';

/** The edge filter. */
export interface PrivacyGate {
  /** Keeps the events none of whose identifiers is listed; throws 503 when the list cannot be read. */
  filter(events: TrackingEvent[]): Promise<{ kept: TrackingEvent[]; suppressed: number }>;
  /**
   * Filters, then hands what is kept to `submit`, remembering it until it settles (see `settled`).
   */
  pass<T>(events: TrackingEvent[], submit: (kept: TrackingEvent[], suppressed: number) => Promise<T>): Promise<T>;
  /**
   * Settles once every submission that passed the gate before this call has settled. Why: a delete lists the
   * person first, then waits here, so no event accepted just before the listing is written after the delete.
   */
  settled(): Promise<void>;
  /** Whether one event carries a listed identifier (the pipeline worker's check; see nats-worker.ts). */
  drops(event: TrackingEvent): boolean;
}

/** What the gate needs. */
export interface PrivacyGateDeps {
  list: PrivacyList;
  keyer: PrivacyKeyer;
  policy: IdentityPolicy;
  normalize: IdentifierNormalizer;
  /** Records dropped events (`GET /v1/stats` `suppressedEvents`); awaited before the answer. */
  count: (n: number) => Promise<void>;
}

/** The keys of every identifier an event carries (the alias `previousId` under both types it may be). */
export function eventKeys(event: TrackingEvent, deps: Pick<PrivacyGateDeps, 'keyer' | 'policy' | 'normalize'>): string[] {
  const prepared = prepareEvent(event, deps.policy, deps.normalize);
  const keys = prepared.identifiers.map((id) => deps.keyer.keyOf(id));
  if (prepared.previousId !== undefined) {
    keys.push(
      deps.keyer.keyOf({ type: 'user_id', value: prepared.previousId }),
      deps.keyer.keyOf({ type: 'anonymous_id', value: prepared.previousId }),
    );
  }
  for (const id of Object.values(prepared.traitIds ?? {})) if (id) keys.push(deps.keyer.keyOf(id));
  return keys;
}

/** Creates the gate. */
export function createPrivacyGate(deps: PrivacyGateDeps): PrivacyGate {
  const inFlight = new Set<Promise<unknown>>();
  const drops = (event: TrackingEvent): boolean => deps.list.size() > 0 && eventKeys(event, deps).some((key) => deps.list.has(key));
  async function filter(events: TrackingEvent[]) {
    if (!deps.list.readable()) throw unavailable('the privacy list');
    if (deps.list.size() === 0) return { kept: events, suppressed: 0 };
    const kept = events.filter((event) => !drops(event));
    const suppressed = events.length - kept.length;
    if (suppressed > 0) await deps.count(suppressed);
    return { kept, suppressed };
  }
  return {
    filter,
    drops,
    pass(events, submit) {
      return filter(events).then(({ kept, suppressed }) => {
        const work = submit(kept, suppressed);
        const tracked = work.catch(() => undefined);
        inFlight.add(tracked);
        void tracked.then(() => inFlight.delete(tracked));
        return work;
      });
    },
    async settled() {
      await Promise.all([...inFlight]);
    },
  };
}
