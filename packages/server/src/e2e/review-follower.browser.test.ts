/**
 * The incremental matcher's totals on the review page, in a real Chromium against one Kin with incremental
 * matching on: identify calls with person traits arrive, the follower matches them, and the page shows the store's
 * totals as `GET /v1/match/status` (and `kin match status`) answer them, refreshed while it is open. Needs the
 * built dashboard (`npm run build -w @kin/dashboard`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatchStatus } from '@kin/core/api/index.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';
import type { ReviewQueueBrowser } from '../testing/review-browser.ts';
import { openReviewQueue } from '../testing/review-browser.ts';

const person = (anonymousId: string, traits: Record<string, string>) => ({ type: 'identify', anonymousId, traits });

describe.skipIf(skipWithoutChromium)("the incremental matcher's totals on the review page in Chromium", () => {
  let queue: ReviewQueueBrowser;
  let page: Page;
  let dir: string;
  const status = async (): Promise<MatchStatus> => (await (await queue.kin.admin('/v1/match/status')).json()) as MatchStatus;
  /** The totals the page shows, by outcome, and its pending count. */
  const shown = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {
      pending: Number(await page.locator('[data-match-pending]').getAttribute('data-match-pending')),
    };
    for (const cell of await page.locator('[data-match-total]').all())
      out[(await cell.getAttribute('data-match-total')) ?? ''] = Number((await cell.innerText()).replace(/\D/g, ''));
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-review-follower-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ matching: { incremental: true } }));
    queue = await openReviewQueue({
      env: { KIN_POLICY: policy },
      batch: [
        person('ann', { firstName: 'Annabel', lastName: 'Whitcombe', birthday: '1981-04-17', phone: '+44 7700 900111' }),
        person('cy', { firstName: 'Cyrus', lastName: 'Oyelaran', birthday: '1969-12-02', email: 'cy@example.com' }),
      ],
      runId: 'run-follower',
      pairs: [
        {
          id: 'r-follower',
          a: 'ann',
          b: 'cy',
          probability: 0.6,
          evidence: [{ field: 'last_name', level: 'different', weight: -3 }],
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
    ({ page } = queue);
  });

  afterAll(async () => {
    await queue?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows whether incremental matching is on, and the totals the API answers', async () => {
    await expect.poll(async () => (await status()).pending, { timeout: 15_000 }).toBe(0);
    const before = await status();
    expect(before.incremental).toBe(true);
    expect(await page.locator('[aria-label="Incremental matching"]').getAttribute('data-incremental')).toBe('on');
    await expect.poll(shown, { timeout: 15_000 }).toEqual({ pending: 0, ...before.totals });
    expect(before.totals.matched).toBe(2);
  });

  it('follows new arrivals while the page is open', async () => {
    const before = await status();
    expect(
      (
        await queue.kin.track('/v1/batch', {
          batch: [person('ann-2', { firstName: 'Anabel', lastName: 'Whitcombe', birthday: '1981-04-17' })],
        })
      ).status,
    ).toBe(200);
    await expect.poll(async () => (await status()).pending, { timeout: 15_000 }).toBe(0);
    const after = await status();
    expect(after.totals.matched).toBeGreaterThan(before.totals.matched);
    await expect.poll(shown, { timeout: 15_000 }).toEqual({ pending: 0, ...after.totals });
    expect(queue.errors).toEqual([]);
  });
});
