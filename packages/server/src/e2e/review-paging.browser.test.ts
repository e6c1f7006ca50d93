/**
 * The review queue beyond one page, in a real Chromium against one Kin: 250 open pairs, the page loads the
 * first 200, "Load the next 200" (or `j` past the last pair) loads the rest through the API's cursor, and
 * a pair of the second page can be accepted like any other. Needs the built dashboard
 * (`npm run build -w @kin/dashboard`).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewQueueBrowser } from '../testing/review-browser.ts';
import { openReviewQueue } from '../testing/review-browser.ts';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';

const PAIRS = 250;

describe.skipIf(skipWithoutChromium)('review queue paging in Chromium', () => {
  let queue: ReviewQueueBrowser;
  let page: Page;
  const idOf = (ref: string) => queue.idOf(ref);
  const openCount = () => queue.openCount();

  beforeAll(async () => {
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({
      id: `r-${String(i).padStart(3, '0')}`,
      a: `p${i}-a`,
      b: `p${i}-b`,
      probability: 0.8,
      evidence: [{ field: 'first_name' as const, level: 'exact' as const, weight: 4 }],
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    queue = await openReviewQueue({
      batch: pairs.flatMap(({ a, b }, i) => [
        { type: 'identify', anonymousId: a, traits: { firstName: `Pat${i}`, lastName: 'Page' } },
        { type: 'identify', anonymousId: b, traits: { firstName: `Pat${i}`, lastName: 'Page' } },
      ]),
      runId: 'run-paging',
      pairs,
    });
    ({ page } = queue);
  });

  afterAll(() => queue?.close());

  it('loads the first 200 pairs and says more are waiting', async () => {
    expect(await openCount()).toBe(200);
    expect(await page.locator('.review-list .review-pick').count()).toBe(200);
    await page.locator('[data-load-more]').waitFor();
    expect(await page.locator('.review.page').innerText()).toContain('more waiting');
  });

  it('j past the last loaded pair loads the next page and selects its first pair', async () => {
    await page.locator('.review-list .review-pick').nth(199).click();
    await page.locator('[data-review-id="r-199"]').waitFor();
    await page.keyboard.press('j');
    await page.locator('[data-review-id="r-200"]').waitFor();
    await expect.poll(openCount, { timeout: 15_000 }).toBe(PAIRS);
    expect(await page.locator('[data-load-more]').count()).toBe(0);
    expect(await page.locator('.review.page').innerText()).not.toContain('more waiting');
  });

  it('accepts a pair of the second page', async () => {
    await page.locator('.review-list .review-pick').nth(240).click();
    await page.locator('[data-review-id="r-240"]').waitFor();
    expect(await idOf('anonymous_id:p240-a')).not.toBe(await idOf('anonymous_id:p240-b'));
    await page.keyboard.press('a');
    await expect.poll(openCount, { timeout: 15_000 }).toBe(PAIRS - 1);
    expect(await page.locator('[data-review-id="r-240"]').count()).toBe(0);
    expect(await idOf('anonymous_id:p240-a')).toBe(await idOf('anonymous_id:p240-b'));
    expect(queue.errors).toEqual([]);
  });
});
