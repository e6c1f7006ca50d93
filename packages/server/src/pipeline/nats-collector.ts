/**
 * The collector's ingestor: instead of writing, it publishes each validated event to JetStream and resolves
 * only after JetStream has acknowledged every publish (stored, replicated as the stream is configured).
 * Resolution happens later, in a worker. `msgID = sourceId:messageId`, so JetStream drops a retried
 * publish within its duplicate window; the answer counts those as duplicates.
 *
 * While NATS is unreachable the collector answers 503 with Retry-After at once (it does not queue events
 * in memory: a crash would lose them). A publish that times out is also a 503: the client retries, and the
 * msgID makes the retry harmless whether or not the first attempt was stored.
 */
import type { NatsConnection } from 'nats';
import type { KinConfig } from '../config.ts';
import { asUnavailable, unavailable } from '../ops/service-unavailable.ts';
import type { Store } from '../storage/storage.ts';
import type { ApplyOutcome, Ingestor } from './ingest-port.ts';
import type { EventMessage } from './nats-stream.ts';
import { subjectOf } from './nats-stream.ts';

/** Options of the collector ingestor. */
export interface NatsCollectorOptions {
  nc: NatsConnection;
  nats: KinConfig['nats'];
  /** Where rejected-event warnings go (the stream carries events only). */
  store: Pick<Store, 'addWarnings'>;
  /** Milliseconds to wait for JetStream's acknowledgement of one publish (default 5,000). */
  publishTimeoutMs?: number;
}

/** A collector ingestor and whether it can publish right now (for /ready). */
export interface NatsCollector extends Ingestor {
  connected(): boolean;
}

/** Creates the publishing ingestor. */
export function createNatsCollector(options: NatsCollectorOptions): NatsCollector {
  const { nc, nats } = options;
  const js = nc.jetstream();
  const timeout = options.publishTimeoutMs ?? 5_000;
  let connected = !nc.isClosed();
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
  })();
  void nc.closed().then(() => {
    connected = false;
  });

  async function publishAll(sourceId: string, messages: EventMessage[]): Promise<ApplyOutcome> {
    const acks = await Promise.all(
      messages.map((message) =>
        js.publish(subjectOf(nats, sourceId), JSON.stringify(message), { msgID: `${sourceId}:${message.event.messageId}`, timeout }),
      ),
    );
    const duplicates = acks.filter((ack) => ack.duplicate).length;
    return { accepted: messages.length - duplicates, duplicates, profileIds: messages.map(() => undefined) };
  }

  return {
    connected: () => connected && !nc.isClosed(),
    async submit(submission) {
      if (closed) throw unavailable('this collector (shutting down)');
      if (!connected || nc.isClosed()) throw unavailable('the event stream');
      const messages: EventMessage[] = submission.events.map((event, index) => {
        const unverified = submission.unverified?.[index];
        return { sourceId: submission.sourceId, event, ...(unverified ? { unverified } : {}) };
      });
      const work = publishAll(submission.sourceId, messages).catch((error: unknown) => asUnavailable(error, 'the event stream'));
      inFlight.add(work);
      try {
        return await work;
      } finally {
        inFlight.delete(work);
      }
    },
    warn: (warnings) => options.store.addWarnings(warnings),
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
