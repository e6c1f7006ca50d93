/**
 * A worker: pulls batches from the durable consumer, resolves and writes each batch in one store
 * transaction (`applyEventGroups`, grouped by source), and acknowledges its messages only after the
 * commit. Any number of workers share the consumer; JetStream hands each message to one of them.
 *
 * Why nothing is lost or doubled: a message is acked only after its transaction committed, so a worker
 * killed at any moment leaves its batch unacked and JetStream redelivers it (after the ack wait) to any
 * worker. A redelivered event whose transaction did commit (the ack was lost) finds its messageId claimed,
 * in the same transaction as its writes, and is skipped. While the store is unreachable the batch is
 * nak'ed with a delay and the worker backs off; it resumes by itself.
 *
 * Why one bad event cannot hold up the others: when the store refuses a value (see batch-failure.ts), the
 * batch is bisected down to that event and everything else is applied. The event is redelivered with a
 * growing delay (`stuck()` says so, for `/ready`) and, on its `KIN_WORKER_MAX_DELIVERIES`th delivery,
 * parked in the dead-letter stream (nats-dead-letter.ts).
 *
 * Why the next batch is fetched while one commits: the fetch round trip to NATS then overlaps the
 * database work instead of adding to it.
 */
import type { JsMsg, NatsConnection } from 'nats';
import type { TrackingEvent } from '@kin/core';
import type { KinConfig } from '../config.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import type { EventGroup, ResolveDeps } from './event-apply.ts';
import type { UnverifiedIdentity } from './ingest-port.ts';
import { applyEventGroups } from './event-apply.ts';
import type { EventMessage } from './nats-stream.ts';
import { ensureConsumer, ensureDeadLetterStream, ensureStream } from './nats-stream.ts';
import { blameOf, failureCode } from './batch-failure.ts';
import type { FailedEventsCounter, ParkedEvent } from './nats-dead-letter.ts';
import { createDeadLetters } from './nats-dead-letter.ts';

/** Options of a worker. */
export interface NatsWorkerOptions {
  nc: NatsConnection;
  nats: KinConfig['nats'];
  store: Store;
  resolve: ResolveDeps;
  logger: Logger;
  /** Counts events that failed (`kin_worker_failed_events_total`). */
  failedEvents?: FailedEventsCounter;
  /** Milliseconds a fetch waits for a full batch (default 500). */
  fetchWaitMs?: number;
  /**
   * The privacy edge again, for events published before their person was deleted or suppressed: those are
   * acknowledged and counted, never applied. While the list cannot be read, batches are redelivered later.
   */
  privacy?: { readable(): boolean; drops(event: TrackingEvent): boolean; count(n: number): Promise<void> };
}

/** A running worker. */
export interface NatsWorker {
  /** Messages the durable consumer has not delivered or not seen acknowledged yet, or `undefined` when NATS cannot say. */
  lag(): Promise<number | undefined>;
  /** Why work is stuck (events failing and redelivered, or many redeliveries pending), or `undefined`. */
  stuck(): Promise<string | undefined>;
  /** Events applied (committed) by this worker so far. */
  applied(): number;
  /** Stops fetching, finishes (commits and acks) the batch in hand, hands back what it prefetched. */
  close(): Promise<void>;
}

/** Makes sure the stream and consumer exist, then starts pulling. */
export async function startNatsWorker(options: NatsWorkerOptions): Promise<NatsWorker> {
  const { nc, nats, store, logger } = options;
  await ensureStream(nc, nats);
  await ensureConsumer(nc, nats);
  await ensureDeadLetterStream(nc, nats);
  const deadLetters = createDeadLetters({ nc, nats, store, logger, ...(options.failedEvents ? { counter: options.failedEvents } : {}) });
  /** Stream sequences of events the store refused and that wait for a redelivery (for `stuck`). */
  const suspects = new Map<number, { code: string; until: number }>();
  const js = nc.jetstream();
  const consumer = await js.consumers.get(nats.stream, nats.consumer);
  const fetchWait = options.fetchWaitMs ?? 500;
  let stopping = false;
  let applied = 0;
  let failures = 0;

  async function fetchBatch(): Promise<JsMsg[]> {
    const messages: JsMsg[] = [];
    try {
      for await (const m of await consumer.fetch({ max_messages: nats.batch, expires: Math.max(1000, fetchWait) })) messages.push(m);
    } catch (error) {
      logger.warn('fetch from the event stream failed', { error: errorName(error) });
      await sleep(backoff(++failures));
    }
    return messages;
  }

  /** Decodes, then applies with bisection; a message that is not an event is parked at once. */
  async function processBatch(messages: JsMsg[]): Promise<void> {
    const privacy = options.privacy;
    if (privacy && !privacy.readable()) {
      for (const m of messages) m.nak(backoff(++failures));
      await sleep(backoff(failures));
      return;
    }
    const items: Item[] = [];
    const dropped: JsMsg[] = [];
    for (const m of messages) {
      const message = decode(m);
      if (message && privacy?.drops(message.event)) dropped.push(m);
      else if (message) items.push({ m, message });
      // Not ours or corrupt: redelivering it would never help.
      else await park(m, { code: 'undecodable' });
    }
    if (privacy && dropped.length > 0) {
      await privacy.count(dropped.length);
      for (const m of dropped) m.ack();
    }
    if (items.length > 0 && !(await applyBisecting(items))) failures++;
  }

  /**
   * Applies `items` in one transaction. When an event is to blame, applies each half in turn (the first
   * half first, so events of one profile keep their order) down to the single event at fault, which is
   * retried later or parked. Returns false when the infrastructure failed: what was not applied is nak'ed.
   *
   * Why nothing is applied twice: a failed transaction commits nothing, so every half starts from the
   * same state as the whole; a half that commits is acked, and if that ack is lost its messageId claims
   * (committed with it) make the redelivery a duplicate.
   */
  async function applyBisecting(items: Item[]): Promise<boolean> {
    let failure: { error: unknown } | undefined;
    try {
      await store.transaction((tx) => applyEventGroups(tx, groupsOf(items), options.resolve));
    } catch (error) {
      failure = { error };
    }
    if (!failure) {
      failures = 0;
      for (const { m } of items) {
        m.ack();
        suspects.delete(m.seq);
      }
      applied += items.length;
      return true;
    }
    if (blameOf(failure.error) === 'infrastructure') {
      const delay = backoff(failures + 1);
      logger.warn('applying a batch failed; it will be redelivered', {
        error: errorName(failure.error),
        events: items.length,
        retryInMs: Math.round(delay),
      });
      for (const { m } of items) m.nak(delay);
      await sleep(delay);
      return false;
    }
    if (items.length === 1) {
      await retryOrPark(items[0]!, failureCode(failure.error));
      return true;
    }
    // Bisecting takes several transactions: the messages not applied yet must not reach another worker meanwhile.
    for (const { m } of items) m.working();
    const half = Math.ceil(items.length / 2);
    if (!(await applyBisecting(items.slice(0, half)))) {
      for (const { m } of items.slice(half)) m.nak(backoff(failures + 1));
      return false;
    }
    return applyBisecting(items.slice(half));
  }

  /** One event the store refused: redelivered later (with a growing delay), parked on its last delivery. */
  async function retryOrPark(item: Item, code: string): Promise<void> {
    const { m, message } = item;
    const deliveries = m.info.deliveryCount;
    if (deliveries >= nats.maxDeliveries) {
      await park(m, { sourceId: message.sourceId, messageId: message.event.messageId, code });
      return;
    }
    const delay = redeliveryDelay(deliveries);
    suspects.set(m.seq, { code, until: Date.now() + delay + nats.ackWaitSeconds * 1000 });
    options.failedEvents?.inc({ code, outcome: 'redelivered' });
    logger.warn('the store refused an event; it will be redelivered', {
      code,
      deliveries,
      maxDeliveries: nats.maxDeliveries,
      seq: m.seq,
      retryInMs: delay,
    });
    m.nak(delay);
  }

  async function park(m: JsMsg, event: ParkedEvent): Promise<void> {
    try {
      await deadLetters.park(m, event);
      suspects.delete(m.seq);
    } catch (error) {
      logger.warn('parking an event in the dead-letter stream failed; it will be redelivered', { error: errorName(error), seq: m.seq });
      m.nak(backoff(m.info.deliveryCount));
    }
  }

  const loop = (async () => {
    let next = fetchBatch();
    while (!stopping) {
      const messages = await next;
      next = stopping ? Promise.resolve([]) : fetchBatch();
      if (messages.length > 0) await processBatch(messages);
    }
    // Prefetched but never applied: hand them back at once rather than after the ack wait.
    for (const m of await next) m.nak();
  })();
  loop.catch((error: unknown) => logger.error('worker loop stopped', { error: errorName(error) }));

  return {
    async lag() {
      try {
        const info = await consumer.info();
        // Delivered but unacknowledged messages (in hand, or waiting for a redelivery) are not done either.
        return info.num_pending + info.num_ack_pending;
      } catch {
        return undefined;
      }
    },
    async stuck() {
      const now = Date.now();
      for (const [seq, suspect] of suspects) if (suspect.until < now) suspects.delete(seq);
      if (suspects.size > 0) {
        const codes = [...new Set([...suspects.values()].map((s) => s.code))].sort().join(', ');
        return `${suspects.size} event(s) refused by the store (${codes}) are being redelivered; each is dead-lettered after ${nats.maxDeliveries} deliveries`;
      }
      try {
        const redelivered = (await consumer.info()).num_redelivered;
        if (redelivered > nats.batch) return `${redelivered} messages of the consumer are being redelivered`;
      } catch {
        return 'the event stream does not answer';
      }
      return undefined;
    },
    applied: () => applied,
    async close() {
      stopping = true;
      await loop.catch(() => undefined);
    },
  };
}

/** One decoded message. */
interface Item {
  m: JsMsg;
  message: EventMessage;
}

/** The event message `m` holds, or `undefined` when it is not one. */
function decode(m: JsMsg): EventMessage | undefined {
  try {
    const message = m.json<EventMessage>();
    return typeof message.sourceId === 'string' && typeof message.event?.messageId === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** The items' events grouped by source, sources sorted: concurrent workers claim message ids in one order. */
function groupsOf(items: Item[]): EventGroup[] {
  const groups = new Map<string, EventGroup & { unverifiedList: Array<UnverifiedIdentity | undefined> }>();
  for (const { message } of items) {
    let group = groups.get(message.sourceId);
    if (!group) {
      group = { sourceId: message.sourceId, events: [] as TrackingEvent[], unverifiedList: [] };
      groups.set(message.sourceId, group);
    }
    group.events.push(message.event);
    group.unverifiedList.push(message.unverified);
  }
  return [...groups.values()]
    .sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0))
    .map(({ unverifiedList, ...group }) => (unverifiedList.some(Boolean) ? { ...group, unverified: unverifiedList } : group));
}

/** Delay before an event the store refused is delivered again: 500 ms doubling per delivery, at most 30 s. */
function redeliveryDelay(deliveries: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, deliveries - 1));
}

/** Jittered exponential backoff, 100 ms doubling up to 5 s. */
function backoff(attempt: number): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
  return base / 2 + Math.random() * (base / 2);
}

/** Name and code only: driver messages can quote values (identifiers), which never go to logs. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
