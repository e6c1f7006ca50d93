/** The click queue over the real group-commit ingestor and an in-memory SQLite store. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import { memoryLogger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { prepareOne } from '../pipeline/event-apply.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import type { ClickQueueLimits } from './link-click-queue.ts';
import { CLICK_GATHER_MS, createClickQueue } from './link-click-queue.ts';
import type { LinkHit } from './link-events.ts';
import { hitEvent } from './link-events.ts';
import { hitPayload, hitSubmission } from './link-prepare.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const event = (i: number): TrackingEvent => ({
  type: 'track',
  event: 'Link Clicked',
  messageId: `click-${i}`,
  anonymousId: `a-${i}`,
  timestamp: '2026-05-01T10:00:00.000Z',
  receivedAt: '2026-05-01T10:00:00.000Z',
});

/** A queue of plain events, submitted whole under the links source. */
const eventQueue = (options: ClickQueueLimits & { ingestor: Ingestor }) =>
  createClickQueue<TrackingEvent>({ ...options, submission: (events) => ({ sourceId: LINKS_SOURCE_ID, events }) });

async function setup(refusals: number): Promise<{ ingestor: Ingestor; submits: () => number }> {
  store = await openSqliteStore({ path: ':memory:' });
  const real = createGroupCommitIngestor({ store, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  let submits = 0;
  // The real ingestor behind a gate that answers the first submissions the way an overloaded one does.
  const ingestor: Ingestor = {
    submit: async (submission) => {
      submits++;
      if (submits <= refusals) throw new Error('overloaded');
      return real.submit(submission);
    },
    warn: (warnings) => real.warn(warnings),
    close: () => real.close(),
  };
  return { ingestor, submits: () => submits };
}

describe('click queue', () => {
  it('answers at once, gathers clicks into few submissions, and drain waits until every one is stored', async () => {
    const { ingestor, submits } = await setup(0);
    const queue = eventQueue({ ingestor, logger: memoryLogger() });
    for (let i = 0; i < 1200; i++) queue.push(event(i));
    expect(queue.pending()).toBe(1200);
    await queue.drain();
    expect(queue.pending()).toBe(0);
    expect(submits()).toBeLessThanOrEqual(3);
    expect((await store!.stats()).events).toBe(1200);
  });

  it('submits what gathered on its own, without a drain: every click is stored well within a second', async () => {
    const { ingestor, submits } = await setup(0);
    const queue = eventQueue({ ingestor, logger: memoryLogger() });
    const pushedAt = Date.now();
    for (let i = 0; i < 5; i++) queue.push(event(i));
    expect(submits()).toBe(0);
    while ((await store!.stats()).events < 5 && Date.now() - pushedAt < 5_000) await new Promise((r) => setTimeout(r, 5));
    // The gather window is the only wait: a twentieth of the second (bench:links measures the whole path).
    expect(Date.now() - pushedAt).toBeLessThan(1_000);
    expect(submits()).toBe(1);
    expect(queue.pending()).toBe(0);
    expect(CLICK_GATHER_MS).toBeLessThanOrEqual(100);
  });

  it('retries refused submissions until they are stored, and close drains', async () => {
    const { ingestor } = await setup(2);
    const logger = memoryLogger();
    const queue = eventQueue({ ingestor, logger, retryMs: 5 });
    for (let i = 0; i < 10; i++) queue.push(event(i));
    await queue.close();
    expect(queue.lost()).toBe(0);
    expect((await store!.stats()).events).toBe(10);
    expect(logger.lines.some((l) => l.includes('retrying'))).toBe(true);
    queue.push(event(99));
    expect(queue.lost()).toBe(1);
  });

  it('counts what it cannot hold as lost instead of growing without bound', async () => {
    const { ingestor } = await setup(0);
    const queue = eventQueue({ ingestor, logger: memoryLogger(), maxPending: 5 });
    for (let i = 0; i < 8; i++) queue.push(event(i));
    expect(queue.lost()).toBe(3);
    await queue.drain();
    expect((await store!.stats()).events).toBe(5);
  });

  it('hands the ingestor the events of its hits, made when it submits: prepared with their texts under hitSubmission', async () => {
    const { ingestor } = await setup(1);
    const seen: Array<Parameters<Ingestor['submit']>[0]> = [];
    const watching: Ingestor = { ...ingestor, submit: (submission) => (seen.push(submission), ingestor.submit(submission)) };
    const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
    const link = { id: 'l-1', code: 'sale', url: 'https://shop.example/', tags: [], createdAt: '2026-05-01T10:00:00.000Z' };
    const hit = (i: number): LinkHit => ({
      clickId: `click-${i}`,
      kind: 'get',
      link,
      at: '2026-05-01T10:00:00.000Z',
      token: 'valid',
      machine: undefined,
      recipient: { id: `r-${i}`, ref: { type: 'email', value: `ann-${i}@example.com` } },
    });
    const queue = createClickQueue({
      ingestor: watching,
      logger: memoryLogger(),
      retryMs: 5,
      submission: hitSubmission((e) => prepareOne(e, LINKS_SOURCE_ID, deps, undefined)),
    });
    for (let i = 0; i < 3; i++) queue.push(hit(i));
    await queue.drain();
    // The first submission was refused: the retry is made again from the same hits, the same texts.
    expect(seen).toHaveLength(2);
    for (const submission of seen) {
      expect(submission.events).toEqual([0, 1, 2].map((i) => hitEvent(hit(i))));
      expect(submission.prepared?.payloads).toEqual([0, 1, 2].map((i) => hitPayload(hit(i))));
      expect(submission.prepared?.events.map((p) => p.identifiers)).toEqual(
        [0, 1, 2].map((i) => [{ type: 'email', value: `ann-${i}@example.com` }]),
      );
    }
    expect((await store!.stats()).events).toBe(3);
    expect(hitSubmission()([hit(0)])).toEqual({ sourceId: LINKS_SOURCE_ID, events: [hitEvent(hit(0))] });
  });
});
