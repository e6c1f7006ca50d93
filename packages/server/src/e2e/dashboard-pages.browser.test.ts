/**
 * The reworked dashboard pages in a real Chromium, against one Kin and one browser: search (names in any
 * case, counts, paging, the list and hints of an empty box), deep links whose last segment has dots, the
 * session handed to a new tab (and to no other browser session), the profile summary and explain, timeline
 * filters that reach the server, sessions, the graph's legend, keyboard focus and collapsed types, the
 * overview chart's stable colours, warnings with subject and advice, and the 390 px phone width.
 * Screenshots go to /work/wt/screens (outside the repository).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import { openSignedInDashboard } from '../testing/dashboard-browser.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';

const SCREENS = process.env['KIN_SCREENS_DIR'] ?? '/work/wt/screens';
const FISCHERS = 26;
const BIG_ANON_IDS = 40;

describe.skipIf(skipWithoutChromium)('dashboard pages in Chromium', () => {
  let kin: TestKin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let policyDir = '';
  let errors: string[] = [];
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SCREENS, name), fullPage: true });

  beforeAll(async () => {
    // Room for one profile with 40 anonymous ids (the graph's collapsed layout).
    policyDir = mkdtempSync(join(tmpdir(), 'kin-policy-'));
    writeFileSync(join(policyDir, 'policy.json'), JSON.stringify({ types: { anonymous_id: { limit: 100 } } }));
    kin = await startTestKin({ extra: mountWebAssets, env: { KIN_POLICY: join(policyDir, 'policy.json') } });
    const farid = [
      {
        type: 'identify',
        userId: 'farid-1',
        traits: { firstName: 'Farid', lastName: 'Fischer', email: 'farid@example.com' },
        timestamp: at(180),
      },
      ...[178, 177].map((m, i) => ({
        type: 'track',
        userId: 'farid-1',
        messageId: `farid-mail-${i}`,
        event: 'Email Clicked',
        context: { campaign: { name: 'spring', medium: 'email' } },
        timestamp: at(m),
      })),
      ...Array.from({ length: 30 }, (_, i) => ({
        type: 'page',
        userId: 'farid-1',
        name: `Product ${i}`,
        context: { page: { path: `/p/${i}`, url: `https://shop.example/p/${i}` } },
        timestamp: at(60 - i),
      })),
      ...[29, 28].map((m, i) => ({
        type: 'track',
        userId: 'farid-1',
        event: 'Order Completed',
        properties: { order_id: `o-${i}`, total: i === 0 ? 40 : 60, currency: 'EUR', products: [{ name: 'Boot' }, { name: 'Sock' }] },
        context: { page: { path: '/checkout' } },
        timestamp: at(m),
      })),
      { type: 'screen', userId: 'farid-1', name: 'Home', context: { device: { type: 'ios' } }, timestamp: at(20) },
      // A trait that changed: the page shows the current value and its history.
      { type: 'identify', userId: 'farid-1', traits: { city: 'Köln' }, timestamp: at(170) },
      { type: 'identify', userId: 'farid-1', traits: { city: 'Bonn' }, timestamp: at(30) },
    ];
    const others = [
      ...Array.from({ length: FISCHERS - 1 }, (_, i) => ({
        type: 'identify',
        userId: `fischer-${i}`,
        traits: { firstName: `Anna${i}`, lastName: 'Fischer' },
        timestamp: at(300),
      })),
      {
        type: 'identify',
        userId: 'alice',
        traits: { firstName: 'Alice', lastName: 'Lee', email: 'alice@example.com' },
        timestamp: at(240),
      },
      ...Array.from({ length: BIG_ANON_IDS }, (_, i) => ({
        type: 'track',
        userId: 'big-1',
        anonymousId: `big-anon-${String(i).padStart(2, '0')}`,
        event: 'Visited',
        timestamp: at(200 - i),
      })),
      {
        type: 'identify',
        userId: 'big-1',
        traits: { firstName: 'Bertha', lastName: 'Big', email: 'bertha@example.com' },
        timestamp: at(100),
      },
      // A shared tablet: carl logs in on bob's browser; the anonymous id is refused for carl.
      { type: 'identify', userId: 'bob', anonymousId: 'tablet-1', traits: { firstName: 'Bob' }, timestamp: at(90) },
      { type: 'identify', userId: 'carl', anonymousId: 'tablet-1', traits: { firstName: 'Carl', lastName: 'Kent' }, timestamp: at(80) },
    ];
    for (const batch of [farid, others]) expect((await kin.track('/v1/batch', { batch })).status).toBe(200);

    mkdirSync(SCREENS, { recursive: true });
    // The strictest CSP the dashboard must run under: a violation is a console error, and the last test asserts there were none.
    ({ browser, context, page, errors } = await openSignedInDashboard(kin));
  });

  afterAll(async () => {
    await browser?.close();
    await kin?.close();
    if (policyDir) rmSync(policyDir, { recursive: true, force: true });
  });

  const search = async (q: string) => {
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill(q);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('[data-result-count]').waitFor();
    return Number(await page.locator('[data-result-count]').getAttribute('data-result-count'));
  };
  const resultNames = () => page.locator('.result-link strong').allInnerTexts();

  it('finds people by first name, last name or both, in any case, with a count and pages beyond 20', async () => {
    for (const q of ['farid', 'FARID', 'Farid Fischer', 'farid fisch']) {
      expect(await search(q), q).toBe(1);
      expect(await resultNames()).toEqual(['Farid Fischer']);
    }
    expect(await search('fischer')).toBe(FISCHERS);
    expect(await page.locator('.result').count()).toBe(20);
    await expect.poll(() => page.locator('.pager').innerText()).toContain('page 1 of 2');
    const firstPage = await resultNames();
    await shot('search-results.png');
    await page.getByRole('link', { name: 'Next →' }).click();
    await expect.poll(() => page.locator('.result').count()).toBe(FISCHERS - 20);
    expect(page.url()).toContain('page=2');
    const secondPage = await resultNames();
    expect(new Set([...firstPage, ...secondPage]).size).toBe(FISCHERS);
  });

  it('lists profiles when the box is empty, sorts them, and its hints each find something', async () => {
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.locator('[data-result-count]').waitFor();
    const total = Number(await page.locator('[data-result-count]').getAttribute('data-result-count'));
    expect(total).toBeGreaterThanOrEqual(FISCHERS + 4);
    const newest = await page.locator('.result-link').first().getAttribute('href');
    await page.selectOption('select[name=order]', 'oldest');
    await expect.poll(() => page.locator('.result-link').first().getAttribute('href')).not.toBe(newest);
    await shot('profiles-list.png');
    const hints = await page.locator('[data-hint]').allInnerTexts();
    expect(hints.length).toBeGreaterThanOrEqual(2);
    for (const hint of hints) {
      await page.locator('[data-hint]', { hasText: hint }).first().click();
      await page.locator('[data-result-count]').waitFor();
      expect(Number(await page.locator('[data-result-count]').getAttribute('data-result-count')), hint).toBeGreaterThan(0);
      await page.goBack();
      await page.locator('[data-hint]').first().waitFor();
    }
  });

  it('opens a deep link whose last segment has dots in a new tab, signed in by the open tab, and in no other browser session', async () => {
    const raw = await fetch(kin.url + '/profiles/email:alice@example.com');
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('text/html');
    const tab = await context.newPage();
    await tab.goto(kin.url + '/profiles/email:alice@example.com');
    await tab.getByRole('heading', { name: 'Alice Lee' }).waitFor();
    expect(await tab.evaluate(() => [window.localStorage.length, document.cookie])).toEqual([0, '']);
    expect(tab.url()).not.toContain(kin.adminToken);
    await tab.close();

    const other = await browser.newContext();
    const stranger = await other.newPage();
    await stranger.goto(kin.url + '/profiles/email:alice@example.com');
    await stranger.locator('#token').waitFor();
    expect(await stranger.getByRole('heading', { name: 'Alice Lee' }).count()).toBe(0);
    await other.close();
  });

  it('shows the summary header, why each identifier is here, and full ids', async () => {
    await page.goto(kin.url + '/profiles/' + encodeURIComponent('email:farid@example.com'));
    await page.getByRole('heading', { name: 'Farid Fischer' }).waitFor();
    await expect.poll(() => page.locator('[data-summary="orders"]').innerText()).toBe('2');
    expect(await page.locator('[data-summary="events"]').innerText()).toBe('38');
    expect(await page.locator('[data-summary="revenue"]').innerText()).toBe('€100.00');
    const channels = await page.locator('.summary .chip').evaluateAll((chips) => chips.map((c) => c.getAttribute('data-channel')));
    expect(new Set(channels)).toEqual(new Set(['web', 'email', 'app']));
    const id = await page.locator('.profile-id [data-profile-id]').innerText();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator('[data-identifier="email:farid@example.com"] .why').innerText()).toContain('web');
    expect(await page.locator('[data-identifier="user_id:farid-1"] .why').innerText()).toMatch(/first seen here|beside an identifier/);
    const city = page.locator('[data-trait="city"]');
    expect(await city.innerText()).toContain('Bonn');
    await city.locator('summary').click();
    expect(await city.locator('.trait-history li').allInnerTexts()).toEqual([
      expect.stringMatching(/^Bonn · web/),
      expect.stringMatching(/^Köln · web/),
    ]);
  });

  it('groups the timeline into sessions with inline facts, event time shown and ingest time on hover', async () => {
    await page.locator('.event').first().waitFor();
    expect(await page.locator('.session').count()).toBe(1);
    await page.getByRole('button', { name: 'Load older events' }).click();
    // The email clicks, two hours before the shop visit, are a session of their own.
    await expect.poll(() => page.locator('.session').count()).toBe(2);
    expect(await page.locator('.session').nth(1).locator('.event[data-channel="email"]').count()).toBe(2);
    const order = page.locator('.event', { hasText: 'Order Completed' }).first();
    expect(await order.locator('[data-fact="total"]').innerText()).toMatch(/60 EUR/);
    expect(await order.locator('[data-fact="products"]').innerText()).toContain('Boot, Sock');
    expect(await order.locator('time').getAttribute('title')).toMatch(/event time .*\ningested /);
    await shot('profile.png');
  });

  it('filters the timeline by channel and type on the server, reaching events beyond the loaded page', async () => {
    const request = page.waitForRequest((r) => r.url().includes('/events?') && r.url().includes('channel=email'));
    await page.selectOption('select[name=channel]', 'email');
    expect(new URL((await request).url()).searchParams.get('channel')).toBe('email');
    await expect.poll(() => page.locator('.event').count()).toBe(2);
    expect(await page.locator('.event[data-channel="email"]').count()).toBe(2);
    expect(await page.locator('.event [data-fact="campaign"]').first().innerText()).toContain('spring / email');
    await shot('timeline-email-filter.png');
    const typed = page.waitForRequest((r) => r.url().includes('/events?') && r.url().includes('type=screen'));
    await page.selectOption('select[name=channel]', '');
    await page.selectOption('select[name=type]', 'screen');
    await typed;
    await expect.poll(() => page.locator('.event').count()).toBe(1);
    expect(await page.locator('.event').getAttribute('data-type')).toBe('screen');
  });

  it('draws the graph with a legend and nodes reachable and opened by keyboard', async () => {
    const legend = await page.locator('[data-legend-type]').evaluateAll((items) => items.map((i) => i.getAttribute('data-legend-type')));
    expect(legend).toEqual(['user_id', 'email']);
    expect(await page.locator('[data-legend-edge]').count()).toBe(3);
    const nodes = page.locator('.graph-node');
    await nodes.first().focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node-id'))).toBe('user_id:farid-1');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-node-id'))).toBe('email:farid@example.com');
    await page.keyboard.press('Enter');
    const details = page.getByRole('region', { name: 'Selected identifier' });
    await details.waitFor();
    expect(await details.innerText()).toContain('email:farid@example.com');
    expect(await details.innerText()).toContain('Why here');
    await nodes.first().click();
    await expect.poll(() => details.innerText()).toContain('user_id:farid-1');
  });

  const labelsInside = () =>
    page.evaluate(() => {
      const box = document.querySelector('.graph-svg')!.getBoundingClientRect();
      return [...document.querySelectorAll('.graph-label')]
        .map((l) => l.getBoundingClientRect())
        .filter((r) => r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1).length;
    });

  it(`collapses a profile with ${BIG_ANON_IDS + 2} identifiers into readable groups, labels uncut, and expands on Enter`, async () => {
    await page.goto(kin.url + '/profiles/user_id:big-1');
    await page.getByRole('heading', { name: 'Bertha Big' }).waitFor();
    const group = page.locator('.graph-node.group');
    await group.waitFor();
    expect(await group.locator('text').textContent()).toMatch(/^\+\d+ more anonymous_id$/);
    expect(await page.locator('.graph-node').count()).toBeLessThanOrEqual(12);
    expect(await labelsInside()).toBe(0);
    await shot('graph-collapsed.png');
    await group.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.graph-node').count()).toBe(BIG_ANON_IDS + 2);
    expect(await labelsInside()).toBe(0);
    await page.locator('.graph').screenshot({ path: join(SCREENS, 'graph-expanded.png') });
  });

  it('fits a 390 px phone: no sideways scrolling, graph labels uncut and readable', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [
      '/profiles/user_id:big-1',
      '/profiles/' + encodeURIComponent('email:farid@example.com'),
      '/search?q=fischer',
      '/warnings',
      '/',
    ]) {
      await page.goto(kin.url + path);
      await page.locator('main .page').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBeLessThanOrEqual(0);
      if (path.startsWith('/profiles/')) {
        await page.locator('.graph-svg').waitFor();
        expect(await labelsInside(), path).toBe(0);
        const fontPx = await page
          .locator('.graph-label')
          .first()
          .evaluate((l) => l.getBoundingClientRect().height);
        expect(fontPx, path).toBeGreaterThanOrEqual(9);
      }
    }
    await page.goto(kin.url + '/profiles/' + encodeURIComponent('email:farid@example.com'));
    await page.locator('.graph-svg').waitFor();
    await page.waitForLoadState('networkidle');
    await shot('profile-390.png');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lists each refusal once, and warnings with their subject, repeat count and advice', async () => {
    await page.goto(kin.url + '/profiles/user_id:carl');
    await page.getByRole('heading', { name: 'Carl Kent' }).waitFor();
    await page.locator('[data-refusal]').first().waitFor();
    expect(await page.locator('[data-refusal]').evaluateAll((r) => r.map((x) => x.getAttribute('data-refusal')))).toEqual([
      'anonymous_id:tablet-1',
    ]);
    await page.goto(kin.url + '/warnings?kind=identifier_refused');
    const row = page.locator('tr[data-warning-kind="identifier_refused"]').first();
    await row.waitFor();
    expect(await row.locator('[data-subject-identifier]').innerText()).toBe('anonymous_id:tablet-1');
    expect(await row.getByRole('link').innerText()).toBe('Carl Kent');
    expect(await row.locator('.advice').innerText()).toContain('identity policy');
    await shot('warnings.png');
  });

  it('draws the overview chart with ECharts and keeps each source colour when a source is added', async () => {
    await page.goto(kin.url + '/');
    await page.locator('.chart-box canvas').first().waitFor();
    const colorOf = (name: string) => page.locator('.chart .legend span', { hasText: name }).first().getAttribute('data-source-color');
    const web = await colorOf('web');
    expect(web).toMatch(/^#[0-9a-f]{6}$/);
    await shot('overview.png');
    const created = await kin.admin('/v1/sources', {
      method: 'POST',
      body: JSON.stringify({ name: 'aaa-first' }),
      headers: { 'content-type': 'application/json' },
    });
    const { writeKey } = (await created.json()) as { writeKey: string };
    const basic = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
    expect(
      (await kin.track('/v1/track', { anonymousId: 'new-source-visitor', event: 'Opened' }, { headers: { authorization: basic } })).status,
    ).toBe(200);
    await page.reload();
    await page.locator('.chart .legend span', { hasText: 'aaa-first' }).waitFor();
    expect(await colorOf('web')).toBe(web);
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
  });

  it('signs out every tab of the session when one signs out, and forgets the token', async () => {
    const tab = await context.newPage();
    await tab.goto(kin.url + '/sources');
    await tab.getByRole('heading', { name: 'Sources' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#token').waitFor();
    await tab.getByText('Signed out in another tab.').waitFor();
    expect(await tab.evaluate(() => window.sessionStorage.length)).toBe(0);
    await tab.close();
  });
});
