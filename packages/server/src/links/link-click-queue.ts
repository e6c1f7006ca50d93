/**
 * Hands link events to the ingestor without making the redirect wait. Why not await the write: a click's
 * answer is a redirect, not a promise that the click was recorded, and the embedded write path acknowledges
 * after a shared fdatasync (milliseconds) that the shopper should not wait for. What it costs: a click is in
 * memory until its submission settles (group commit: a few milliseconds), so a crash (`kill -9`) can lose
 * the clicks of that window; a graceful stop (`close`) waits for every one. Nothing is dropped on overload:
 * a refused submission is retried with backoff (up to `MAX_ATTEMPTS`), and past `maxPending` waiting events
 * new ones are counted as lost (and logged), so memory stays bounded.
 */
import type { PreparedEvent, TrackingEvent } from '@kin/core';
import type { Ingestor, WholeSubmission } from '../pipeline/ingest-port.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * How long clicks gather before one submission (ms). Why 50: each submission is a message to the writer
 * thread, a wake-up of both threads and a share of a transaction and its fdatasync; at a thousand clicks a
 * second a 10 ms window made a hundred of each per second. 50 ms is a twentieth of the second in which a click
 * must be visible.
 */
export const CLICK_GATHER_MS = 50;

/** Attempts per submission (about 40 s of backoff) before its events are counted as lost. */
const MAX_ATTEMPTS = 10;

/** The queue of link events. */
export interface ClickQueue {
  /** Queues one event, with its stored text when the caller made it (`JSON.stringify(event)`); answers at once. */
  push(event: TrackingEvent, payload?: string): void;
  /** Events queued or in flight (not yet durable). */
  pending(): number;
  /** Events given up on because the queue was full. */
  lost(): number;
  /** Resolves once everything queued so far is durable (or given up on). */
  drain(): Promise<void>;
  /** Stops taking events and drains. */
  close(): Promise<void>;
}

/**
 * Creates the queue: one submission per `gatherMs` (default `CLICK_GATHER_MS`) or per `gatherEvents` (default
 * 1,000), whichever comes first. Why gather: each submission is a message to the writer thread (or a
 * JetStream publish) and a share of a transaction; at a thousand clicks a second one per redirect cost more
 * than the redirect itself.
 */
export function createClickQueue(options: {
  ingestor: Ingestor;
  logger: Logger;
  maxPending?: number;
  retryMs?: number;
  gatherMs?: number;
  gatherEvents?: number;
  /**
   * The prepared form of a link event (link-prepare.ts): with it, submissions whose events all came with their
   * text go to the ingestor prepared, so it does not extract and serialise them again.
   */
  prepare?: (event: TrackingEvent) => PreparedEvent;
}): ClickQueue {
  const maxPending = options.maxPending ?? 50_000;
  const gatherMs = options.gatherMs ?? CLICK_GATHER_MS;
  const gatherEvents = options.gatherEvents ?? 1000;
  const retryMs = options.retryMs ?? 200;
  let waiting: TrackingEvent[] = [];
  let payloads: Array<string | undefined> = [];
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

  const submission = (events: TrackingEvent[], texts: Array<string | undefined>): WholeSubmission => {
    const { prepare } = options;
    if (!prepare || texts.some((t) => t === undefined)) return { sourceId: LINKS_SOURCE_ID, events };
    return { sourceId: LINKS_SOURCE_ID, events, prepared: { events: events.map(prepare), payloads: texts as string[] } };
  };

  const submit = (work: WholeSubmission, attempt: number): void => {
    const { events } = work;
    inFlight += events.length;
    options.ingestor.submit(work).then(
      () => {
        inFlight -= events.length;
        settle();
      },
      (error: unknown) => {
        inFlight -= events.length;
        if (attempt >= MAX_ATTEMPTS) {
          lost += events.length;
          options.logger.error('link events lost: the ingestor kept refusing them', { events: events.length, attempts: attempt });
          settle();
          return;
        }
        if (attempt === 1)
          options.logger.warn('link events not yet written; retrying', {
            events: events.length,
            error: error instanceof Error ? error.name : 'unknown',
          });
        const wait = Math.min(retryMs * 2 ** (attempt - 1), 10_000);
        inFlight += events.length;
        setTimeout(() => {
          inFlight -= events.length;
          submit(work, attempt + 1);
        }, wait).unref();
      },
    );
  };

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const events = waiting;
    const texts = payloads;
    waiting = [];
    payloads = [];
    submit(submission(events, texts), 1);
  };

  return {
    push(event, payload) {
      if (closed || waiting.length + inFlight >= maxPending) {
        lost++;
        options.logger.warn('link event lost: the click queue is full or closed', { pending: waiting.length + inFlight });
        return;
      }
      waiting.push(event);
      payloads.push(payload);
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
