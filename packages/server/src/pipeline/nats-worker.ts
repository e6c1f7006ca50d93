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
import { ensureConsumer, ensureStream } from './nats-stream.ts';

/** Options of a worker. */
export interface NatsWorkerOptions {
  nc: NatsConnection;
  nats: KinConfig['nats'];
  store: Store;
  resolve: ResolveDeps;
  logger: Logger;
  /** Milliseconds a fetch waits for a full batch (default 500). */
  fetchWaitMs?: number;
}

/** A running worker. */
export interface NatsWorker {
  /** Messages the durable consumer has not delivered yet, or `undefined` when NATS cannot say. */
  lag(): Promise<number | undefined>;
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

  async function processBatch(messages: JsMsg[]): Promise<void> {
    const groups = new Map<string, EventGroup & { unverifiedList: Array<UnverifiedIdentity | undefined> }>();
    const valid: JsMsg[] = [];
    for (const m of messages) {
      let message: EventMessage;
      try {
        message = m.json<EventMessage>();
        if (typeof message.sourceId !== 'string' || typeof message.event?.messageId !== 'string') throw new Error('not an event message');
      } catch {
        // Not ours or corrupt: redelivering it would never help.
        logger.error('dropping an undecodable message', { stream: nats.stream, seq: m.seq });
        m.term();
        continue;
      }
      valid.push(m);
      let group = groups.get(message.sourceId);
      if (!group) {
        group = { sourceId: message.sourceId, events: [] as TrackingEvent[], unverifiedList: [] };
        groups.set(message.sourceId, group);
      }
      group.events.push(message.event);
      group.unverifiedList.push(message.unverified);
    }
    if (valid.length === 0) return;
    // Sorted by source: concurrent workers claim message ids in one order.
    const ordered = [...groups.values()]
      .sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0))
      .map(({ unverifiedList, ...group }) => (unverifiedList.some(Boolean) ? { ...group, unverified: unverifiedList } : group));
    try {
      await store.transaction((tx) => applyEventGroups(tx, ordered, options.resolve));
    } catch (error) {
      const delay = backoff(++failures);
      logger.warn('applying a batch failed; it will be redelivered', { error: errorName(error), events: valid.length, retryInMs: Math.round(delay) });
      for (const m of valid) m.nak(delay);
      await sleep(delay);
      return;
    }
    failures = 0;
    for (const m of valid) m.ack();
    applied += valid.length;
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
        return (await consumer.info()).num_pending;
      } catch {
        return undefined;
      }
    },
    applied: () => applied,
    async close() {
      stopping = true;
      await loop.catch(() => undefined);
    },
  };
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
