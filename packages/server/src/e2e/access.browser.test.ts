/**
 * The dashboard with scoped tokens in a real Chromium: the sign-in page takes any token, asks
 * `GET /v1/tokens/self` for its scopes, and shows only the pages and actions they allow — a profiles:read token
 * sees profiles but no overview, sources or create button; an analytics:read token sees sources but cannot
 * create one; the admin token can.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope, IssuedToken } from '@kin/core/api/access-api.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { signInWithToken } from '../testing/dashboard-browser.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

describe.skipIf(skipWithoutChromium)('dashboard with scoped tokens', () => {
  let kin: TestKin;
  let browser: Browser;

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    expect((await kin.track('/v1/identify', { userId: 'ann-1', traits: { name: 'Ann Example', email: 'ann@example.com' } })).status).toBe(
      200,
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  const mint = async (name: string, scopes: AccessScope[]): Promise<string> => {
    const res = await kin.admin('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ name, scopes }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as IssuedToken).secret;
  };

  const signIn = (token: string): Promise<Page> => signInWithToken(browser, kin.url, token);
  const navLabels = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

  it('a profiles:read token sees profiles and warnings, not the overview, sources or a create button', async () => {
    const page = await signIn(await mint('support desk', ['profiles:read']));
    expect(await page.locator('[data-token-name]').textContent()).toBe('support desk');
    const nav = await navLabels(page);
    expect(nav).toEqual(expect.arrayContaining(['Profiles', 'Warnings']));
    for (const hidden of ['Overview', 'Sources', 'Privacy']) expect(nav).not.toContain(hidden);
    // The home page falls back to the profile list.
    await page.getByText('Ann Example').first().waitFor();
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('ann@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.result-link').first().click();
    await page.getByText('ann@example.com').first().waitFor();
    await page.goto(kin.url + '/sources');
    await page.getByText('it needs the analytics:read scope').waitFor();
    expect(await page.getByRole('button', { name: 'Create' }).count()).toBe(0);
    await page.context().close();
  });

  it('an analytics:read token sees sources but no create or revoke; the admin token sees both', async () => {
    const reader = await signIn(await mint('dashboards', ['analytics:read']));
    // Pages other lanes add appear by their own scopes; these are the ones this test is about.
    const readerNav = await navLabels(reader);
    expect(readerNav).toEqual(expect.arrayContaining(['Overview', 'Sources']));
    for (const hidden of ['Profiles', 'Warnings', 'Privacy']) expect(readerNav).not.toContain(hidden);
    expect(await reader.getByRole('searchbox', { name: 'Search profiles' }).count()).toBe(0);
    await reader.getByRole('link', { name: 'Sources' }).click();
    await reader.getByRole('cell', { name: 'web' }).waitFor();
    expect(await reader.getByRole('button', { name: 'Create' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    await reader.context().close();

    const admin = await signIn(kin.adminToken);
    expect(await navLabels(admin)).toEqual(expect.arrayContaining(['Overview', 'Profiles', 'Sources', 'Warnings', 'Privacy']));
    await admin.getByRole('link', { name: 'Sources' }).click();
    await admin.getByRole('button', { name: 'Create' }).waitFor();
    expect(await admin.getByRole('button', { name: 'Revoke' }).count()).toBeGreaterThan(0);
    await admin.context().close();
  });

  it('a revoked token is signed out with a reason', async () => {
    const secret = await mint('short-lived', ['profiles:read']);
    const page = await signIn(secret);
    const list = (await (await kin.admin('/v1/tokens')).json()) as { data: Array<{ id: string; name: string }> };
    await kin.admin(`/v1/tokens/${list.data.find((t) => t.name === 'short-lived')!.id}`, { method: 'DELETE' });
    await page.getByRole('link', { name: 'Warnings' }).click();
    await page.getByText('The token was refused').waitFor();
    await page.locator('#token').waitFor();
    await page.context().close();
  });
});
