/**
 * When the follower learns its model (real SQLite store): a test's drain learns it again first, a drain that keeps
 * the model (what a server's loop does) learns again only when the store has outgrown it (match-model-refresh.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IdentityPolicy } from '@kin/core';
import { DEFAULT_MATCH_POLICY, DEFAULT_POLICY } from '@kin/core';
import { fixedClock } from '../ports/clock.ts';
import { createIdGenerator } from '../ports/ids.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { applyInChunks, personArrivals } from '../testing/match-fixtures.ts';
import { applyMatchSwitch, createMatchFollower } from './match-follower.ts';

const START = '2026-03-10T12:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'kin-match-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const on: IdentityPolicy = { ...DEFAULT_POLICY, matching: { ...DEFAULT_MATCH_POLICY, incremental: true } };

describe('the incremental matcher model', () => {
  it('is kept across drains that keep it until the store outgrows it, and learnt again by a plain drain', async () => {
    const store = await openSqliteStore({ path: join(dir, 'kin.db') });
    try {
      await applyMatchSwitch(store, on);
      const follower = createMatchFollower({
        store,
        policy: on,
        clock: fixedClock(START),
        ids: createIdGenerator(),
        logger: memoryLogger(),
      });
      await applyInChunks(store, personArrivals(0, 100, START), on);
      await follower.drain({ keepModel: true });
      expect(follower.stats.learnt).toBe(1);
      const matched = follower.stats.matched;
      expect(matched).toBeGreaterThan(50);

      // Fewer arrivals than 3 times the records it was learnt on: the model holds.
      await applyInChunks(store, personArrivals(100, 20, START), on);
      await follower.drain({ keepModel: true });
      expect(follower.stats.learnt).toBe(1);
      expect(follower.stats.matched).toBeGreaterThan(matched);

      // A plain drain learns on what is stored now.
      await applyInChunks(store, personArrivals(120, 5, START), on);
      await follower.drain();
      expect(follower.stats.learnt).toBe(2);
    } finally {
      await store.close();
    }
  });
});
