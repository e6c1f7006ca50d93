/**
 * Parking an event a worker gave up on: its message goes, byte for byte, to the dead-letter stream
 * (`<dlqSubject>.<sourceId>`) with why (headers `Kin-Error-Code`, `Kin-Deliveries`, `Kin-Stream-Seq`), an
 * ingestion warning `dead_letter` is recorded, and only then is the original acknowledged. So an event is
 * always in one of the two streams or in the store: never lost, and the rest of the stream flows on.
 *
 * Why the publish carries `msgID = <stream>:<seq>`: a worker that dies between the publish and the ack
 * has its message redelivered and parked again; JetStream's duplicate window drops the second copy.
 */
import { headers } from 'nats';
import type { JsMsg, NatsConnection } from 'nats';
import type { KinConfig } from '../config.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import { storableText } from './batch-failure.ts';

/** Counts dead-lettered and retried events (the `kin_worker_failed_events_total` counter). */
export interface FailedEventsCounter {
  inc(labels: { code: string; outcome: 'redelivered' | 'dead_lettered' }): void;
}

/** What is known of the event a message holds (nothing, when it could not be decoded). */
export interface ParkedEvent {
  sourceId?: string;
  messageId?: string;
  /** SQLSTATE, error name, or `undecodable`. */
  code: string;
}

/** Parks messages in the dead-letter stream. */
export interface DeadLetters {
  /** Publishes `m` to the dead-letter stream, records the warning, counts it, then acks `m`. Throws when NATS refuses. */
  park(m: JsMsg, event: ParkedEvent): Promise<void>;
}

/** Creates the parking step of a worker. */
export function createDeadLetters(options: {
  nc: NatsConnection;
  nats: KinConfig['nats'];
  store: Store;
  logger: Logger;
  counter?: FailedEventsCounter;
  now?: () => Date;
}): DeadLetters {
  const { nc, nats, store, logger } = options;
  const js = nc.jetstream();
  const now = options.now ?? (() => new Date());
  return {
    async park(m, event) {
      const deliveries = m.info.deliveryCount;
      const h = headers();
      h.set('Kin-Error-Code', event.code);
      h.set('Kin-Deliveries', String(deliveries));
      h.set('Kin-Stream-Seq', String(m.seq));
      h.set('Kin-Subject', m.subject);
      const token = event.sourceId && /^[A-Za-z0-9_-]+$/.test(event.sourceId) ? event.sourceId : 'unknown';
      await js.publish(`${nats.dlqSubject}.${token}`, m.data, { msgID: `${nats.stream}:${m.seq}`, headers: h });
      // Values of the event stay out of the log; the warning holds its ids, made storable.
      logger.warn('an event was dead-lettered', { code: event.code, deliveries, stream: nats.stream, seq: m.seq, dlq: nats.dlqStream });
      await store
        .addWarnings([
          {
            kind: 'dead_letter',
            code: event.code,
            message: `the worker gave up on this event after ${deliveries} deliveries (${event.code}); it is in the dead-letter stream ${nats.dlqStream}`,
            ...(event.sourceId ? { sourceId: storableText(event.sourceId) } : {}),
            ...(event.messageId ? { messageId: storableText(event.messageId) } : {}),
            createdAt: now().toISOString(),
          },
        ])
        .catch(() => logger.error('recording a dead-letter warning failed', { code: event.code, seq: m.seq }));
      options.counter?.inc({ code: event.code, outcome: 'dead_lettered' });
      m.ack();
    },
  };
}
