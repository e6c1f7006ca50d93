/**
 * The review queue and the profile page's undo and split in a real Chromium against one Kin: a seeded pair renders
 * side by side with its evidence and the effect of an accept; the `a` key accepts (the pair leaves the queue,
 * the two profiles are one); a bulk decision says how many pairs it will decide before it does; and undo on
 * the profile page, after a confirmation listing what moves, separates the two again, and so does a split of chosen identifiers.
 * Needs the built dashboard (`npm run build -w @kin/dashboard`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import type { ReviewQueueBrowser } from '../testing/review-browser.ts';
import { openReviewQueue } from '../testing/review-browser.ts';
import { skipWithoutChromium } from '../testing/chromium-launch.ts';

const SCREENS = process.env['KIN_SCREENS_DIR'] ?? '/work/wt/screens';

describe.skipIf(skipWithoutChromium)('review queue in Chromium', () => {
  let queue: ReviewQueueBrowser;
  let kin: TestKin;
  let page: Page;
  const idOf = (ref: string) => queue.idOf(ref);
  const openCount = () => queue.openCount();

  beforeAll(async () => {
    // Three pairs of anonymous visitors with the same name, queued at 0.97, 0.92 and 0.6 (oldest first).
    const people = [
      ['ann', 'Ann', 'Lee'],
      ['cy', 'Cy', 'Moss'],
      ['dee', 'Dee', 'Park'],
    ] as const;
    queue = await openReviewQueue({
      batch: people.flatMap(([key, firstName, lastName]) => [
        { type: 'identify', anonymousId: `${key}-1`, traits: { firstName, lastName, city: 'Leeds' } },
        { type: 'identify', anonymousId: `${key}-2`, traits: { firstName, lastName } },
        { type: 'track', anonymousId: `${key}-2`, event: 'Viewed' },
      ]),
      runId: 'run-1',
      pairs: people.map(([key], i) => ({
        id: `r-${key}`,
        a: `${key}-1`,
        b: `${key}-2`,
        probability: [0.97, 0.92, 0.6][i]!,
        evidence: [
          { field: 'first_name', level: 'exact', weight: 4 },
          { field: 'city', level: 'missing', weight: 0 },
          { field: 'date_of_birth', level: 'different', weight: -2 },
        ],
        createdAt: `2026-01-01T00:00:0${i}.000Z`,
      })),
    });
    ({ kin, page } = queue);
    mkdirSync(SCREENS, { recursive: true });
  });

  afterAll(() => queue?.close());

  it('shows a seeded pair side by side with per-field evidence, Bayes factors and the effect of an accept', async () => {
    expect(page.url()).toMatch(/\/review$/);
    expect(await openCount()).toBe(3);
    const pair = page.locator('[data-review-id="r-ann"]');
    expect(await pair.locator('[data-probability]').innerText()).toBe('0.970');
    expect(await pair.locator('[data-side="A"]').innerText()).toContain('Ann Lee');
    expect(await pair.locator('[data-side="B"]').innerText()).toContain('anonymous_id:ann-2');
    expect(await pair.locator('[data-evidence="first_name"]').innerText()).toContain('×16.0');
    expect(await pair.locator('[data-evidence="date_of_birth"]').innerText()).toContain('÷4.0');
    await pair.locator('[data-effect="merge"]').waitFor();
    expect(await pair.locator('[data-effect-identifiers]').innerText()).toBe('1');
    await expect.poll(() => pair.locator('[data-effect-events]').innerText(), { timeout: 15_000 }).toMatch(/^[12]$/);
    await page.screenshot({ path: join(SCREENS, 'review-queue.png'), fullPage: true });
    // j/k move the selection without deciding.
    await page.keyboard.press('j');
    await page.locator('[data-review-id="r-cy"]').waitFor();
    await page.keyboard.press('k');
    await page.locator('[data-review-id="r-ann"]').waitFor();
  });

  it('accepts with the a key: the pair leaves the queue and the two profiles are one', async () => {
    expect(await idOf('anonymous_id:ann-1')).not.toBe(await idOf('anonymous_id:ann-2'));
    await page.keyboard.press('a');
    await expect.poll(openCount, { timeout: 15_000 }).toBe(2);
    expect(await page.locator('[data-review-id="r-ann"]').count()).toBe(0);
    await page.locator('[data-review-id="r-cy"]').waitFor();
    expect(await idOf('anonymous_id:ann-1')).toBe(await idOf('anonymous_id:ann-2'));
  });

  it('bulk: says how many open pairs are at or above the score before deciding them', async () => {
    const bulk = page.getByRole('form', { name: 'Bulk decision' });
    await bulk.locator('input[name=minProbability]').fill('0.9');
    await bulk.getByRole('button', { name: 'Review count…' }).click();
    expect(await bulk.locator('[data-bulk-count]').getAttribute('data-bulk-count')).toBe('1');
    expect(await bulk.locator('[data-bulk-count]').innerText()).toContain('Accept 1 open pair with score ≥ 0.9?');
    expect(await idOf('anonymous_id:cy-1')).not.toBe(await idOf('anonymous_id:cy-2'));
    await bulk.getByRole('button', { name: 'Accept 1' }).click();
    await bulk.locator('[data-bulk-decided="1"]').waitFor();
    await expect.poll(openCount, { timeout: 15_000 }).toBe(1);
    expect(await idOf('anonymous_id:cy-1')).toBe(await idOf('anonymous_id:cy-2'));
    await page.locator('[data-review-id="r-dee"]').waitFor();
  });

  it('undoes the accepted merge from the profile page after a confirmation that lists what moves', async () => {
    const merged = await idOf('anonymous_id:ann-1');
    await page.goto(`${kin.url}/profiles/${merged}`);
    const row = page.locator('[data-merge-id]').first();
    await row.getByRole('button', { name: 'Undo…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Undo this merge' });
    await page.screenshot({ path: join(SCREENS, 'undo-confirm.png'), fullPage: true });
    const moving = await dialog.locator('[data-moves]').innerText();
    expect(moving.trim().split('\n')).toHaveLength(1);
    expect(moving).toMatch(/anonymous_id:ann-[12]/);
    await dialog.getByRole('button', { name: 'Undo this merge' }).click();
    await page.locator('[data-separated]').waitFor();
    expect(await idOf('anonymous_id:ann-1')).not.toBe(await idOf('anonymous_id:ann-2'));
  });

  it('splits a profile: the ticked identifier moves to a new profile after a confirmation', async () => {
    const merged = await idOf('anonymous_id:cy-1');
    await page.goto(`${kin.url}/profiles/${merged}`);
    await page.getByText('Split this profile…').click();
    await page.locator('input[name=split][value="anonymous_id:cy-2"]').check();
    await page.getByRole('button', { name: 'Split…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Split this profile' });
    expect((await dialog.locator('[data-moves]').innerText()).trim()).toBe('anonymous_id:cy-2');
    expect(await dialog.innerText()).toContain('1 stays: anonymous_id:cy-1');
    await dialog.getByRole('button', { name: 'Split this profile' }).click();
    await page.locator('[data-separated]').waitFor();
    expect(await idOf('anonymous_id:cy-1')).not.toBe(await idOf('anonymous_id:cy-2'));
    expect(queue.errors).toEqual([]);
  });
});
