/**
 * Hands link events to the ingestor without making the redirect wait. Why not await the write: a click's
 * answer is a redirect, not a promise that the click was recorded, and the embedded write path acknowledges
 * after a shared fdatasync (milliseconds) that the shopper should not wait for. What it costs: a click is in
 * memory until its submission settles (group commit: a few milliseconds), so a crash (`kill -9`) can lose
 * the clicks of that window; a graceful stop (`close`) waits for every one. Nothing is dropped on overload:
 * a refused submission is retried with backoff (up to `MAX_ATTEMPTS`), and past `maxPending` waiting events
 * new ones are counted as lost (and logged), so memory stays bounded.
 */
import type { Ingestor, Submission } from '../pipeline/ingest-port.ts';
import type { Logger } from '../ports/logger.ts';
import type { LinkHit } from './link-events.ts';

/**
 * How long clicks gather before one submission (ms). Why 50: each submission is a message to the writer
 * thread, a wake-up of both threads and a share of a transaction and its fdatasync; at a thousand clicks a
 * second a 10 ms window made a hundred of each per second. 50 ms is a twentieth of the second in which a click
 * must be visible.
 */
export const CLICK_GATHER_MS = 50;

/** Attempts per submission (about 40 s of backoff) before its events are counted as lost. */
const MAX_ATTEMPTS = 10;

/** The queue of link hits (or of any item one submission is made from). */
export interface ClickQueue<T = LinkHit> {
  /** Queues one item; answers at once. */
  push(item: T): void;
  /** Events queued or in flight (not yet durable). */
  pending(): number;
  /** Events given up on because the queue was full. */
  lost(): number;
  /** Resolves once everything queued so far is durable (or given up on). */
  drain(): Promise<void>;
  /** Stops taking events and drains. */
  close(): Promise<void>;
}

/** The queue's logger and limits. */
export interface ClickQueueLimits {
  logger: Logger;
  maxPending?: number;
  retryMs?: number;
  gatherMs?: number;
  gatherEvents?: number;
}

/**
 * What the queue is made with: where gathered items go (an ingestor and the submission made of them, or a
 * hand-over that writes them), and its limits.
 */
export type ClickQueueOptions<T> = ClickQueueLimits &
  (
    | {
        ingestor: Ingestor;
        /** The submission of gathered items (deterministic: a retry makes it again from the same items). */
        submission: (items: T[]) => Submission;
      }
    | {
        /**
         * Writes gathered items (store-ingestor.ts `StoreWritePath.linkHits`: the SQLite writer thread makes the
         * events of link hits itself); settles once they are durable, and is called again for each retry.
         */
        handOver: (items: T[]) => Promise<unknown>;
      }
  );

/**
 * Creates the queue: one submission per `gatherMs` (default `CLICK_GATHER_MS`) or per `gatherEvents` (default
 * 1,000), whichever comes first. Why gather: each submission is a message to the writer thread (or a
 * JetStream publish) and a share of a transaction; at a thousand clicks a second one per redirect cost more
 * than the redirect itself.
 *
 * Why the queue keeps the items and makes the submission (`submission`, e.g. link-prepare.ts `hitSubmission`)
 * only when it hands them over, again for each retry: what waits here (the gather window, then the writer's
 * commit) lives through young-generation collections, and each one copies every object still alive. A hit is a
 * few small objects; its event, stored text and prepared form were dozens, copied and promoted on the thread
 * that answers the redirects (bench:links).
 */
export function createClickQueue<T = LinkHit>(options: ClickQueueOptions<T>): ClickQueue<T> {
  const maxPending = options.maxPending ?? 50_000;
  const gatherMs = options.gatherMs ?? CLICK_GATHER_MS;
  const gatherEvents = options.gatherEvents ?? 1000;
  const retryMs = options.retryMs ?? 200;
  const handOver =
    'handOver' in options ? options.handOver : (items: T[]): Promise<unknown> => options.ingestor.submit(options.submission(items));
  let waiting: T[] = [];
  let inFlight = 0;
  let lost = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let idle: Array<() => void> = [];

  const settle = (): void => {
    if (waiting.length > 0 || inFlight > 0) return;
    const done = idle;
    idle = [];
    for (const resolve of done) resolve();
  };

  const submit = (items: T[], attempt: number): void => {
    const n = items.length;
    inFlight += n;
    handOver(items).then(
      () => {
        inFlight -= n;
        settle();
      },
      (error: unknown) => {
        inFlight -= n;
        if (attempt >= MAX_ATTEMPTS) {
          lost += n;
          options.logger.error('link events lost: the ingestor kept refusing them', { events: n, attempts: attempt });
          settle();
          return;
        }
        if (attempt === 1)
          options.logger.warn('link events not yet written; retrying', {
            events: n,
            error: error instanceof Error ? error.name : 'unknown',
          });
        const wait = Math.min(retryMs * 2 ** (attempt - 1), 10_000);
        inFlight += n;
        setTimeout(() => {
          inFlight -= n;
          submit(items, attempt + 1);
        }, wait).unref();
      },
    );
  };

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const items = waiting;
    waiting = [];
    submit(items, 1);
  };

  return {
    push(item) {
      if (closed || waiting.length + inFlight >= maxPending) {
        lost++;
        options.logger.warn('link event lost: the click queue is full or closed', { pending: waiting.length + inFlight });
        return;
      }
      waiting.push(item);
      if (waiting.length >= gatherEvents) flush();
      else timer ??= setTimeout(flush, gatherMs);
    },
    pending: () => waiting.length + inFlight,
    lost: () => lost,
    drain() {
      flush();
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        settle();
      });
    },
    async close() {
      closed = true;
      await this.drain();
    },
  };
}
