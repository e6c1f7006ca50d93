/**
 * The Orchestration page's step diagram in a real Chromium (strict CSP) against a real server: a published
 * cart journey (wait → branch on VIP → reminder → VIP offer, an exit rule and a goal) fed real events through
 * the tracking API, a real webhook receiver for push. The diagram shows the trigger, every step and the end,
 * each with the counts `GET /v1/journeys/{key}/steps` answers: shoppers waiting, exits and goals in the wait,
 * how many went each way at the branch, each send's decisions by reason; and it follows the journey live as the clock moves and reminders go out.
 * Screenshot to /work/wt/screens.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyStepCounts } from '@kin/core/api/index.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import { fixedClock } from '../ports/clock.ts';
import { openSignedInDashboard } from '../testing/dashboard-browser.ts';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import { adminJson, startTestKin } from '../testing/kin-harness.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { until } from '../testing/nats-test-server.ts';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';

const SCREENS = process.env['KIN_SCREENS_DIR'] ?? '/work/wt/screens';

const JOURNEY = {
  key: 'cart-steps',
  name: 'Abandoned cart',
  trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
  exit: [{ event: 'Cart Emptied', match: { 'properties.cart_id': '{{trigger.properties.cart_id}}' } }],
  steps: [
    { wait: '1 hour' },
    { branch: { if: { path: 'traits.vip', equals: true }, then: 'vip' } },
    { send: { message: 'reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['push'] } },
    { id: 'vip', send: { message: 'vip-offer', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['push'] } },
  ],
  goal: { event: 'Order Completed', within: '1 day' },
};

describe.skipIf(skipWithoutChromium)('journey step diagram in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const clock = fixedClock('2026-06-01T12:00:00.000Z');
  const steps = async () => (await (await kin.admin('/v1/journeys/cart-steps/steps')).json()) as JourneyStepCounts;
  const track = async (batch: Array<Record<string, unknown>>) => expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
  const cart = (user: string) => ({ type: 'track', userId: user, event: 'Product Added', properties: { cart_id: `cart-${user}` } });

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    kin = await startTestKin({ clock, extra: mountWebAssets, env: { KIN_MESSAGING_POLL_MS: '20' } });
    const push = await adminJson(kin, '/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'diagram-secret-0' });
    await adminJson(kin, '/v1/messaging/policy', { channels: { push: { destination: push.id, consent: 'opt_in' } } }, 'PUT');
    await adminJson(kin, '/v1/journeys', JOURNEY);
    await adminJson(kin, '/v1/journeys/cart-steps/publish', {});

    // u1–u3 regular shoppers, u4 a VIP, u5 gave no consent; u6 buys and u7 empties the cart within the wait.
    const consent = { consent: { categoryPreferences: { push: true } } };
    const people = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    await track(
      people.map((u) => ({
        type: 'identify',
        userId: u,
        traits: { pushToken: `tok-${u}`, ...(u === 'u4' ? { vip: true } : {}) },
        ...(u === 'u5' ? {} : { context: consent }),
      })),
    );
    await track(people.map(cart));
    await until(async () => (await steps()).entered === 7, 20_000);
    await track([
      { type: 'track', userId: 'u6', event: 'Order Completed', properties: { cart_id: 'cart-u6' } },
      { type: 'track', userId: 'u7', event: 'Cart Emptied', properties: { cart_id: 'cart-u7' } },
    ]);
    await until(async () => Object.keys((await steps()).steps[0]!.ended).length === 2, 20_000);
    clock.advance(61 * 60_000);
    await until(async () => (await steps()).completed === 5, 20_000);
    // Two more carts: waiting in the wait when the page opens.
    await track(['u8', 'u9'].map((u) => ({ type: 'identify', userId: u, traits: { pushToken: `tok-${u}` }, context: consent })));
    await track([cart('u8'), cart('u9')]);
    await until(async () => (await steps()).steps[0]!.now === 2, 20_000);
    ({ browser, page, errors } = await openSignedInDashboard(kin));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
    await hooks?.close();
  });

  const node = (selector: string) => page.locator(`[data-diagram="cart-steps"] ${selector}`);
  const n = async (selector: string) => Number((await node(`${selector} .flow-n`).first().innerText()).replace(/\D/g, ''));

  it('shows the trigger, each step and the end with the counts of the steps endpoint', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orchestration' }).click();
    await page.locator('tr[data-journey="cart-steps"] a[data-diagram-link]').click();
    await expect.poll(() => page.url()).toContain('/orchestration?journey=cart-steps');
    await node('[data-node="end"]').waitFor();
    const api = await steps();

    expect(await node('[data-node="trigger"]').innerText()).toContain('Product Added');
    expect(await n('[data-node="trigger"] [data-stat="entered"]')).toBe(9);
    expect(api.entered).toBe(9);
    // trigger → wait → branch → send → send → end, in order.
    expect(await node('li[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual([
      'wait',
      'branch',
      'send',
      'send',
    ]);

    // The wait: two shoppers in it, one ended by the goal and one by the exit rule.
    const wait = '[data-step="0"]';
    expect(await node(wait).innerText()).toContain('wait 1 hour');
    expect(await n(`${wait} [data-stat="now"]`)).toBe(2);
    expect(await n(`${wait} [data-stat="ended-goal"]`)).toBe(1);
    expect(await n(`${wait} [data-stat="ended-exit_rule"]`)).toBe(1);
    expect(api.steps[0]).toMatchObject({ now: 2, ended: { goal: 1, exit_rule: 1 } });

    // The branch says where each side goes, and how many went each way: u4 (the VIP) then, u1–u3 and u5 else.
    expect(await node('[data-step="1"] [data-branch]').innerText()).toBe('if traits.vip = true: step 4 (vip); else step 3');
    expect(await n('[data-step="1"] [data-stat="then"]')).toBe(1);
    expect(await n('[data-step="1"] [data-stat="else"]')).toBe(4);
    expect(await node('[data-step="1"] [data-stat="then"]').innerText()).toBe('1 then → step 4 (vip)');
    expect(api.steps[1]).toMatchObject({ kind: 'branch', branch: { then: 1, else: 4 } });

    // Each send's decisions by reason, as the API counts them.
    const reasons = async (step: number) =>
      Object.fromEntries(
        await node(`[data-step="${step}"] [data-outcome]`).evaluateAll((els) =>
          els.map((e) => [e.getAttribute('data-outcome'), Number(e.querySelector('.flow-n')?.textContent ?? 'NaN')]),
        ),
      );
    expect(await reasons(2)).toEqual({ sent: 3, skipped_consent: 1 });
    expect(await reasons(3)).toEqual({ sent: 1, skipped_duplicate: 3, skipped_consent: 1 });
    expect(await reasons(2)).toEqual(api.steps[2]!.decisions);
    expect(await reasons(3)).toEqual(api.steps[3]!.decisions);
    expect(await node('[data-step="3"] [data-outcome="skipped_duplicate"]').innerText()).toContain('duplicate (already sent)');

    const end = '[data-node="end"]';
    expect(await n(`${end} [data-stat="completed"]`)).toBe(5);
    expect(await n(`${end} [data-stat="exit-rule"]`)).toBe(1);
    expect(await n(`${end} [data-stat="goal"]`)).toBe(1);
  });

  it('follows the journey live: the waiting shoppers get their reminders', async () => {
    clock.advance(61 * 60_000);
    await until(async () => (await steps()).completed === 7, 20_000);
    await expect.poll(() => n('[data-step="0"] [data-stat="now"]'), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => n('[data-step="2"] [data-outcome="sent"]'), { timeout: 15_000 }).toBe(5);
    await expect.poll(() => n('[data-step="1"] [data-stat="else"]'), { timeout: 15_000 }).toBe(6);
    expect((await steps()).steps[1]!.branch).toEqual({ then: 1, else: 6 });
    expect(await n('[data-node="end"] [data-stat="completed"]')).toBe(7);
    expect(hooks.received.length).toBe(6);
    mkdirSync(SCREENS, { recursive: true });
    await page.screenshot({ path: join(SCREENS, 'journey-diagram.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
