/**
 * Configuration of the HTTP edge: where the server listens, who may call it (admin token, write keys, metrics
 * token), how large a request may be, how many may be in flight, the node:http timeouts and the rate limits.
 * One section of config.ts, which reads the environment and composes every section.
 */
import { z } from 'zod';
import { intFrom } from './config-fields.ts';
import type { SettingsOf } from './config-fields.ts';

/** A write key declared at start (`KIN_WRITE_KEYS=name:key,name:key`). */
export interface DeclaredWriteKey {
  name: string;
  key: string;
}

/** The HTTP edge's part of the configuration. */
export interface HttpConfig {
  port: number;
  host: string;
  adminToken?: string;
  writeKeys: DeclaredWriteKey[];
  /** Body limits; `maxAdminBodyBytes` bounds every admin JSON body (imports stream and are bounded apart). */
  limits: { maxEventBytes: number; maxEventDepth: number; maxRequestBytes: number; maxBatchItems: number; maxAdminBodyBytes: number };
  /** Ingest admission: request bytes and requests in flight on the tracking routes before 503 `overloaded` (see http/admission-control.ts). */
  admission: { maxInFlightBytes: number; maxInFlightRequests: number };
  /** The HTTP server: connection cap and timeouts in seconds (node:http `maxConnections`, `requestTimeout`, `headersTimeout`, `keepAliveTimeout`). */
  server: { maxConnections: number; requestTimeoutSeconds: number; headersTimeoutSeconds: number; keepAliveTimeoutSeconds: number };
  /** Bearer token for `/metrics` (the admin token also works); see docs/configuration.md and docs/scaling-out.md. */
  metricsToken?: string;
  /**
   * Rate limits (see limits/ and docs/rate-limits.md): every write key's events per second (0: off, the
   * default; the policy's `sources.<name>.rateLimit` overrides per source) with a burst of `burstSeconds`
   * worth, and each admin token's requests per minute, heavy (analytics) routes counted apart (0: off).
   */
  rateLimits: { eventsPerSecond: number; burstSeconds: number; adminPerMinute: number; adminHeavyPerMinute: number };
}

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

/** The HTTP edge's settings, keyed like the CLI's flags. */
export const HTTP_SETTINGS = {
  port: intFrom(0, 65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  writeKeys: writeKeysSchema.default([]),
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
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  rateLimitEventsPerSecond: intFrom(0, 1_000_000).default(0),
  rateLimitBurstSeconds: intFrom(1, 3600).default(5),
  adminRateLimitPerMinute: intFrom(0, 1_000_000).default(1200),
  adminHeavyRateLimitPerMinute: intFrom(0, 1_000_000).default(120),
};

/** Which environment variable feeds which HTTP setting. */
export const HTTP_ENV: Record<keyof typeof HTTP_SETTINGS, string> = {
  port: 'PORT',
  host: 'KIN_HOST',
  adminToken: 'KIN_ADMIN_TOKEN',
  writeKeys: 'KIN_WRITE_KEYS',
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
  metricsToken: 'KIN_METRICS_TOKEN',
  rateLimitEventsPerSecond: 'KIN_RATE_LIMIT_EVENTS_PER_SECOND',
  rateLimitBurstSeconds: 'KIN_RATE_LIMIT_BURST_SECONDS',
  adminRateLimitPerMinute: 'KIN_ADMIN_RATE_LIMIT_PER_MINUTE',
  adminHeavyRateLimitPerMinute: 'KIN_ADMIN_HEAVY_RATE_LIMIT_PER_MINUTE',
};

type HttpSettings = SettingsOf<typeof HTTP_SETTINGS>;

/**
 * Settings that are valid alone but not together. Why checked here: node:http throws at listen when
 * headersTimeout exceeds requestTimeout, and an in-flight byte bound below one request's limit would refuse
 * every large request forever.
 */
export function httpProblems(c: HttpSettings): string[] {
  return [
    ...(c.headersTimeoutSeconds > c.requestTimeoutSeconds
      ? ['headersTimeoutSeconds (KIN_HEADERS_TIMEOUT_SECONDS): must not exceed requestTimeoutSeconds (KIN_REQUEST_TIMEOUT_SECONDS)']
      : []),
    ...(c.maxInFlightBytes < c.maxRequestBytes
      ? ['maxInFlightBytes (KIN_MAX_INFLIGHT_BYTES): must be at least maxRequestBytes (KIN_MAX_REQUEST_BYTES)']
      : []),
  ];
}

/** The HTTP edge's part of the frozen configuration. */
export function httpSection(c: HttpSettings): HttpConfig {
  return {
    port: c.port,
    host: c.host,
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
    ...(c.adminToken ? { adminToken: c.adminToken } : {}),
    ...(c.metricsToken ? { metricsToken: c.metricsToken } : {}),
    rateLimits: Object.freeze({
      eventsPerSecond: c.rateLimitEventsPerSecond,
      burstSeconds: c.rateLimitBurstSeconds,
      adminPerMinute: c.adminRateLimitPerMinute,
      adminHeavyPerMinute: c.adminHeavyRateLimitPerMinute,
    }),
  };
}
