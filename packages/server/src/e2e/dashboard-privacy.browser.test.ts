/**
 * The dashboard's privacy actions in a real Chromium against a real Kin: a profile's Export, Suppress and
 * Delete each need the identifier typed before they can be sent; the privacy page lists the requests and
 * their progress, and downloads a completed export. The server's answers (404 after the delete, the export's
 * content) are checked through the admin API.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

const ARTIFACTS = new URL('../../../../artifacts/', import.meta.url);

describe.skipIf(skipWithoutChromium)('dashboard privacy actions in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    const person = (userId: string, email: string, name: string) => [
      { type: 'identify', userId, anonymousId: `${userId}-anon`, traits: { firstName: name, email } },
      ...Array.from({ length: 5 }, (_, i) => ({ type: 'track', userId, event: 'Product Viewed', properties: { i } })),
    ];
    const batch = [...person('ann-1', 'ann@example.com', 'Ann'), ...person('ben-1', 'ben@example.com', 'Ben')];
    expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 404/.test(message.text())) errors.push(message.text());
    });
    await page.goto(kin.url + '/');
    await page.fill('#token', kin.adminToken);
    await page.click('button[type=submit]');
    await page.locator('[data-counter="profiles"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  const openProfile = async (ref: string) => {
    await page.goto(`${kin.url}/profiles/${encodeURIComponent(ref)}`);
    await page.locator('.privacy-actions').waitFor();
  };
  /** Opens an action, checks that only the exact identifier enables it, and sends it. */
  const confirmAction = async (label: string, identifier: string) => {
    await page.getByRole('button', { name: `${label}…` }).click();
    const form = page.getByRole('form', { name: `Confirm ${label.toLowerCase()}` });
    const send = form.getByRole('button', { name: `${label} this person` });
    await expect.poll(() => send.isDisabled()).toBe(true);
    await form.getByLabel(/to confirm/).fill(identifier.slice(0, -1));
    expect(await send.isDisabled()).toBe(true);
    await form.getByLabel(/to confirm/).fill(identifier.toUpperCase());
    expect(await send.isDisabled()).toBe(true);
    await form.getByLabel(/to confirm/).fill(identifier);
    await form.getByLabel(/Reason/).fill(`test ${label}`);
    expect(await send.isDisabled()).toBe(false);
    await page.locator('.privacy-actions').screenshot({ path: new URL(`privacy-${label.toLowerCase()}-confirm.png`, ARTIFACTS).pathname });
    await send.click();
    await page.locator('.privacy-actions [role=status]').waitFor();
  };
  const rowOf = (type: string) => page.locator('table.privacy-requests tbody tr', { hasText: type }).first();

  it('export: confirmed by typing the email, listed with its progress, downloaded once completed', async () => {
    await openProfile('email:ann@example.com');
    await confirmAction('Export', 'ann@example.com');
    await page.getByRole('link', { name: 'Follow it on the privacy page' }).click();
    await page.getByRole('heading', { name: 'Privacy requests' }).waitFor();
    const row = rowOf('export');
    await expect.poll(() => row.locator('[data-status]').first().getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    expect(await row.innerText()).toContain('email:ann@example.com');
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      identifiers: Array<{ value: string }>;
      events: unknown[];
    };
    expect(exported.identifiers.map((i) => i.value)).toContain('ann@example.com');
    expect(JSON.stringify(exported)).not.toContain('ben@example.com');
  });

  it('suppress: the request is listed; the person’s new events are dropped at the edge', async () => {
    await openProfile('email:ben@example.com');
    await confirmAction('Suppress', 'ben@example.com');
    await page.goto(kin.url + '/privacy');
    await expect
      .poll(() => rowOf('suppress').locator('[data-status]').first().getAttribute('data-status'), { timeout: 15_000 })
      .toBe('completed');
    const answer = (await (await kin.track('/v1/track', { userId: 'ben-1', event: 'After Suppress' })).json()) as { suppressed?: number };
    expect(answer.suppressed).toBe(1);
  });

  it('delete: confirmed by typing the email; the profile is gone and the privacy page shows it completed', async () => {
    await openProfile('email:ann@example.com');
    await confirmAction('Delete', 'ann@example.com');
    await page.goto(kin.url + '/privacy');
    const row = rowOf('delete');
    await expect.poll(() => row.locator('[data-status]').first().getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('email:ann@example.com'))).status).toBe(404);
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('user_id:ann-1'))).status).toBe(404);
    expect(await page.locator('table.privacy-requests tbody tr').count()).toBe(3);
    // The deleted person is not named (no plain identifier is left to show).
    expect(await row.innerText()).toContain('deleted person');
    expect(await row.innerText()).not.toContain('ann');
    await page.screenshot({ path: new URL('privacy-page.png', ARTIFACTS).pathname, fullPage: true });
    expect(errors).toEqual([]);
  });
});
