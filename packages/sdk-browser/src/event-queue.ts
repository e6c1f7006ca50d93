/**
 * The batching queue: events are persisted in localStorage as soon as they are made, so a reload or a
 * crash loses nothing, and leave storage only when the server accepted them or refused them for good.
 * Items of an accepted batch that Kin refused for now (`rejected[].code === "rate_limited"`: over the write
 * key's rate limit) stay queued and go out again after the backoff, like a batch answered 429.
 *
 * Flushes run one at a time (a promise chain), so two sends never carry the same event from this tab.
 */
import type { ItemRejection, TrackingAnswer } from '@kin/core/api/index.ts';
import type { SdkEvent } from './event-builder.ts';
import { backoffDelay, classifyStatus } from './retry-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { Clock, KeyValueStore, Logger, Transport } from './sdk-ports.ts';
import { STORAGE_KEYS } from './user-store.ts';

/** One queued event and how many sends it has been through. */
export interface QueueEntry {
  event: SdkEvent;
  attempts: number;
}

/** Everything the queue needs, passed once. */
export interface EventQueueOptions {
  writeKey: string;
  /** The batch endpoint, `{host}/v1/batch`. */
  url: string;
  flushAt: number;
  flushInterval: number;
  retry: RetryPolicy;
  /** Oldest events are dropped beyond this many, so a long outage cannot fill localStorage. */
  maxQueueSize: number;
  store: KeyValueStore;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  random: () => number;
}

/** The queue's surface. */
export interface EventQueue {
  enqueue(event: SdkEvent): void;
  /** Sends everything queued, batch by batch; resolves when each batch got an answer. Never rejects. */
  flush(): Promise<void>;
  /** Hands everything not already in flight to `sendBeacon`, for a page that is going away. */
  flushByBeacon(): void;
  /** The persisted entries, oldest first. */
  entries(): QueueEntry[];
}

/** Segment accepts 500 KB per batch; stay under it. */
const MAX_BATCH_BYTES = 450_000;
const MAX_BATCH_EVENTS = 100;
/** Browsers allow 64 KB of beacon payload in flight per page. */
const MAX_BEACON_BYTES = 60_000;

/** Creates a queue over `options.store`; resumes sending whatever an earlier page left behind. */
export function createEventQueue(options: EventQueueOptions): EventQueue {
  const { store, transport, clock, logger, writeKey, url } = options;
  const headers = {
    'Content-Type': 'application/json',
    Authorization: `Basic ${btoa(`${writeKey}:`)}`,
  };
  let chain: Promise<void> = Promise.resolve();
  let timer: unknown;
  let backingOff = false;
  const inFlight = new Set<string>();

  const read = (): QueueEntry[] => {
    try {
      const parsed: unknown = JSON.parse(store.get(STORAGE_KEYS.queue) ?? '[]');
      // Another tab or an older SDK may have written it: keep only well-formed entries.
      return Array.isArray(parsed) ? (parsed as unknown[]).filter(isEntry) : [];
    } catch {
      return [];
    }
  };
  const write = (entries: QueueEntry[]): void => {
    if (entries.length === 0) store.remove(STORAGE_KEYS.queue);
    else store.set(STORAGE_KEYS.queue, JSON.stringify(entries));
  };
  /** Applies `change` to the stored entries whose messageId is in `ids`. */
  const update = (ids: Set<string>, change: (entry: QueueEntry) => QueueEntry | undefined): void => {
    write(read().flatMap((entry) => (ids.has(entry.event.messageId) ? (change(entry) ?? []) : [entry])));
  };
  const body = (batch: SdkEvent[]): string => JSON.stringify({ batch, sentAt: new Date(clock.now()).toISOString(), writeKey });

  const schedule = (ms: number): void => {
    if (timer !== undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      backingOff = false;
      void flushSoon();
    }, ms);
  };
  const cancelTimer = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  /** Sends one batch; returns false when the rest of the queue should wait for a backoff. */
  const sendBatch = async (batch: QueueEntry[]): Promise<boolean> => {
    const ids = new Set(batch.map((entry) => entry.event.messageId));
    ids.forEach((id) => inFlight.add(id));
    const { status, body: answer } = await transport.send({ url, headers, body: body(batch.map((entry) => entry.event)) });
    ids.forEach((id) => inFlight.delete(id));
    const outcome = classifyStatus(status);
    if (outcome === 'delivered') {
      const later = new Set(rateLimited(answer).flatMap((index) => batch[index]?.event.messageId ?? []));
      update(ids, (entry) => (later.has(entry.event.messageId) ? entry : undefined));
      return later.size === 0 || retryLater(later);
    }
    if (outcome === 'drop') {
      logger.warn(`batch of ${batch.length} events refused with HTTP ${status}; dropped`);
      update(ids, () => undefined);
      return true;
    }
    return retryLater(ids);
  };

  /** Counts an attempt for each of `ids` (dropping those out of tries) and backs off; false: the queue waits. */
  const retryLater = (ids: Set<string>): boolean => {
    let attempts = 0;
    let expired = 0;
    update(ids, (entry) => {
      const next = { ...entry, attempts: entry.attempts + 1 };
      if (next.attempts >= options.retry.maxAttempts) {
        expired++;
        return undefined;
      }
      attempts = Math.max(attempts, next.attempts);
      return next;
    });
    if (expired > 0) logger.warn(`${expired} events failed ${options.retry.maxAttempts} times; dropped`);
    if (attempts > 0) {
      cancelTimer();
      backingOff = true;
      schedule(backoffDelay(attempts, options.retry, options.random()));
    }
    return false;
  };

  const runFlush = async (): Promise<void> => {
    cancelTimer();
    backingOff = false;
    const pending = read().filter((entry) => !inFlight.has(entry.event.messageId));
    for (const batch of chunk(pending, MAX_BATCH_BYTES)) {
      if (!(await sendBatch(batch))) return;
    }
    // Events enqueued while we were sending wait for the next interval.
    if (read().length > 0) schedule(options.flushInterval);
  };

  /** Queues a run after the current one. `automatic` runs yield to a backoff that began meanwhile. */
  const enqueueRun = (automatic: boolean): Promise<void> => {
    // A send that throws is a bug in a transport; log it and keep the chain (and callers) resolving.
    chain = chain
      .then(() => (automatic && backingOff ? undefined : runFlush()))
      .catch((error: unknown) => logger.warn('flush failed', error));
    return chain;
  };
  const flush = (): Promise<void> => enqueueRun(false);
  const flushSoon = (): Promise<void> => enqueueRun(true);

  const queue: EventQueue = {
    entries: read,
    flush,
    enqueue(event) {
      const entries = read();
      entries.push({ event, attempts: 0 });
      const overflow = entries.length - options.maxQueueSize;
      if (overflow > 0) {
        entries.splice(0, overflow);
        logger.warn(`queue full; dropped ${overflow} oldest events`);
      }
      write(entries);
      if (!backingOff && entries.length >= options.flushAt) void flushSoon();
      else schedule(options.flushInterval);
    },
    flushByBeacon() {
      const pending = read().filter((entry) => !inFlight.has(entry.event.messageId));
      for (const batch of chunk(pending, MAX_BEACON_BYTES)) {
        if (!transport.beacon(url, body(batch.map((entry) => entry.event)))) return;
        update(new Set(batch.map((entry) => entry.event.messageId)), () => undefined);
      }
    },
  };

  // Events left by an earlier page (closed tab, failed beacon) go out soon after load.
  if (read().length > 0) schedule(0);
  return queue;
}

/** Indexes of the items Kin refused for now (`rate_limited`) in an accepted batch's answer. */
function rateLimited(answer: string | undefined): number[] {
  if (!answer || !answer.includes('rate_limited')) return [];
  try {
    // Typed as the server's answer, checked as untrusted text (a proxy may answer anything).
    const rejected = (JSON.parse(answer) as Partial<Record<keyof TrackingAnswer, unknown>>).rejected as
      Array<Partial<Record<keyof ItemRejection, unknown>>> | undefined;
    return Array.isArray(rejected)
      ? rejected.flatMap((r) => (r.code === 'rate_limited' && typeof r.index === 'number' ? [r.index] : []))
      : [];
  } catch {
    return [];
  }
}

function isEntry(value: unknown): value is QueueEntry {
  const event = (value as Partial<QueueEntry> | null)?.event;
  return typeof event?.messageId === 'string' && typeof (value as QueueEntry).attempts === 'number';
}

/** Splits entries into batches of at most MAX_BATCH_EVENTS events and about `maxBytes` of JSON. */
export function chunk(entries: QueueEntry[], maxBytes: number): QueueEntry[][] {
  const batches: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = JSON.stringify(entry.event).length;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= MAX_BATCH_EVENTS)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
