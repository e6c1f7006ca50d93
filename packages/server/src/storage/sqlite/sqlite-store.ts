/**
 * The embedded store: one SQLite file in WAL mode, composed of its parts:
 * - sqlite-connection.ts: the writer and read connections, the write queue and durability;
 * - sqlite-migrator.ts: the schema, brought up to date before anything here is built;
 * - sqlite-apply.ts: the write path of one event (snapshot, plan), with sqlite-write-statements.ts;
 * - sqlite-identity.ts: identity operations beyond one event (detach, replay, do-not-link, tombstones);
 * - sqlite-reads.ts and sqlite-sources.ts: reads and source CRUD;
 * - transaction parts (messageId claims, timeline, per-minute counts) that hold writes in memory and add
 *   them at the edges of each transaction.
 * This file owns the transaction: BEGIN IMMEDIATE, the graph cache's coherence with other writers, COMMIT.
 */
import type Database from 'better-sqlite3';
import type { Identifier } from '@kin/core';
import { identifierDigest, lazyDatabaseKeyer } from '../../privacy/privacy-keys.ts';
import type { Clock } from '../../ports/clock.ts';
import { systemClock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import type { Store, StoreTx } from '../storage.ts';
import { createSqliteApply } from './sqlite-apply.ts';
import type { CheckpointMode } from './sqlite-connection.ts';
import { inSqliteTransaction, openSqliteConnection } from './sqlite-connection.ts';
import { GraphCache } from './sqlite-graph-cache.ts';
import { createSqliteMessagingStore } from './sqlite-messaging.ts';
import { createSqliteAccess } from './sqlite-access.ts';
import { createSqliteAudiences, insertRecomputeMarks } from './sqlite-audiences.ts';
import { createSqliteIdentity } from './sqlite-identity.ts';
import { createSqliteMatchingStore, insertMatchLink } from './sqlite-matching-store.ts';
import { createSqliteLeases } from './sqlite-lease.ts';
import { createSqliteAnalytics } from './sqlite-analytics.ts';
import { createSqlitePrivacy } from './sqlite-privacy.ts';
import { createSqliteLinksStore, sqliteLinkClickTx } from './sqlite-links.ts';
import { createSqliteMatchIndex } from './sqlite-match-index.ts';
import { createMessageIdIndex } from './sqlite-message-ids.ts';
import type { MessageIdIndexOptions } from './sqlite-message-ids.ts';
import { migrateSqlite } from './sqlite-migrator.ts';
import { keyPlainTombstones } from './sqlite-tombstone-keys.ts';
import { createSqliteReads } from './sqlite-reads.ts';
import { createSourceMinutes } from './sqlite-source-minutes.ts';
import { createEventBlocks } from './sqlite-event-blocks.ts';
import { createEventColumns } from './sqlite-event-columns.ts';
import { createSqliteSources } from './sqlite-sources.ts';
import { createTimeline } from './sqlite-timeline.ts';
import type { TimelineOptions } from './sqlite-timeline.ts';
import { createSqliteTraitHistory } from './sqlite-trait-history.ts';
import { prepareWrites } from './sqlite-write-statements.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests only: one connection, no durability). */
  path: string;
  /**
   * `external`: this connection never checkpoints; a checkpoint thread does (sqlite-checkpointer.ts).
   * Default `inline`: SQLite checkpoints inside a COMMIT once the WAL holds 10,000 pages.
   */
  checkpoint?: CheckpointMode;
  ids?: IdGenerator;
  clock?: Clock;
  /** How many messageId claims wait in memory before they are written out in bulk (tests make it small). */
  messageIds?: Partial<MessageIdIndexOptions>;
  /** How many timeline entries wait in the tail before they are written out in bulk (tests make it small). */
  timeline?: Partial<TimelineOptions>;
  /** Events per block of `event_blocks`, where analytics finds time ranges (tests make it small). */
  eventBlockSize?: number;
  /** Reads only (the admin read thread): the file is opened read-only, so any write fails. */
  readOnly?: boolean;
  /** KIN_PRIVACY_SECRET: keys tombstones; else the secret file beside the database (privacy-keys.ts). */
  privacySecret?: string;
}

/**
 * A part of the store that keeps writes in memory during a transaction and adds them at its edges
 * (messageId claims, timeline entries, source counters). `othersWrote`: another connection committed since
 * this one's last transaction.
 */
interface TransactionPart {
  begin?(othersWrote: boolean): void;
  /** Before COMMIT, inside the transaction. */
  beforeCommit(): void;
  committed?(): void;
  rolledBack(): void;
}

/** The SQLite store, with what only its own writer thread uses. */
export interface SqliteStore extends Store {
  /** Hands in the messageId keys of events about to be submitted, hashed off the writer thread (message-key.ts). */
  primeMessageKeys(sourceId: string, events: ReadonlyArray<{ messageId: string }>, keys: readonly bigint[]): void;
}

/** Opens (and migrates) a SQLite store. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return createSqliteStore(options);
}

/** Opens a SQLite store, migrating the file first unless it is opened read-only. */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const ids = options.ids ?? createIdGenerator();
  const clock = options.clock ?? systemClock;
  const connection = openSqliteConnection(options);
  const { db, read, queue, writes, durable } = connection;
  const keyer = lazyDatabaseKeyer({ db: options.path, ...(options.privacySecret ? { secret: options.privacySecret } : {}) });
  const digest = (identifier: Identifier): string => identifierDigest(keyer, identifier);
  const migrate = (): void => {
    migrateSqlite(db, () => clock.now());
    keyPlainTombstones(db, digest);
    // Every stale block packed again at open (migration 42 leaves them all stale; commits pack only a few each).
    inSqliteTransaction(db, () => createEventColumns(db).repack(-1));
  };
  if (!options.readOnly) migrate();

  const cache = new GraphCache();
  const messageIds = createMessageIdIndex(db, () => clock.now().getTime(), options.messageIds);
  const sourceMinutes = createSourceMinutes(db);
  const timeline = createTimeline(db, options.timeline);
  const eventBlocks = createEventBlocks(db, options.eventBlockSize, createEventColumns(db));
  /** The parts that hold writes in memory and add them at the edges of each transaction (in runTransaction). */
  const matchIndex = createSqliteMatchIndex(db, () => clock.now().getTime());
  const linkClicks = sqliteLinkClickTx(db);
  const parts: TransactionPart[] = [messageIds, sourceMinutes, timeline, eventBlocks, matchIndex, linkClicks];
  const identity = createSqliteIdentity(db, read, cache, timeline, ids, digest);
  const apply = createSqliteApply({
    statements: prepareWrites(db),
    ids,
    clock,
    cache,
    identity,
    timeline,
    messageIds,
    sourceMinutes,
    eventBlocks,
    matchIndex,
    traitHistory: createSqliteTraitHistory(db, cache),
  });
  const sources = createSqliteSources(db, read, queue, ids);
  const reads = createSqliteReads(read, identity);
  const leases = createSqliteLeases(options.path);
  const audiences = createSqliteAudiences({ db, read, queue, path: options.path, leases });

  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  /**
   * Why: the graph cache is only right while this connection is the only writer. Another process (kin import,
   * kin match run, kin replay, a second server) may commit to the same file; SQLite's data_version changes
   * exactly then, so the first transaction after such a commit starts from an empty cache. Called right after
   * BEGIN IMMEDIATE, when no other writer can commit until this transaction ends.
   */
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let seenVersion: unknown;
  /** True (and the cache cleared) when another connection committed since this one last looked. */
  function forgetOthersWrites(): boolean {
    const version = dataVersion.get();
    const changed = seenVersion !== undefined && version !== seenVersion;
    if (changed) cache.clear();
    seenVersion = version;
    return changed;
  }

  const tx: StoreTx = {
    sourceName: async (sourceId) => sources.nameOf(sourceId),
    prefetch: async () => undefined,
    claimMessageIds: async (sourceId, ids) => ids.map((id) => apply.claim(sourceId, id)),
    loadSnapshot: async (identifiers, options) =>
      apply.loadSnapshot(identifiers, options?.beforeSeq ?? Number.POSITIVE_INFINITY, options?.deviceTypes),
    applyEvent: async (input) => ({ profileId: apply.applyEvent(input) }),
    addWarnings: async (warnings) => apply.insertWarnings(warnings),
    findMerge: async (id) => identity.findMerge(db, id),
    detachProfile: async (profileId) => {
      apply.flushTouches();
      const detached = identity.detachProfile(profileId);
      if (detached) matchIndex.forget(detached.profiles.map((p) => p.id));
      return detached;
    },
    resetGraph: async () => (apply.flushTouches(), matchIndex.reset(), identity.resetGraph()),
    listReplayEvents: async (afterSeq, limit) => identity.listReplayEvents(afterSeq, limit),
    forwardProfiles: async (pairs, at) => (apply.flushTouches(), identity.forwardProfiles(pairs, at)),
    addDoNotLink: async (rule) => identity.addDoNotLink(rule),
    recordLedger: async (entry) => identity.recordLedger(entry),
    markMergesUndone: async (profileIds, ledgerId) => identity.markMergesUndone(profileIds, ledgerId),
    tombstone: async (profileId, identifier, at) => (apply.flushTouches(), identity.tombstone(profileId, identifier, at)),
    recordMatchLink: async (link) => insertMatchLink(db, link),
    markForRecompute: async (profileIds) => {
      const fresh = profileIds.filter((id) => !markedInTx.has(id));
      for (const id of fresh) markedInTx.add(id);
      insertRecomputeMarks(db, fresh);
    },
    links: linkClicks,
  };
  /** Profiles marked in the open transaction: a replay marks its profile once per event, the table once per transaction. */
  const markedInTx = new Set<string>();

  /** One write transaction on the writer connection; called inside the write queue. */
  async function runTransaction<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    cache.trim();
    markedInTx.clear();
    begin.run();
    const othersWrote = forgetOthersWrites();
    for (const part of parts) part.begin?.(othersWrote);
    try {
      const result = await fn(tx);
      apply.flushTouches();
      for (const part of parts) part.beforeCommit();
      commit.run();
      for (const part of parts) part.committed?.();
      return result;
    } catch (error) {
      apply.dropTouches();
      if (db.inTransaction) rollback.run();
      for (const part of parts) part.rolledBack();
      cache.clear();
      throw error;
    }
  }

  const inTransaction = <T>(fn: () => T): T => inSqliteTransaction(db, fn);
  const run = <T>(fn: (db: Database.Database) => T): Promise<T> => queue.run(() => fn(db));

  return {
    ...reads,
    ...sources.crud,
    matching: createSqliteMatchingStore({ db, read, queue, matchIndex, leases }),
    messaging: createSqliteMessagingStore({ db, read, writes, durable, leases }),
    analytics: createSqliteAnalytics(read),
    privacy: createSqlitePrivacy({ db, read, queue, transaction: (fn) => queue.run(() => runTransaction(fn)) }),
    ...createSqliteAccess({ db, read, queue }),
    links: createSqliteLinksStore({ db, read, queue }),
    audiences,

    async migrate() {
      await queue.run(migrate);
    },

    close: () => (audiences.close(), leases.close(), connection.close()),

    transaction<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
      return queue.run(() => runTransaction(fn));
    },

    async transactionDeferred<T>(fn: (t: StoreTx) => Promise<T>) {
      const result = await writes.run(() => runTransaction(fn));
      return { result, durable: durable() };
    },

    async addWarnings(warnings) {
      await queue.run(() => apply.insertWarnings(warnings));
    },

    primeMessageKeys(sourceId, events, keys) {
      for (let i = 0; i < events.length; i++) messageIds.prime(sourceId, events[i]!.messageId, keys[i]!);
    },

    async removeDoNotLink(id) {
      return queue.run(() => inTransaction(() => identity.removeDoNotLink(id)));
    },

    async pruneWarnings(olderThan) {
      return run((d) => d.prepare('DELETE FROM warnings WHERE last_seen_at < ?').run(olderThan).changes);
    },

    async pruneMessageIds(olderThan) {
      return run((d) => {
        const ms = new Date(olderThan).getTime();
        const a = d.prepare('DELETE FROM message_ids WHERE received_at < ?').run(ms).changes;
        const b = d.prepare('DELETE FROM message_id_overflow WHERE received_at < ?').run(ms).changes;
        return a + b + messageIds.prune(ms);
      });
    },
  };
}
