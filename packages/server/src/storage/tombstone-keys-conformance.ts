/**
 * One suite for keyed single-identifier tombstones (issue 18), run by each adapter's test file over its own
 * database: an identifier delete keeps the keyed digest and no plain copy at rest, the identifier stays
 * refused, and a database written before the keyed-tombstones migration is converted at open, still blocks,
 * and is converted once.
 *
 * Why raw values that differ from their normalised form (`+1 415-555-0163`, `Old.One@Example.com`): the
 * events that carried an identifier stay with the profile (an identifier delete is not an erasure; a privacy
 * delete is), so the normalised value is the one only the identifier and tombstone rows ever held.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { Identifier, TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { createPrivacyKeyer, identifierDigest } from '../privacy/privacy-keys.ts';
import type { Store } from './storage.ts';

/** A tombstone row as stored. */
export interface TombstoneRow {
  type: string;
  value: string;
  keyed: boolean;
}

/** One empty database of an adapter, with what the suite needs to look into it and to age it. */
export interface TombstoneDatabase {
  /** Opens (and migrates) a store on it with this privacy secret. */
  open(secret: string): Promise<Store>;
  /** Where `text` is found at rest (SQLite: the file and its WAL; PostgreSQL: a pg_dump); checked with the store closed. */
  findAtRest(text: string): Promise<string[]>;
  tombstoneRows(): Promise<TombstoneRow[]>;
  /** With the store closed: back to the schema before the keyed-tombstones migration, holding these plain rows. */
  makeOld(rows: Array<{ type: string; value: string; profileId: string }>): Promise<void>;
  drop(): Promise<void>;
}

/** The adapter's side of the suite. */
export interface TombstoneKeysTarget {
  name: string;
  fresh(): Promise<TombstoneDatabase>;
}

const SECRET = 'tombstone-keys-conformance-secret';
const T = '2026-11-01T10:00:00.000Z';
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const digest = (identifier: Identifier) => identifierDigest(createPrivacyKeyer(SECRET), identifier);

function identify(userId: string, traits: Record<string, unknown>, messageId: string): TrackingEvent {
  return { type: 'identify', userId, messageId, timestamp: T, receivedAt: T, traits } as TrackingEvent;
}

async function ingest(store: Store, events: TrackingEvent[]): Promise<void> {
  await store.transaction((tx) => applyEvents(tx, 'src', events, deps));
}

/** The refusals explain shows for the profile holding `userId`. */
async function refusalsOf(store: Store, userId: string) {
  const id = (await store.findProfileIdByIdentifier({ type: 'user_id', value: userId }))!;
  return (await store.explainProfile(id))!.refusals.map((r) => ({ type: r.type, value: r.value, reason: r.reason }));
}

/** Runs the suite against one adapter. */
export function runTombstoneKeysConformance(target: TombstoneKeysTarget): void {
  describe(`${target.name}: keyed identifier tombstones`, () => {
    it('an identifier delete keeps the keyed digest, no plain copy at rest, and the identifier stays refused', async () => {
      const db = await target.fresh();
      try {
        const phone = { type: 'phone', value: '+14155550163' };
        let store = await db.open(SECRET);
        await ingest(store, [
          identify('u-1', { phone: '+1 415-555-0163', email: 'ann.keep@example.com' }, 'm1'),
          identify('u-2', { email: 'bob@example.com' }, 'm2'),
        ]);
        const profileId = (await store.findProfileIdByIdentifier(phone))!;
        expect(profileId).toBeDefined();
        await store.close();
        expect((await db.findAtRest('4155550163')).length).toBeGreaterThan(0);

        store = await db.open(SECRET);
        expect(await store.transaction((tx) => tx.tombstone(profileId, phone, T))).toBe(true);
        expect(await db.tombstoneRows()).toEqual([{ type: 'phone', value: digest(phone), keyed: true }]);
        expect((await store.explainProfile(profileId))!.tombstones).toEqual([
          { type: 'phone', value: digest(phone), createdAt: expect.any(String) as string },
        ]);
        await store.close();
        expect(await db.findAtRest('4155550163')).toEqual([]);
        expect((await db.findAtRest('ann.keep@example.com')).length).toBeGreaterThan(0);

        // The same number written another way, on the same person and on a new one: refused, never linked.
        store = await db.open(SECRET);
        await ingest(store, [identify('u-1', { phone: '(415) 555-0163' }, 'm3'), identify('u-3', { phone: '+1 4155550163' }, 'm4')]);
        expect(await store.findProfileIdByIdentifier(phone)).toBeUndefined();
        expect(await refusalsOf(store, 'u-1')).toEqual([{ type: 'phone', value: digest(phone), reason: 'tombstoned' }]);
        expect(await refusalsOf(store, 'u-3')).toEqual([{ type: 'phone', value: digest(phone), reason: 'tombstoned' }]);
        await store.close();

        // Another secret cannot read the tombstone: the digest is keyed.
        store = await db.open(`${SECRET}-other`);
        await ingest(store, [identify('u-4', { phone: '+14155550163' }, 'm5')]);
        expect(await store.findProfileIdByIdentifier(phone)).toBe(await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-4' }));
        await store.close();
      } finally {
        await db.drop();
      }
    });

    it('converts the plain tombstones of an older database at open, once, and they still block', async () => {
      const db = await target.fresh();
      try {
        const email = { type: 'email', value: 'old.one@example.com' };
        const userId = { type: 'user_id', value: 'old-user-7' };
        let store = await db.open(SECRET);
        await ingest(store, [
          identify('old-user-7', { email: 'Old.One@Example.com' }, 'o1'),
          identify('keeper', { email: 'Keeper@Example.com' }, 'o2'),
        ]);
        const profileId = (await store.findProfileIdByIdentifier(email))!;
        // An identifier delete as the older release made it: the identifier row goes, a plain tombstone stays.
        for (const identifier of [email, userId])
          expect(await store.transaction((tx) => tx.tombstone(profileId, identifier, T))).toBe(true);
        await store.close();
        await db.makeOld([
          { ...email, profileId },
          { ...userId, profileId },
        ]);
        expect((await db.tombstoneRows()).map((r) => r.value).sort()).toEqual(['old-user-7', 'old.one@example.com']);
        expect((await db.findAtRest('old.one@example.com')).length).toBeGreaterThan(0);

        store = await db.open(SECRET);
        const converted = (await db.tombstoneRows()).sort((a, b) => (a.type < b.type ? -1 : 1));
        expect(converted).toEqual([
          { type: 'email', value: digest(email), keyed: true },
          { type: 'user_id', value: digest(userId), keyed: true },
        ]);
        await ingest(store, [identify('someone-new', { email: 'OLD.ONE@example.com' }, 'o3'), identify('old-user-7', {}, 'o4')]);
        expect(await store.findProfileIdByIdentifier(email)).toBeUndefined();
        expect(await store.findProfileIdByIdentifier(userId)).toBeUndefined();
        expect(await refusalsOf(store, 'someone-new')).toEqual([{ type: 'email', value: digest(email), reason: 'tombstoned' }]);
        await store.close();
        expect(await db.findAtRest('old.one@example.com')).toEqual([]);

        // Opened again: nothing left to convert, the same rows.
        store = await db.open(SECRET);
        expect((await db.tombstoneRows()).sort((a, b) => (a.type < b.type ? -1 : 1))).toEqual(converted);
        await store.close();
      } finally {
        await db.drop();
      }
    });
  });
}
