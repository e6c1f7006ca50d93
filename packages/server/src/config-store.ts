/**
 * Configuration of the store and the embedded write path: the database, the identity policy file, how long
 * message ids and warnings are kept, the SQLite writer's memory and group-commit tuning, its thread, and the
 * key of the privacy hashes. One section of config.ts, which reads the environment and composes every section.
 */
import { z } from 'zod';
import { intFrom } from './config-fields.ts';
import type { SettingsOf } from './config-fields.ts';

/** The store's part of the configuration. */
export interface StoreConfig {
  /** SQLite file path or a postgres:// URL. */
  db: string;
  policyFile?: string;
  dedupWindowDays: number;
  /** Warnings last seen longer ago than this are removed (hourly, in bulk). */
  warningsRetentionDays: number;
  /** Embedded SQLite: messageId claims held in memory before they are written out in bulk (see sqlite-message-ids.ts). */
  dedupMemory: number;
  /** Embedded SQLite: timeline entries appended to the tail before they are written out in key order (see sqlite-timeline.ts). */
  timelineTail: number;
  /** Embedded store: how long and for how many events a transaction waits while earlier commits sync (see group-commit.ts). */
  groupCommit: { waitMs: number; minEvents: number };
  /** Key of the privacy hashes (tombstones, suppressions); generated beside the SQLite file when absent (docs/privacy.md). */
  privacySecret?: string;
  /** Embedded SQLite: write on a second thread beside the HTTP thread (default on; see storage/sqlite/writer/ingest-thread.ts). */
  ingestThread: boolean;
}

/** The store's settings, keyed like the CLI's flags. */
export const STORE_SETTINGS = {
  db: z.string().min(1).default('./.kin/kin.db'),
  policyFile: z.string().min(1).optional(),
  dedupWindowDays: intFrom(1, 3650).default(30),
  warningsRetentionDays: intFrom(1, 3650).default(30),
  dedupMemory: intFrom(1, 10_000_000).default(100_000),
  timelineTail: intFrom(1, 10_000_000).default(50_000),
  groupWaitMs: intFrom(0, 1000).default(20),
  groupMinEvents: intFrom(1, 100_000).default(1000),
  privacySecret: z.string().min(16, 'must be at least 16 characters').optional(),
  ingestThread: z.enum(['on', 'off']).default('on'),
};

/** Which environment variable feeds which store setting. */
export const STORE_ENV: Record<keyof typeof STORE_SETTINGS, string> = {
  db: 'KIN_DB',
  policyFile: 'KIN_POLICY',
  dedupWindowDays: 'KIN_DEDUP_WINDOW_DAYS',
  warningsRetentionDays: 'KIN_WARNINGS_RETENTION_DAYS',
  dedupMemory: 'KIN_DEDUP_MEMORY',
  timelineTail: 'KIN_TIMELINE_TAIL',
  groupWaitMs: 'KIN_GROUP_WAIT_MS',
  groupMinEvents: 'KIN_GROUP_MIN_EVENTS',
  privacySecret: 'KIN_PRIVACY_SECRET',
  ingestThread: 'KIN_INGEST_THREAD',
};

/** The store's part of the frozen configuration. */
export function storeSection(c: SettingsOf<typeof STORE_SETTINGS>): StoreConfig {
  return {
    db: c.db,
    dedupWindowDays: c.dedupWindowDays,
    warningsRetentionDays: c.warningsRetentionDays,
    dedupMemory: c.dedupMemory,
    timelineTail: c.timelineTail,
    groupCommit: Object.freeze({ waitMs: c.groupWaitMs, minEvents: c.groupMinEvents }),
    ...(c.policyFile ? { policyFile: c.policyFile } : {}),
    ...(c.privacySecret ? { privacySecret: c.privacySecret } : {}),
    ingestThread: c.ingestThread === 'on',
  };
}
