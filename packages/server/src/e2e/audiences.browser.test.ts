/**
 * Computed traits and audiences in a real Chromium against a real Kin (socket, writer thread, the evaluator
 * running in the background): define a trait and an audience in the builder, see a refusal name its field,
 * watch the audience's live size grow as events arrive, and find both on the profile page.
 * Screenshots go to /work/wt/screens (outside the repository).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

const SCREENS = process.env['KIN_SCREENS_DIR'] ?? '/work/wt/screens';

describe.skipIf(skipWithoutChromium)('computed traits and audiences in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const order = (userId: string, total: number) =>
    kin.track('/v1/track', { userId, event: 'Order Completed', properties: { total, currency: 'EUR' } });
  const define = async (name: 'trait' | 'audience', definition: unknown) => {
    await page.locator(`[data-builder=${name}] textarea`).fill(JSON.stringify(definition));
    await page.locator(`[data-builder=${name}] button[type=submit]`).click();
  };

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    expect((await order('ann', 40)).status).toBe(200);
    mkdirSync(SCREENS, { recursive: true });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(kin.url + '/');
    await page.fill('#token', kin.adminToken);
    await page.click('button[type=submit]');
    await page.locator('[data-counter="profiles"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  it('builds a trait and an audience, shows a refusal with its field, and the live size', async () => {
    await page.getByRole('link', { name: 'Audiences' }).click();
    await define('trait', { key: 'spend', type: 'aggregation', agg: 'sum', event: 'Order Completed', property: 'properties.total' });
    await page.locator('[data-trait-table] tr[data-key=spend]').waitFor();
    await define('audience', { key: 'loop', where: { audience: 'loop' } });
    await expect.poll(() => page.locator('[data-builder=audience] [role=alert]').first().innerText()).toMatch(/cycle/);
    await define('audience', { key: 'big_spenders', where: { trait: { key: 'spend', op: 'gte', value: 50 } } });
    const size = page.locator('[data-audience-table] tr[data-key=big_spenders] [data-size]');
    await expect.poll(() => size.innerText(), { timeout: 60_000 }).toBe('0');
    await order('ann', 20);
    await order('bo', 70);
    await expect.poll(() => size.innerText(), { timeout: 60_000 }).toBe('2');
    await expect
      .poll(() => page.locator('[data-audience-table] tr[data-key=big_spenders]').innerText(), { timeout: 60_000 })
      .toContain('live');
    await page.screenshot({ path: join(SCREENS, 'audiences.png'), fullPage: true });
  });

  it('shows computed traits and audiences on the profile page', async () => {
    await page.goto(`${kin.url}/profiles/${encodeURIComponent('user_id:ann')}`);
    await expect.poll(() => page.locator('[data-computed-traits] tr[data-key=spend] td').innerText(), { timeout: 60_000 }).toBe('60');
    await expect.poll(() => page.locator('[data-audience-list] li[data-key=big_spenders]').count(), { timeout: 60_000 }).toBe(1);
    await page.locator('[data-profile-audiences]').screenshot({ path: join(SCREENS, 'profile-audiences.png') });
    expect(errors).toEqual([]);
  });
});
