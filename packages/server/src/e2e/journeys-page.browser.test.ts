/**
 * The dashboard's Journeys page in a real Chromium under the strict CSP: seeded journeys sent through the
 * tracking API, then the funnel chart (stitched and unstitched bars), the Sankey, the attribution table with the
 * difference stitching makes, "why this conversion", and a CSV export. Screenshot to /work/wt/screens.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJourneys } from '../demo/journey-data.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import { openSignedInDashboard } from '../testing/dashboard-browser.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';

const SCREENS = process.env['KIN_SCREENS_DIR'] ?? '/work/wt/screens';

describe.skipIf(skipWithoutChromium)('Journeys page in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const journeys = generateJourneys({ seed: 3, shoppers: 80, start: new Date(Date.now() - 40 * 86_400_000), days: 10 });

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    const events = journeys.events.map((e) => e.event);
    for (let i = 0; i < events.length; i += 500)
      expect((await kin.track('/v1/batch', { batch: events.slice(i, i + 500) })).status).toBe(200);
    ({ browser, page, errors } = await openSignedInDashboard(kin, { acceptDownloads: true }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  it('measures the funnel, paths and attribution with and without stitching, and exports CSV', async () => {
    await page.getByRole('link', { name: 'Journeys' }).click();
    await page.getByRole('button', { name: 'Measure' }).click();
    await page.locator('[data-table=funnel]').waitFor();
    await expect.poll(() => page.locator('[data-chart=funnel] canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-chart=paths] canvas').count()).toBeGreaterThan(0);
    const funnelRows = await page.locator('[data-table=funnel] tbody tr').count();
    expect(funnelRows).toBe(5);
    const lastRow = await page.locator('[data-table=funnel] tbody tr').last().locator('td').allInnerTexts();
    expect(Number(lastRow[2])).toBeGreaterThan(Number(lastRow[4]));
    const direct = async (unit: string) => parseFloat(await page.locator(`[data-direct=${unit}]`).innerText());
    expect(await direct('profile')).toBeLessThan(await direct('anonymous_id'));
    expect(await page.locator('[data-table=attribution] tbody tr').count()).toBeGreaterThan(7);

    const download = page.waitForEvent('download');
    await page.locator('[data-csv=attribution]').click();
    const file = await (await download).path();
    expect(readFileSync(file, 'utf8').split('\r\n')[0]).toBe(
      'model,value,conversions (stitched),revenue (stitched),conversions (unstitched),revenue (unstitched),difference',
    );
  });

  it('explains why a conversion is credited: touches and the links that tied them to the buyer', async () => {
    // An app purchase whose touches only stitching finds (the API says which; the page must show the same).
    let messageId = '';
    for (const e of journeys.events.filter((x) => x.source === 'ios' && x.event['event'] === 'Order Completed')) {
      const answer = (await (await kin.admin(`/v1/analytics/attribution/conversions/${String(e.event['messageId'])}`)).json()) as {
        touches: unknown[];
      };
      if (answer.touches.length > 0) {
        messageId = String(e.event['messageId']);
        break;
      }
    }
    expect(messageId).not.toBe('');
    await page.fill('#why-message', messageId);
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.locator('[data-table=conversion]').waitFor();
    expect(await page.locator('[data-section=why]').innerText()).toContain('0 on its own anonymous id');
    expect(await page.locator('[data-table=conversion] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-table=conversion] tbody').innerText()).toMatch(/merge|same profile/);
    mkdirSync(SCREENS, { recursive: true });
    await page.screenshot({ path: join(SCREENS, 'journeys.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
