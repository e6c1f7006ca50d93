/**
 * The dashboard in a real Chromium for browser tests: served under the strictest CSP it must run under (no inline
 * script or style: a violation is a console error, collected in `errors`), signed in with the admin token.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium-launch.ts';
import type { TestKin } from './kin-harness.ts';

/** A signed-in dashboard. */
export interface DashboardBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors so far. */
  errors: string[];
}

/** Launches Chromium, opens the dashboard of `kin` and signs in; waits for the overview. */
export async function openSignedInDashboard(kin: TestKin, options: { acceptDownloads?: boolean } = {}): Promise<DashboardBrowser> {
  const errors: string[] = [];
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...(options.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  await context.route(
    (url) => !url.pathname.startsWith('/v1/'),
    async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      if ((headers['content-type'] ?? '').includes('text/html'))
        headers['content-security-policy'] = "default-src 'self'; img-src 'self' data:; connect-src 'self'";
      await route.fulfill({ response, headers });
    },
  );
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(kin.url + '/');
  await page.fill('#token', kin.adminToken);
  await page.click('button[type=submit]');
  await page.locator('[data-counter="profiles"]').waitFor();
  return { browser, context, page, errors };
}

/** Signs in to the dashboard at `url` with `token` in a context of its own; waits for the shell (the token's name). */
export async function signInWithToken(
  browser: Browser,
  url: string,
  token: string,
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url + '/');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('[data-token-name]').waitFor();
  return page;
}
