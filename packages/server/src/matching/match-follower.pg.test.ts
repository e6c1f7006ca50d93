/**
 * Two incremental-matching followers on one real PostgreSQL (two processes of a scale-out: two stores, two
 * pools, two followers): only the holder of the matcher lease takes pending profiles, so every pending
 * profile is matched once, never twice; when the holder stops, the other takes over the new arrivals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityPolicy } from '@kin/core';
import { DEFAULT_MATCH_POLICY, DEFAULT_POLICY } from '@kin/core';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { createTestDatabase, selectColumn } from '../storage/postgres/postgres-test-db.ts';
import { postgresAvailable } from '../storage/postgres/postgres-test-store.ts';
import type { Store } from '../storage/storage.ts';
import { applyInChunks, personArrivals } from '../testing/match-fixtures.ts';
import { applyMatchSwitch, createMatchFollower, type MatchFollower } from './match-follower.ts';
import { createIdGenerator } from '../ports/ids.ts';

const START = '2026-03-10T12:00:00.000Z';
const policy: IdentityPolicy = { ...DEFAULT_POLICY, matching: { ...DEFAULT_MATCH_POLICY, incremental: true } };
const available = await postgresAvailable('postgres: two match followers');

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
  const follower = createMatchFollower({
    store,
    policy,
    clock: fixedClock(START),
    ids: createIdGenerator(),
    logger: memoryLogger(),
    pollMs: 10,
  });
  const p = { store, follower };
  open.push(p);
  return p;
}

if (available) {
  describe('postgres: incremental matching with two followers', () => {
    it('matches every pending profile once, by the lease holder only; the other takes over when it stops', async () => {
      db = await createTestDatabase();
      const a = await start(db.url);
      const b = await start(db.url);
      await applyMatchSwitch(a.store, policy);
      await applyInChunks(a.store, personArrivals(0, 300, START), policy);
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
      await applyInChunks(standby.store, personArrivals(300, 40, START), policy);
      const waiting = (await standby.store.matching.pendingMatches(10_000)).length;
      expect(waiting).toBeGreaterThan(30);
      const before = standby.follower.stats.matched;
      await standby.follower.drain();
      expect(standby.follower.stats.matched - before).toBeGreaterThan(waiting / 2);
      expect(standby.follower.stats.matched - before).toBeLessThanOrEqual(waiting);
    });
  });
}
