/**
 * The review queue beyond one page, in a real Chromium against one Kin: 250 open pairs, the page loads the
 * first 200, "Load the next 200" (or `j` past the last pair) loads the rest through the API's cursor, and
 * a pair of the second page can be accepted like any other. Needs the built dashboard
 * (`npm run build -w @kin/dashboard`).
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env['KIN_REQUIRE_SERVICES'];
const PAIRS = 250;

describe.skipIf(skip)('review queue paging in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const idOf = async (ref: string) => ((await (await kin.admin(`/v1/profiles/${encodeURIComponent(ref)}`)).json()) as { id: string }).id;

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    const batch = Array.from({ length: PAIRS }, (_, i) => [
      { type: 'identify', anonymousId: `p${i}-a`, traits: { firstName: `Pat${i}`, lastName: 'Page' } },
      { type: 'identify', anonymousId: `p${i}-b`, traits: { firstName: `Pat${i}`, lastName: 'Page' } },
    ]).flat();
    expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
    // Profiles by anonymous id, from the store (500 lookups over HTTP would only slow the test down).
    const store = kin.kin.store;
    const items: ReviewItem[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const [a, b] = await Promise.all(
        [`p${i}-a`, `p${i}-b`].map((value) => store.findProfileIdByIdentifier({ type: 'anonymous_id', value })),
      );
      items.push({
        id: `r-${String(i).padStart(3, '0')}`,
        runId: 'run-paging',
        aProfile: a!,
        bProfile: b!,
        probability: 0.8,
        reason: 'below-link-threshold',
        evidence: [{ field: 'first_name', level: 'exact', weight: 4 }],
        status: 'open',
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      });
    }
    await store.matching.addReviewItems(items);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(kin.url + '/');
    await page.fill('#token', kin.adminToken);
    await page.click('button[type=submit]');
    await page.getByRole('link', { name: 'Review' }).click();
    await page.locator('[data-review-id]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  const openCount = async () => Number(await page.locator('[data-open-count]').getAttribute('data-open-count'));

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
    expect(errors).toEqual([]);
  });
});
