/**
 * Configuration of the NATS pipeline: the URL that turns it on, the JetStream stream, subject and consumer,
 * the worker's batch, ack wait and redelivery limit, and the dead-letter stream. One section of config.ts,
 * which reads the environment and composes every section.
 */
import { z } from 'zod';
import { intFrom } from './config-fields.ts';
import type { SettingsOf } from './config-fields.ts';

/** The pipeline's part of the configuration. */
export interface PipelineConfig {
  /** NATS URL: when set, `serve` runs a collector and a worker over JetStream. */
  pipeline?: string;
  /** JetStream names and worker tuning (see pipeline/nats-stream.ts). */
  nats: {
    stream: string;
    subject: string;
    consumer: string;
    batch: number;
    ackWaitSeconds: number;
    /** Deliveries after which an event that keeps failing with a data error is dead-lettered (see pipeline/nats-worker.ts). */
    maxDeliveries: number;
    /** The dead-letter stream and its subject prefix (`<dlqSubject>.<sourceId>`). */
    dlqStream: string;
    dlqSubject: string;
  };
}

/** The pipeline's settings, keyed like the CLI's flags. */
export const PIPELINE_SETTINGS = {
  pipeline: z
    .string()
    .regex(/^nats:\/\//, 'must be a nats:// URL')
    .optional(),
  natsStream: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('KIN_EVENTS'),
  natsSubject: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens, no wildcards')
    .default('kin.events'),
  natsConsumer: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('kin-workers'),
  workerBatch: intFrom(1, 5000).default(500),
  ackWaitSeconds: intFrom(5, 3600).default(30),
  maxDeliveries: intFrom(1, 1000).default(5),
  dlqStream: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('KIN_EVENTS_DLQ'),
  dlqSubject: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens, no wildcards')
    .default('kin.dead'),
};

/** Which environment variable feeds which pipeline setting. */
export const PIPELINE_ENV: Record<keyof typeof PIPELINE_SETTINGS, string> = {
  pipeline: 'KIN_PIPELINE',
  natsStream: 'KIN_NATS_STREAM',
  natsSubject: 'KIN_NATS_SUBJECT',
  natsConsumer: 'KIN_NATS_CONSUMER',
  workerBatch: 'KIN_WORKER_BATCH',
  ackWaitSeconds: 'KIN_WORKER_ACK_WAIT_SECONDS',
  maxDeliveries: 'KIN_WORKER_MAX_DELIVERIES',
  dlqStream: 'KIN_NATS_DLQ_STREAM',
  dlqSubject: 'KIN_NATS_DLQ_SUBJECT',
};

type PipelineSettings = SettingsOf<typeof PIPELINE_SETTINGS>;

/** Settings that are valid alone but not together (none, or one line naming the variable). */
export function pipelineProblems(c: PipelineSettings): string[] {
  // JetStream refuses two streams whose subjects overlap, and a dead letter must not flow back to the workers.
  return subjectsOverlap(c.dlqSubject, c.natsSubject)
    ? [`dlqSubject (KIN_NATS_DLQ_SUBJECT): must not overlap the event subject "${c.natsSubject}"`]
    : [];
}

/** The pipeline's part of the frozen configuration. */
export function pipelineSection(c: PipelineSettings): PipelineConfig {
  return {
    ...(c.pipeline ? { pipeline: c.pipeline } : {}),
    nats: Object.freeze({
      stream: c.natsStream,
      subject: c.natsSubject,
      consumer: c.natsConsumer,
      batch: c.workerBatch,
      ackWaitSeconds: c.ackWaitSeconds,
      maxDeliveries: c.maxDeliveries,
      dlqStream: c.dlqStream,
      dlqSubject: c.dlqSubject,
    }),
  };
}

/** Whether one subject prefix is the other or lies under it. */
function subjectsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}
