/**
 * The JetStream side of the pipeline: one stream of validated events (subject per source,
 * `<subject>.<sourceId>`), one durable pull consumer shared by every worker. Collectors and workers both
 * make sure the stream exists, so any of them may start first.
 *
 * Why a 10-minute duplicate window: a collector publishes with `msgID = sourceId:messageId`, so an SDK's
 * retry (or a collector's, after a lost ack) within the window is dropped by JetStream itself. Older
 * repeats reach a worker and are caught by the messageId claims in PostgreSQL (KIN_DEDUP_WINDOW_DAYS).
 */
import { AckPolicy, connect, DeliverPolicy, nanos } from 'nats';
import type { NatsConnection } from 'nats';
import type { TrackingEvent } from '@kin/core';
import type { KinConfig } from '../config.ts';
import type { UnverifiedIdentity } from './ingest-port.ts';

/** What a collector publishes per event. */
export interface EventMessage {
  sourceId: string;
  event: TrackingEvent;
  unverified?: UnverifiedIdentity;
}

/** The stream's JetStream duplicate window. */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

/** Connects to NATS; reconnects forever (a collector answers 503 while disconnected, a worker waits). */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, timeout: 5_000 });
}

/** Creates the stream if it is missing (idempotent; a concurrent creator with the same config is fine). */
export async function ensureStream(nc: NatsConnection, nats: KinConfig['nats']): Promise<void> {
  await ensureStreamNamed(nc, nats.stream, `${nats.subject}.>`);
}

/**
 * Creates the dead-letter stream if it is missing: events a worker gave up on, one subject per source
 * (`<dlqSubject>.<sourceId>`), kept until an operator replays or deletes them.
 */
export async function ensureDeadLetterStream(nc: NatsConnection, nats: KinConfig['nats']): Promise<void> {
  await ensureStreamNamed(nc, nats.dlqStream, `${nats.dlqSubject}.>`);
}

async function ensureStreamNamed(nc: NatsConnection, name: string, subject: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add({ name, subjects: [subject], duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
  } catch (error) {
    // Another process created it between our check and our create.
    if (!/already in use|exists/i.test(error instanceof Error ? error.message : '')) throw error;
  }
}

/** Creates the workers' durable consumer if it is missing (every worker pulls from the same one). */
export async function ensureConsumer(nc: NatsConnection, nats: KinConfig['nats']): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(nats.stream, nats.consumer);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await jsm.consumers.add(nats.stream, {
    durable_name: nats.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(nats.ackWaitSeconds * 1000),
    max_ack_pending: 100_000,
    filter_subject: `${nats.subject}.>`,
  });
}

/** The subject of one source's events. Source ids are UUIDs: no dots or wildcards. */
export function subjectOf(nats: KinConfig['nats'], sourceId: string): string {
  return `${nats.subject}.${sourceId}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
