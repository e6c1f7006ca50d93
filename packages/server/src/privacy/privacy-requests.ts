/**
 * Privacy requests: accept (resolve the ref to the whole person, store the request `pending`, answer 202),
 * then carry out in the background:
 * - suppress: the person's identifier keys join the list (store, then edge list) as `suppress`;
 * - unsuppress: the suppressions holding any of the person's keys are lifted (tombstones stay);
 * - delete: the keys join the list as `tombstone` first (so the edge drops the person's events from then
 *   on), then the store deletes the person in one transaction and scrubs its files; a second pass deletes
 *   again if an event accepted just before the tombstones brought a profile back;
 * - delete and suppress_with_delete also queue `User Deleted` to every destination that supports it (the
 *   `downstream` port), just before the store delete, since the delivery carries the ids the destination
 *   knows and the profile holds them until then; a read shows each destination's delivery status;
 * - suppress_with_delete: both; export: nothing to carry out (the export is read when asked for).
 *
 * Why a delete request never keeps the plain identifiers: the request row would be the one copy left. It
 * keeps their keys; only the 202 answer (to the admin who sent them) shows them in clear.
 * Logs name the request id and type, never an identifier.
 */
import type { Identifier, PrivacyRequest, PrivacyRequestType } from '@kin/core';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PrivacyKey, PrivacyStore } from '../storage/privacy-store.ts';
import type { Store } from '../storage/storage.ts';
import type { PrivacyDownstream } from './privacy-downstream.ts';
import { withDestinations } from './privacy-downstream.ts';
import type { PrivacyKeyer } from './privacy-keys.ts';
import type { PrivacyList } from './privacy-list.ts';

/** A request as the API takes it, with the ref already resolved. */
export interface ResolvedPrivacyRequest {
  type: PrivacyRequestType;
  /** The live profile, or `null` when no profile holds the ref (the ref alone is acted on). */
  profileId: string | null;
  /** The ref's identifier when it was `type:value` (kept even when no profile holds it). */
  ref?: Identifier;
  reason?: string;
  requestedBy?: string;
}

/** What the service needs. */
export interface PrivacyServiceDeps {
  store: Store;
  list: PrivacyList;
  keyer: PrivacyKeyer;
  clock: Clock;
  logger: Logger;
  /** A new request id. */
  newId: () => string;
  /** Settles once the events that passed the edge before the call are written (the gate's `settled`). */
  settled: () => Promise<void>;
  /** Destinations told of deletes (absent: none, and `destinations` stays empty). */
  downstream?: PrivacyDownstream;
}

/** The privacy service. */
export interface PrivacyService {
  /** Stores the request and starts it; `done` settles when it reached a final status (tests and the CLI wait on it). */
  submit(request: ResolvedPrivacyRequest): Promise<{ request: PrivacyRequest; done: Promise<void> }>;
  /** Fills the edge list from the store (at start). */
  load(): Promise<void>;
  /** A stored request with its per-destination status. */
  describe(request: PrivacyRequest): Promise<PrivacyRequest>;
  /**
   * Calls `listener` after each store delete of a person, before the request completes: memories of this
   * process that hold rows a delete removes forget them (the link redirect's recipients, link-service.ts).
   */
  onPersonDeleted(listener: () => void): void;
}

/** The store's privacy port. */
export function privacyOf(store: Store): PrivacyStore {
  return store.privacy;
}

const DELETES: ReadonlySet<PrivacyRequestType> = new Set(['delete', 'suppress_with_delete']);

/** Creates the service. */
export function createPrivacyService(deps: PrivacyServiceDeps): PrivacyService {
  const privacy = privacyOf(deps.store);
  const now = () => deps.clock.now().toISOString();
  const deletedListeners: Array<() => void> = [];

  /** Runs the `onPersonDeleted` listeners; one that throws is logged (no person data) and never stops the delete. */
  function notifyDeleted(requestId: string): void {
    for (const listener of deletedListeners) {
      try {
        listener();
      } catch (error) {
        deps.logger.warn('privacy delete: a deleted-person listener failed', {
          requestId,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
  }

  async function identifiersOf(r: ResolvedPrivacyRequest): Promise<Identifier[]> {
    const profile = r.profileId === null ? undefined : await deps.store.findProfile(r.profileId);
    const ids: Identifier[] = profile ? profile.externalIds.map(({ type, value }) => ({ type, value })) : [];
    if (r.ref && !ids.some((i) => i.type === r.ref?.type && i.value === r.ref.value)) ids.push(r.ref);
    return ids;
  }

  async function carryOut(id: string, r: ResolvedPrivacyRequest, identifiers: Identifier[]): Promise<void> {
    await privacy.updateRequest(id, { status: 'running', at: now() });
    const keys = identifiers.map((i) => deps.keyer.keyOf(i));
    const outcome: { identifiers: number; eventsDeleted?: number } = { identifiers: keys.length };
    let scrubbed = true;
    if (r.type === 'suppress' || r.type === 'suppress_with_delete') {
      await privacy.addKeys(
        keys.map((key): PrivacyKey => ({ key, kind: 'suppress', requestId: id })),
        now(),
      );
      await deps.list.add(keys);
    }
    if (r.type === 'unsuppress') {
      const removed = await privacy.removeSuppressions(keys);
      const tombstoned = new Set((await privacy.listKeys()).filter((k) => k.kind === 'tombstone').map((k) => k.key));
      await deps.list.remove(removed.filter((k) => !tombstoned.has(k)));
      outcome.identifiers = removed.length;
    }
    if (DELETES.has(r.type)) {
      // The edge first: from here on no event of the person is accepted; then what passed just before is written.
      await deps.list.add(keys);
      await deps.settled();
      // Forgotten before the delete too: a hit in between must not find the person's recipients in memory.
      notifyDeleted(id);
      if (r.profileId !== null) await deps.downstream?.userDeleted(id, r.profileId);
      const tombstones = keys.map((key): PrivacyKey => ({ key, kind: 'tombstone', requestId: id }));
      let deleted = await privacy.deletePerson(r.profileId, tombstones, now());
      // Computed traits and audience memberships live apart from the graph (see storage/person-rows.ts).
      // And so do this process's memories of the deleted rows (onPersonDeleted).
      const forgetComputed = async () => {
        notifyDeleted(id);
        if (deleted) await deps.store.audiences.writeStates([], deleted.profileIds);
      };
      await forgetComputed();
      let events = deleted?.events ?? 0;
      // An event accepted just before the tombstones may have been written after the delete (another writer).
      for (let pass = 0; pass < 3; pass++) {
        const back = await Promise.all(identifiers.map((i) => deps.store.findProfileIdByIdentifier(i)));
        const again = back.find((p) => p !== undefined);
        if (again === undefined) break;
        deleted = await privacy.deletePerson(again, [], now());
        await forgetComputed();
        events += deleted?.events ?? 0;
      }
      scrubbed = await privacy.scrub();
      outcome.eventsDeleted = events;
    }
    if (!scrubbed) {
      deps.logger.warn('privacy delete: the database files still hold old pages', { requestId: id });
      await privacy.updateRequest(id, {
        status: 'partial',
        at: now(),
        outcome,
        error: 'the person is deleted, but old copies may remain in the database files until the next delete or VACUUM',
      });
      return;
    }
    await privacy.updateRequest(id, { status: 'completed', at: now(), outcome });
  }

  return {
    async submit(r) {
      const identifiers = await identifiersOf(r);
      const id = deps.newId();
      const plain = identifiers.map((i) => `${i.type}:${i.value}`);
      const kept = DELETES.has(r.type) ? identifiers.map((i) => deps.keyer.keyOf(i)) : plain;
      const createdAt = now();
      await privacy.createRequest({
        id,
        type: r.type,
        subject: { profileId: r.profileId, identifiers: kept },
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.requestedBy !== undefined ? { requestedBy: r.requestedBy } : {}),
        createdAt,
      });
      const stored = await privacy.findRequest(id);
      if (!stored) throw new Error(`privacy request ${id} was not stored`);
      deps.logger.info('privacy request accepted', { requestId: id, type: r.type, identifiers: identifiers.length });
      const done = carryOut(id, r, identifiers).catch(async (error: unknown) => {
        deps.logger.error('privacy request failed', {
          requestId: id,
          type: r.type,
          error: error instanceof Error ? error.name : 'unknown',
        });
        await privacy
          .updateRequest(id, { status: 'failed', at: now(), error: 'the request could not be completed; see the server log' })
          .catch(() => undefined);
      });
      return { request: { ...stored, subject: { profileId: r.profileId, identifiers: plain } }, done };
    },

    async describe(request) {
      return deps.downstream ? withDestinations(request, await deps.downstream.statuses(request.id)) : request;
    },

    async load() {
      const keys = await privacy.listKeys();
      await deps.list.add([...new Set(keys.map((k) => k.key))]);
    },

    onPersonDeleted(listener) {
      deletedListeners.push(listener);
    },
  };
}
