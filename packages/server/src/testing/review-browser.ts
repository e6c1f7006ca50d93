/**
 * The review queue of one Kin in a real Chromium, for the review browser tests (tests only). Why one module:
 * each review test started Kin with the dashboard, ingested a batch, looked up the profile ids of its pairs,
 * queued them and signed in to the review page the same way.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { DashboardBrowser } from './dashboard-browser.ts';
import { openSignedInDashboard } from './dashboard-browser.ts';
import type { TestKin } from './kin-harness.ts';
import { startTestKin } from './kin-harness.ts';

/** A pair to queue: the profiles holding anonymous ids `a` and `b`, with the review item's own fields. */
export interface QueuedPair extends Pick<ReviewItem, 'id' | 'probability' | 'evidence' | 'createdAt'> {
  a: string;
  b: string;
}

/** Kin and the signed-in review page, with the two reads every review test asks. */
export interface ReviewQueueBrowser extends DashboardBrowser {
  kin: TestKin;
  /** The profile id `ref` resolves to, asked over the admin API. */
  idOf: (ref: string) => Promise<string>;
  /** The open pairs the page says the queue holds. */
  openCount: () => Promise<number>;
  close: () => Promise<void>;
}

/**
 * Starts Kin with the dashboard, ingests `batch` (it must create every anonymous id of `pairs`), queues
 * `pairs` as open items of run `runId` and opens the review page, signed in, once it shows a pair.
 */
export async function openReviewQueue(options: {
  batch: object[];
  runId: string;
  pairs: readonly QueuedPair[];
  /** Kin's environment (`KIN_POLICY`…). */
  env?: Record<string, string>;
}): Promise<ReviewQueueBrowser> {
  const kin = await startTestKin({ extra: mountWebAssets, ...(options.env ? { env: options.env } : {}) });
  let browser: DashboardBrowser | undefined;
  try {
    expect((await kin.track('/v1/batch', { batch: options.batch })).status).toBe(200);
    const store = kin.kin.store;
    const profileOf = async (value: string): Promise<string> => {
      const id = await store.findProfileIdByIdentifier({ type: 'anonymous_id', value });
      if (!id) throw new Error(`no profile holds anonymous_id:${value}`);
      return id;
    };
    const items: ReviewItem[] = [];
    for (const pair of options.pairs) {
      const [aProfile, bProfile] = await Promise.all([profileOf(pair.a), profileOf(pair.b)]);
      items.push({
        id: pair.id,
        runId: options.runId,
        aProfile,
        bProfile,
        probability: pair.probability,
        reason: 'below-link-threshold',
        evidence: pair.evidence,
        status: 'open',
        createdAt: pair.createdAt,
      });
    }
    await store.matching.addReviewItems(items);
    browser = await openSignedInDashboard(kin);
    const page: Page = browser.page;
    await page.getByRole('link', { name: 'Review' }).click();
    await page.locator('[data-review-id]').waitFor();
    const opened = browser;
    return {
      ...opened,
      kin,
      idOf: async (ref) => ((await (await kin.admin(`/v1/profiles/${encodeURIComponent(ref)}`)).json()) as { id: string }).id,
      openCount: async () => Number(await page.locator('[data-open-count]').getAttribute('data-open-count')),
      close: async () => {
        await opened.browser.close();
        await kin.close();
      },
    };
  } catch (error) {
    await browser?.browser.close();
    await kin.close();
    throw error;
  }
}
