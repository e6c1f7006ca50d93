/**
 * The dashboard's Links page and a profile's clicks in a real Chromium: a link's stats leave out the bot click,
 * and the recipient's click is on the recipient's timeline. Needs the built dashboard (npm run build -w @kin/dashboard).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedLink, RecipientLink } from '@kin/core/api/index.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { until } from '../testing/nats-test-server.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe.skipIf(skipWithoutChromium)('links in the dashboard (Chromium)', () => {
  let kin: TestKin;
  let browser: Browser;
  let link: CreatedLink;

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets, env: { KIN_LINKS_SCANNER_SECONDS: '0' } });
    const post = async <T>(path: string, body: unknown) =>
      (await (
        await kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
      ).json()) as T;
    link = await post<CreatedLink>('/v1/links', { url: 'https://shop.example/spring', key: 'spring-mail', campaignId: 'spring' });
    const { data } = await post<{ data: RecipientLink[] }>(`/v1/links/${link.id}/recipients`, {
      refs: ['email:dora@example.com', 'email:eve@example.com'],
    });
    await fetch(data[0]!.url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    await fetch(data[0]!.url, {
      redirect: 'manual',
      headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
    });
    await until(
      async () => ((await (await kin.admin(`/v1/links/${link.id}/stats`)).json()) as { clicks: number; botClicks: number }).botClicks === 1,
      10_000,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  it('lists the link with its stats (the bot left out) and shows the click on the recipient timeline', async () => {
    const page = await browser.newPage();
    await page.goto(kin.url + '/');
    await page.fill('#token', kin.adminToken);
    await page.click('button[type=submit]');
    await page.getByRole('link', { name: 'Links' }).click();
    const row = page.locator('tr[data-link="spring-mail"]');
    await expect.poll(() => row.locator('[data-stat="clicks"]').innerText()).toBe('1');
    expect(await row.locator('[data-stat="bots"]').innerText()).toBe('1');
    expect(await row.locator('[data-stat="recipients"]').innerText()).toBe('1 / 2');
    expect(await row.innerText()).toContain('spring');
    await page.goto(`${kin.url}/profiles/${encodeURIComponent('email:dora@example.com')}`);
    await expect.poll(() => page.locator('main').innerText(), { timeout: 10_000 }).toContain('Link Clicked');
    await page.close();
  });
});
