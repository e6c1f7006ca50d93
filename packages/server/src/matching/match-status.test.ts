/**
 * Follower totals on a real SQLite store: what a follower matched, merged, sent to review and skipped is in
 * `/metrics` (this process, since it started) and in the store's totals (`kin match status`: every follower,
 * over restarts), beside the database's switch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IdentityPolicy } from '@kin/core';
import { DEFAULT_MATCH_POLICY, DEFAULT_POLICY } from '@kin/core';
import { createKinMetrics } from '../ops/kin-metrics.ts';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { applyInChunks, personArrivals } from '../testing/match-fixtures.ts';
import { applyMatchSwitch, createMatchFollower } from './match-follower.ts';
import { formatMatchStatus, matchStatusOf, storedMatchState } from './match-status.ts';
import { createIdGenerator } from '../ports/ids.ts';

const START = '2026-03-10T12:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'kin-match-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const on: IdentityPolicy = { ...DEFAULT_POLICY, matching: { ...DEFAULT_MATCH_POLICY, incremental: true } };

describe('incremental matching totals', () => {
  it('are in /metrics per process and in the store for every follower, over restarts', async () => {
    const path = join(dir, 'kin.db');
    const first = await openSqliteStore({ path });
    await applyMatchSwitch(first, on);
    await applyInChunks(first, personArrivals(0, 300, START), on);
    const follower = createMatchFollower({
      store: first,
      policy: on,
      clock: fixedClock(START),
      ids: createIdGenerator(),
      logger: memoryLogger(),
    });
    await follower.drain();
    const stats = follower.stats;
    expect(stats.matched).toBeGreaterThan(200);
    expect(stats.merged).toBeGreaterThan(0);

    const metrics = createKinMetrics({ matchTotals: () => follower.stats });
    const text = await metrics.registry.metrics();
    for (const outcome of ['matched', 'merged', 'queued', 'refused', 'skipped'] as const)
      expect(text).toContain(`kin_match_follower_profiles{outcome="${outcome}"} ${stats[outcome]}`);
    const stored = await first.matching.matchTotals();
    expect(stored).toMatchObject({
      matched: stats.matched,
      merged: stats.merged,
      queued: stats.queued,
      refused: stats.refused,
      skipped: 0,
    });
    await follower.stop();
    await first.close();

    // Another process: its follower matches the new arrivals; the store's totals hold both followers'. Then
    // a server whose policy has matching off starts: the switch goes off, nothing waits any more.
    const second = await openSqliteStore({ path });
    await applyInChunks(second, personArrivals(300, 30, START), on);
    const waiting = (await second.matching.matchTotals()).pending;
    expect(waiting).toBeGreaterThan(20);
    const next = createMatchFollower({
      store: second,
      policy: on,
      clock: fixedClock(START),
      ids: createIdGenerator(),
      logger: memoryLogger(),
    });
    await next.drain();
    expect(next.stats.matched).toBeGreaterThan(20);
    const matched = stats.matched + next.stats.matched;
    const merged = stats.merged + next.stats.merged;
    const queued = stats.queued + next.stats.queued;
    const refused = stats.refused + next.stats.refused;
    expect(await applyMatchSwitch(second, DEFAULT_POLICY)).toBe(true);
    const { totals, settings } = await storedMatchState(second.matching, on);
    expect(settings.incremental).toBe(false); // the database's switch, whatever this policy says
    expect(totals).toMatchObject({ matched, merged, queued, refused, skipped: 0, pending: 0 });
    const lines = formatMatchStatus(totals, settings);
    expect(lines[0]).toContain('off');
    expect(lines[2]).toContain(`${matched} profiles: ${merged} merges, ${queued} pairs sent to review`);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ incremental: false, matched, skipped: 0, pending: 0 });
    // GET /v1/match/status (the dashboard's review page) answers the same totals.
    expect(matchStatusOf(totals, settings)).toEqual({
      incremental: false,
      linkThreshold: DEFAULT_MATCH_POLICY.linkThreshold,
      reviewThreshold: DEFAULT_MATCH_POLICY.reviewThreshold,
      minFields: DEFAULT_MATCH_POLICY.minFields,
      pending: 0,
      totals: { matched, merged, queued, refused, skipped: 0 },
    });
    await next.stop();
    await second.close();
  });
});
