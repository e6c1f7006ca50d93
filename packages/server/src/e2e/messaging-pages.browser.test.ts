/**
 * The dashboard's Orchestration (journeys) and Deliveries pages in a real Chromium: a journey's live counts,
 * pause and resume; the outbox per destination and status, a count that filters the list, a failed delivery's
 * last answer and its retry; an analytics:read token sees both pages without any action button.
 * Needs the built dashboard (npm run build -w @kin/dashboard).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope, IssuedToken } from '@kin/core/api/access-api.ts';
import type { Delivery, Journey, JourneyStats } from '@kin/core/api/index.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { until } from '../testing/nats-test-server.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

describe.skipIf(skipWithoutChromium)('journeys and deliveries in the dashboard (Chromium)', () => {
  let kin: TestKin;
  let browser: Browser;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let push: string;

  const json = async <T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> => {
    const res = await kin.admin(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    // u1's push is refused for good (400): one failed delivery with its last answer.
    hooks = await startWebhookReceiver((hook) => ((JSON.parse(hook.body) as { userId?: string }).userId === 'u1' ? 400 : 200));
    kin = await startTestKin({ extra: mountWebAssets, env: { KIN_MESSAGING_POLL_MS: '20' } });
    push = (await json<{ id: string }>('/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'pages-secret-0' })).id;
    await json('/v1/messaging/policy', { channels: { push: { destination: push, consent: 'opt_in' } } }, 'PUT');
    await json('/v1/journeys', {
      key: 'welcome',
      trigger: { event: 'Signed Up' },
      steps: [{ send: { message: 'welcome', dedupeKey: 'welcome', channels: ['push'] } }],
    });
    await json('/v1/journeys/welcome/publish', {});
    const consent = { consent: { categoryPreferences: { push: true } } };
    for (const i of [1, 2, 3]) {
      expect((await kin.track('/v1/identify', { userId: `u${i}`, traits: { pushToken: `tok-${i}` }, context: consent })).status).toBe(200);
      expect((await kin.track('/v1/track', { userId: `u${i}`, event: 'Signed Up' })).status).toBe(200);
    }
    await until(
      async () =>
        (await json<{ data: Delivery[] }>(`/v1/deliveries?destination=${push}&limit=10`)).data.filter(
          (d) => d.status === 'delivered' || d.status === 'failed',
        ).length === 3,
      20_000,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
    await hooks?.close();
  });

  const signIn = async (token: string): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(kin.url + '/');
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.locator('[data-token-name]').waitFor();
    return page;
  };

  it('shows a journey with its outline and counts, and pauses and resumes it', async () => {
    const page = await signIn(kin.adminToken);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orchestration' }).click();
    const row = page.locator('tr[data-journey="welcome"]');
    await expect.poll(() => row.locator('[data-stat="entered"]').innerText()).toBe('3');
    expect(await row.locator('[data-stat="sent"]').innerText()).toBe('3');
    expect(await row.innerText()).toContain('Signed Up → send welcome (push)');
    expect(await row.locator('[data-reasons]').innerText()).toBe('Decisions: sent 3');
    const status = () => row.locator('[data-status]').getAttribute('data-status');
    expect(await status()).toBe('published');

    await row.locator('button[data-action="pause"]').click();
    await expect.poll(status).toBe('paused');
    expect((await json<Journey>('/v1/journeys/welcome')).status).toBe('paused');
    await row.locator('button[data-action="resume"]').click();
    await expect.poll(status).toBe('published');
    expect((await json<Journey>('/v1/journeys/welcome')).status).toBe('published');
    expect((await json<JourneyStats>('/v1/journeys/welcome/stats')).decisions.sent).toBe(3);
  });

  it('counts deliveries per destination and status, filters by a count, and retries a failed delivery', async () => {
    const page = await signIn(kin.adminToken);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deliveries' }).click();
    const summary = page.locator(`[data-summary] tr[data-destination="${push}"]`);
    await expect.poll(() => summary.locator('[data-count="delivered"]').innerText()).toBe('2');
    expect(await summary.locator('[data-count="failed"]').innerText()).toBe('1');
    expect(await summary.innerText()).toContain(`webhook · ${hooks.url}`);
    // Kin's own timeline entries (Message Decided) are deliveries too.
    expect(await page.locator('[data-summary] tr[data-destination="kin:timeline"]').innerText()).toContain('Kin timeline');

    await summary.locator('[data-count="failed"] a').click();
    await expect.poll(() => page.url()).toContain(`/deliveries?status=failed&destination=${encodeURIComponent(push)}`);
    const rows = page.locator('[data-deliveries] tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const failed = rows.first();
    expect(await failed.locator('[data-last-error]').innerText()).toContain('400');
    expect(await failed.locator('[data-attempts]').innerText()).toBe('1');
    const id = (await failed.getAttribute('data-delivery')) ?? '';

    // Retried: back in the queue, and the receiver is asked again.
    const before = hooks.received.length;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => failed.getAttribute('data-status')).not.toBe('failed');
    await until(async () => hooks.received.length > before, 10_000);
    expect(hooks.received.at(-1)?.headers['idempotency-key']).toBe(id);

    // The status filter alone.
    await page.selectOption('select[name="destination"]', '');
    await page.selectOption('select[name="status"]', 'delivered');
    await expect.poll(() => page.url()).toContain('/deliveries?status=delivered');
    await expect
      .poll(
        async () =>
          new Set(await page.locator('[data-deliveries] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status'))))
            .size,
      )
      .toBe(1);
    expect(await page.locator('[data-deliveries] tbody tr').first().getAttribute('data-status')).toBe('delivered');
  });

  it('an analytics:read token sees both pages and no action', async () => {
    const res = await kin.admin('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'analyst', scopes: ['analytics:read'] satisfies AccessScope[] }),
      headers: { 'content-type': 'application/json' },
    });
    const page = await signIn(((await res.json()) as IssuedToken).secret);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orchestration' }).click();
    const row = page.locator('tr[data-journey="welcome"]');
    await expect.poll(() => row.locator('[data-stat="sent"]').innerText()).toBe('3');
    expect(await row.locator('button').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deliveries' }).click();
    await page.locator('[data-deliveries] tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
  });
});
