/**
 * Configuration of the features beside ingestion: imports, journeys and delivery, analytics and tracked
 * links. One section of config.ts, which reads the environment and composes every section.
 */
import { z } from 'zod';
import { IP_MODES } from '@kin/core';
import type { IpMode } from '@kin/core';
import { intFrom } from './config-fields.ts';
import type { SettingsOf } from './config-fields.ts';

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

/** The features' part of the configuration. */
export interface FeaturesConfig {
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

/** The features' settings, keyed like the CLI's flags. */
export const FEATURE_SETTINGS = {
  importMaxRecordBytes: intFrom(1024, 256 * 1024 * 1024).default(1024 * 1024),
  importSpoolDir: z.string().min(1).optional(),
  // 0 turns journeys and delivery off in this process (e.g. extra collectors of a pipeline).
  messagingPollMs: intFrom(0, 60_000).default(500),
  deliveryLeaseSeconds: intFrom(1, 3600).default(60),
  analyticsTimeoutMs: intFrom(1, 600_000).default(30_000),
  linksIp: z.enum(IP_MODES as [IpMode, ...IpMode[]]).default('truncate'),
  linksSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  linksBaseUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#]+$/, 'must be an http(s) origin without a path')
    .optional(),
  linksScannerSeconds: intFrom(0, 3600).default(10),
};

/** Which environment variable feeds which feature setting. */
export const FEATURE_ENV: Record<keyof typeof FEATURE_SETTINGS, string> = {
  importMaxRecordBytes: 'KIN_IMPORT_MAX_RECORD_BYTES',
  importSpoolDir: 'KIN_IMPORT_SPOOL_DIR',
  messagingPollMs: 'KIN_MESSAGING_POLL_MS',
  deliveryLeaseSeconds: 'KIN_DELIVERY_LEASE_SECONDS',
  analyticsTimeoutMs: 'KIN_ANALYTICS_TIMEOUT_MS',
  linksIp: 'KIN_LINKS_IP',
  linksSecret: 'KIN_LINKS_SECRET',
  linksBaseUrl: 'KIN_LINKS_BASE_URL',
  linksScannerSeconds: 'KIN_LINKS_SCANNER_SECONDS',
};

/** The features' part of the frozen configuration. */
export function featuresSection(c: SettingsOf<typeof FEATURE_SETTINGS>): FeaturesConfig {
  return {
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
  };
}
