/**
 * Two incremental-matching followers on one real PostgreSQL (two processes of a scale-out: two stores, two
 * pools, two followers): only the holder of the matcher lease takes pending profiles, so every pending
 * profile is matched once, never twice; when the holder stops, the other takes over the new arrivals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { DEFAULT_MATCH_POLICY, DEFAULT_POLICY } from '@kin/core';
import { generatePeople } from '@kin/core/matching/index.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { createTestDatabase, selectColumn } from '../storage/postgres/postgres-test-db.ts';
import { postgresAvailable } from '../storage/postgres/postgres-test-store.ts';
import type { Store } from '../storage/storage.ts';
import { createMatchFollower, type MatchFollower } from './match-follower.ts';

const START = '2026-03-10T12:00:00.000Z';
const policy: IdentityPolicy = { ...DEFAULT_POLICY, matching: { ...DEFAULT_MATCH_POLICY, incremental: true } };
const deps = { policy, normalize: normalizerFor(policy) };
const available = await postgresAvailable('postgres: two match followers');

/** Generated people (a third of them typo'd duplicates of earlier ones) as identify calls with person traits. */
function arrivals(from: number, count: number): TrackingEvent[] {
  const people = generatePeople({ count: from + count, seed: 11 });
  const col = (row: readonly string[], name: string): string => row[people.headers.indexOf(name)] ?? '';
  return people.rows.slice(from).map((row, k) => ({
    type: 'identify',
    messageId: `m${from + k}`,
    anonymousId: `anon-${from + k}`,
    timestamp: START,
    receivedAt: START,
    traits: { firstName: col(row, 'first_name'), lastName: col(row, 'last_name'), birthday: col(row, 'dob'), city: col(row, 'city') },
  })) as TrackingEvent[];
}

let db: TestDatabase | undefined;
let open: Array<{ store: Store; follower: MatchFollower }> = [];
afterEach(async () => {
  for (const p of open) {
    await p.follower.stop();
    await p.store.close();
  }
  open = [];
  await db?.drop();
  db = undefined;
});

async function start(url: string): Promise<{ store: Store; follower: MatchFollower }> {
  const store = await openPostgresStore({ url, poolSize: 3 });
  const follower = createMatchFollower({ store, policy, clock: fixedClock(START), logger: memoryLogger(), pollMs: 10 });
  const p = { store, follower };
  open.push(p);
  return p;
}

async function send(store: Store, events: TrackingEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) await store.transaction((tx) => applyEvents(tx, 'web', events.slice(i, i + 100), deps));
}

if (available) {
  describe('postgres: incremental matching with two followers', () => {
    it('matches every pending profile once, by the lease holder only; the other takes over when it stops', async () => {
      db = await createTestDatabase();
      const a = await start(db.url);
      const b = await start(db.url);
      await send(a.store, arrivals(0, 300));
      const pending = (await a.store.matching.pendingMatches(10_000)).length;
      expect(pending).toBeGreaterThan(250); // arrivals with person traits (a few generated rows lack them)

      // Both drain at once, as two servers' loops would. (A drain ends on a short turn; the survivors its merges
      // re-keyed are pending again, for the next turn.)
      await Promise.all([a.follower.drain(), b.follower.drain()]);
      const matched = [a.follower.stats.matched, b.follower.stats.matched];
      // One follower matched, the other none; not more than were pending (a profile merged away before its turn is not matched).
      expect(matched.filter((m) => m > 0)).toHaveLength(1);
      expect(matched[0]! + matched[1]!).toBeGreaterThan(pending / 2);
      expect(matched[0]! + matched[1]!).toBeLessThanOrEqual(pending);
      const merges = a.follower.stats.merged + b.follower.stats.merged;
      expect(merges).toBeGreaterThan(0);
      // No pair merged twice: one ledger entry per match merge.
      const ids = await selectColumn(db.url, "SELECT message_id FROM match_links WHERE rule = 'match'");
      expect(ids).toHaveLength(merges);
      expect(new Set(ids).size).toBe(ids.length);

      // The holder stops (giving the lease up); new arrivals are matched by the other one.
      const [holder, standby] = matched[0]! > 0 ? [a, b] : [b, a];
      await holder.follower.stop();
      await send(standby.store, arrivals(300, 40));
      const waiting = (await standby.store.matching.pendingMatches(10_000)).length;
      expect(waiting).toBeGreaterThan(30);
      const before = standby.follower.stats.matched;
      await standby.follower.drain();
      expect(standby.follower.stats.matched - before).toBeGreaterThan(waiting / 2);
      expect(standby.follower.stats.matched - before).toBeLessThanOrEqual(waiting);
    });
  });
}
