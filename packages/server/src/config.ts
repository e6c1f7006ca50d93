/**
 * Configuration: the only reader of process.env. Flags win over environment variables; everything is
 * parsed once with a schema (defaults, types, clear errors), frozen, and passed down.
 */
import { z } from 'zod';
import { IP_MODES } from '@kin/core';
import type { IpMode } from '@kin/core';

/** A write key declared at start (`KIN_WRITE_KEYS=name:key,name:key`). */
export interface DeclaredWriteKey {
  name: string;
  key: string;
}

/** The parsed, frozen configuration. */
export interface KinConfig {
  port: number;
  host: string;
  /** SQLite file path or a postgres:// URL. */
  db: string;
  adminToken?: string;
  writeKeys: DeclaredWriteKey[];
  policyFile?: string;
  /** Body limits; `maxAdminBodyBytes` bounds every admin JSON body (imports stream and are bounded apart). */
  limits: { maxEventBytes: number; maxEventDepth: number; maxRequestBytes: number; maxBatchItems: number; maxAdminBodyBytes: number };
  /** Ingest admission: request bytes and requests in flight on the tracking routes before 503 `overloaded` (see http/admission-control.ts). */
  admission: { maxInFlightBytes: number; maxInFlightRequests: number };
  /** The HTTP server: connection cap and timeouts in seconds (node:http `maxConnections`, `requestTimeout`, `headersTimeout`, `keepAliveTimeout`). */
  server: { maxConnections: number; requestTimeoutSeconds: number; headersTimeoutSeconds: number; keepAliveTimeoutSeconds: number };
  dedupWindowDays: number;
  /** Warnings last seen longer ago than this are removed (hourly, in bulk). */
  warningsRetentionDays: number;
  /** Embedded SQLite: messageId claims held in memory before they are written out in bulk (see sqlite-message-ids.ts). */
  dedupMemory: number;
  /** Embedded SQLite: timeline entries appended to the tail before they are written out in key order (see sqlite-timeline.ts). */
  timelineTail: number;
  /** Embedded store: how long and for how many events a transaction waits while earlier commits sync (see group-commit.ts). */
  groupCommit: { waitMs: number; minEvents: number };
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
  /** Key of the privacy hashes (tombstones, suppressions); generated beside the SQLite file when absent (docs/privacy.md). */
  privacySecret?: string;
  /** Bearer token for `/metrics` (the admin token also works); see docs/configuration.md and docs/scaling-out.md. */
  metricsToken?: string;
  /** Embedded SQLite: write on a second thread beside the HTTP thread (default on; see storage/sqlite/writer/ingest-thread.ts). */
  ingestThread: boolean;
  /**
   * Rate limits (see limits/ and docs/rate-limits.md): every write key's events per second (0: off, the
   * default; the policy's `sources.<name>.rateLimit` overrides per source) with a burst of `burstSeconds`
   * worth, and each admin token's requests per minute, heavy (analytics) routes counted apart (0: off).
   */
  rateLimits: { eventsPerSecond: number; burstSeconds: number; adminPerMinute: number; adminHeavyPerMinute: number };
  /** Imports: the largest row read (a line, or a CSV row spanning lines); larger rows are rejected (see import-reader.ts). */
  imports: { maxRecordBytes: number; spoolDir?: string };
  /** Journeys and delivery: idle poll interval in ms; 0 runs neither in this process (see messaging/messaging-service.ts). */
  messagingPollMs: number;
  /** How long a delivery worker holds a lease; a worker that dies mid-send leaves it for another after this. */
  deliveryLeaseSeconds: number;
  /** Analytics questions: the time limit of one (`KIN_ANALYTICS_TIMEOUT_MS`). */
  analytics: { timeoutMs: number };
  /** Tracked links (see docs/links.md). */
  links: LinksConfig;
}

/** Tracked links: what is kept of a clicker's IP, the signing secret, the short-URL base, the scanner window. */
export interface LinksConfig {
  /** `KIN_LINKS_IP`: `truncate` (default), `drop` or `keep`. */
  ip: IpMode;
  /** `KIN_LINKS_SECRET`: HMAC key of recipient tokens; else one generated once and kept in the store. */
  secret?: string;
  /** `KIN_LINKS_BASE_URL`: origin of short URLs (`https://go.example.com`); else the request's. */
  baseUrl?: string;
  /** `KIN_LINKS_SCANNER_SECONDS`: a click or open this soon after the recipient's token was made is a scanner's. */
  scannerSeconds: number;
}

/** Raised when configuration is invalid; `problems` name each bad setting. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    // One problem, one line; several, one line each.
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const writeKeysSchema = z.string().transform((text, ctx) => {
  const keys: DeclaredWriteKey[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf(':');
    const name = part.slice(0, at).trim();
    const key = part.slice(at + 1).trim();
    if (at <= 0 || !name || key.length < 8) {
      ctx.addIssue({ code: 'custom', message: 'expected name:key pairs separated by commas, keys of at least 8 characters' });
      return z.NEVER;
    }
    const twin = keys.find((k) => k.key === key || k.name === name);
    if (twin) {
      // Why an error: one key cannot authenticate two sources, and one source cannot take two keys at once.
      ctx.addIssue({
        code: 'custom',
        message: twin.key === key ? `sources "${twin.name}" and "${name}" declare the same key` : `source "${name}" is declared twice`,
      });
      return z.NEVER;
    }
    keys.push({ name, key });
  }
  return keys;
});

const schema = z.object({
  port: intFrom(0, 65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  db: z.string().min(1).default('./.kin/kin.db'),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  writeKeys: writeKeysSchema.default([]),
  policyFile: z.string().min(1).optional(),
  maxEventBytes: intFrom(1024, 16 * 1024 * 1024).default(32 * 1024),
  // Bounded: validation and the batch-context merge recurse once per level.
  maxEventDepth: intFrom(4, 1000).default(64),
  maxRequestBytes: intFrom(1024, 256 * 1024 * 1024).default(500 * 1024),
  maxBatchItems: intFrom(1, 1_000_000).default(2500),
  maxAdminBodyBytes: intFrom(1024, 256 * 1024 * 1024).default(1024 * 1024),
  maxInFlightBytes: intFrom(1024, 16 * 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  maxInFlightRequests: intFrom(1, 1_000_000).default(256),
  maxConnections: intFrom(1, 10_000_000).default(10_000),
  requestTimeoutSeconds: intFrom(1, 3600).default(30),
  headersTimeoutSeconds: intFrom(1, 3600).default(10),
  keepAliveTimeoutSeconds: intFrom(1, 3600).default(5),
  dedupWindowDays: intFrom(1, 3650).default(30),
  warningsRetentionDays: intFrom(1, 3650).default(30),
  dedupMemory: intFrom(1, 10_000_000).default(100_000),
  timelineTail: intFrom(1, 10_000_000).default(50_000),
  groupWaitMs: intFrom(0, 1000).default(20),
  groupMinEvents: intFrom(1, 100_000).default(1000),
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
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  privacySecret: z.string().min(16, 'must be at least 16 characters').optional(),
  ingestThread: z.enum(['on', 'off']).default('on'),
  importMaxRecordBytes: intFrom(1024, 256 * 1024 * 1024).default(1024 * 1024),
  importSpoolDir: z.string().min(1).optional(),
  // 0 turns journeys and delivery off in this process (e.g. extra collectors of a pipeline).
  messagingPollMs: intFrom(0, 60_000).default(500),
  deliveryLeaseSeconds: intFrom(1, 3600).default(60),
  analyticsTimeoutMs: intFrom(1, 600_000).default(30_000),
  rateLimitEventsPerSecond: intFrom(0, 1_000_000).default(0),
  rateLimitBurstSeconds: intFrom(1, 3600).default(5),
  adminRateLimitPerMinute: intFrom(0, 1_000_000).default(1200),
  adminHeavyRateLimitPerMinute: intFrom(0, 1_000_000).default(120),
  linksIp: z.enum(IP_MODES as [IpMode, ...IpMode[]]).default('truncate'),
  linksSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  linksBaseUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#]+$/, 'must be an http(s) origin without a path')
    .optional(),
  linksScannerSeconds: intFrom(0, 3600).default(10),
});

/** Which environment variable feeds which setting. */
const ENV: Record<keyof z.input<typeof schema>, string> = {
  port: 'PORT',
  host: 'KIN_HOST',
  db: 'KIN_DB',
  adminToken: 'KIN_ADMIN_TOKEN',
  writeKeys: 'KIN_WRITE_KEYS',
  policyFile: 'KIN_POLICY',
  maxEventBytes: 'KIN_MAX_EVENT_BYTES',
  maxEventDepth: 'KIN_MAX_EVENT_DEPTH',
  maxRequestBytes: 'KIN_MAX_REQUEST_BYTES',
  maxBatchItems: 'KIN_MAX_BATCH_ITEMS',
  maxAdminBodyBytes: 'KIN_MAX_ADMIN_BODY_BYTES',
  maxInFlightBytes: 'KIN_MAX_INFLIGHT_BYTES',
  maxInFlightRequests: 'KIN_MAX_INFLIGHT_REQUESTS',
  maxConnections: 'KIN_MAX_CONNECTIONS',
  requestTimeoutSeconds: 'KIN_REQUEST_TIMEOUT_SECONDS',
  headersTimeoutSeconds: 'KIN_HEADERS_TIMEOUT_SECONDS',
  keepAliveTimeoutSeconds: 'KIN_KEEP_ALIVE_TIMEOUT_SECONDS',
  dedupWindowDays: 'KIN_DEDUP_WINDOW_DAYS',
  warningsRetentionDays: 'KIN_WARNINGS_RETENTION_DAYS',
  dedupMemory: 'KIN_DEDUP_MEMORY',
  timelineTail: 'KIN_TIMELINE_TAIL',
  groupWaitMs: 'KIN_GROUP_WAIT_MS',
  groupMinEvents: 'KIN_GROUP_MIN_EVENTS',
  pipeline: 'KIN_PIPELINE',
  natsStream: 'KIN_NATS_STREAM',
  natsSubject: 'KIN_NATS_SUBJECT',
  natsConsumer: 'KIN_NATS_CONSUMER',
  workerBatch: 'KIN_WORKER_BATCH',
  ackWaitSeconds: 'KIN_WORKER_ACK_WAIT_SECONDS',
  maxDeliveries: 'KIN_WORKER_MAX_DELIVERIES',
  dlqStream: 'KIN_NATS_DLQ_STREAM',
  dlqSubject: 'KIN_NATS_DLQ_SUBJECT',
  metricsToken: 'KIN_METRICS_TOKEN',
  privacySecret: 'KIN_PRIVACY_SECRET',
  ingestThread: 'KIN_INGEST_THREAD',
  importMaxRecordBytes: 'KIN_IMPORT_MAX_RECORD_BYTES',
  importSpoolDir: 'KIN_IMPORT_SPOOL_DIR',
  messagingPollMs: 'KIN_MESSAGING_POLL_MS',
  deliveryLeaseSeconds: 'KIN_DELIVERY_LEASE_SECONDS',
  analyticsTimeoutMs: 'KIN_ANALYTICS_TIMEOUT_MS',
  rateLimitEventsPerSecond: 'KIN_RATE_LIMIT_EVENTS_PER_SECOND',
  rateLimitBurstSeconds: 'KIN_RATE_LIMIT_BURST_SECONDS',
  adminRateLimitPerMinute: 'KIN_ADMIN_RATE_LIMIT_PER_MINUTE',
  adminHeavyRateLimitPerMinute: 'KIN_ADMIN_HEAVY_RATE_LIMIT_PER_MINUTE',
  linksIp: 'KIN_LINKS_IP',
  linksSecret: 'KIN_LINKS_SECRET',
  linksBaseUrl: 'KIN_LINKS_BASE_URL',
  linksScannerSeconds: 'KIN_LINKS_SCANNER_SECONDS',
};

/** Flags as the CLI passes them (already named like the settings). */
export type ConfigFlags = Partial<Record<keyof typeof ENV, string | number | undefined>>;

/** The process's configuration: its environment with the command's flags over it (what every command reads). */
export function processConfig(flags: ConfigFlags = {}): Readonly<KinConfig> {
  return parseConfig(process.env, flags);
}

/** Parses flags over environment into a frozen config; throws `ConfigError` naming every bad value. */
export function parseConfig(env: Record<string, string | undefined>, flags: ConfigFlags = {}): Readonly<KinConfig> {
  const input: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(ENV)) {
    const flag = flags[key as keyof typeof ENV];
    const value = flag !== undefined ? flag : env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const variable = ENV[key as keyof typeof ENV];
        return `${key}${variable ? ` (${variable})` : ''}: ${issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  // Why checked here: node:http throws at listen when headersTimeout exceeds requestTimeout, and an in-flight
  // byte bound below one request's limit would refuse every large request forever.
  const relations = [
    ...(c.headersTimeoutSeconds > c.requestTimeoutSeconds
      ? ['headersTimeoutSeconds (KIN_HEADERS_TIMEOUT_SECONDS): must not exceed requestTimeoutSeconds (KIN_REQUEST_TIMEOUT_SECONDS)']
      : []),
    ...(c.maxInFlightBytes < c.maxRequestBytes
      ? ['maxInFlightBytes (KIN_MAX_INFLIGHT_BYTES): must be at least maxRequestBytes (KIN_MAX_REQUEST_BYTES)']
      : []),
  ];
  if (relations.length > 0) throw new ConfigError(relations);
  if (subjectsOverlap(c.dlqSubject, c.natsSubject)) {
    // JetStream refuses two streams whose subjects overlap, and a dead letter must not flow back to the workers.
    throw new ConfigError([`dlqSubject (KIN_NATS_DLQ_SUBJECT): must not overlap the event subject "${c.natsSubject}"`]);
  }
  return Object.freeze({
    port: c.port,
    host: c.host,
    db: c.db,
    writeKeys: c.writeKeys,
    limits: Object.freeze({
      maxEventBytes: c.maxEventBytes,
      maxEventDepth: c.maxEventDepth,
      maxRequestBytes: c.maxRequestBytes,
      maxBatchItems: c.maxBatchItems,
      maxAdminBodyBytes: c.maxAdminBodyBytes,
    }),
    admission: Object.freeze({ maxInFlightBytes: c.maxInFlightBytes, maxInFlightRequests: c.maxInFlightRequests }),
    server: Object.freeze({
      maxConnections: c.maxConnections,
      requestTimeoutSeconds: c.requestTimeoutSeconds,
      headersTimeoutSeconds: c.headersTimeoutSeconds,
      keepAliveTimeoutSeconds: c.keepAliveTimeoutSeconds,
    }),
    dedupWindowDays: c.dedupWindowDays,
    warningsRetentionDays: c.warningsRetentionDays,
    dedupMemory: c.dedupMemory,
    timelineTail: c.timelineTail,
    groupCommit: Object.freeze({ waitMs: c.groupWaitMs, minEvents: c.groupMinEvents }),
    ...(c.adminToken ? { adminToken: c.adminToken } : {}),
    ...(c.policyFile ? { policyFile: c.policyFile } : {}),
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
    ...(c.metricsToken ? { metricsToken: c.metricsToken } : {}),
    ...(c.privacySecret ? { privacySecret: c.privacySecret } : {}),
    ingestThread: c.ingestThread === 'on',
    rateLimits: Object.freeze({
      eventsPerSecond: c.rateLimitEventsPerSecond,
      burstSeconds: c.rateLimitBurstSeconds,
      adminPerMinute: c.adminRateLimitPerMinute,
      adminHeavyPerMinute: c.adminHeavyRateLimitPerMinute,
    }),
    imports: Object.freeze({ maxRecordBytes: c.importMaxRecordBytes, ...(c.importSpoolDir ? { spoolDir: c.importSpoolDir } : {}) }),
    messagingPollMs: c.messagingPollMs,
    deliveryLeaseSeconds: c.deliveryLeaseSeconds,
    analytics: Object.freeze({ timeoutMs: c.analyticsTimeoutMs }),
    links: Object.freeze({
      ip: c.linksIp,
      scannerSeconds: c.linksScannerSeconds,
      ...(c.linksSecret ? { secret: c.linksSecret } : {}),
      ...(c.linksBaseUrl ? { baseUrl: c.linksBaseUrl } : {}),
    }),
  });
}

/** Whether one subject prefix is the other or lies under it. */
function subjectsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}
