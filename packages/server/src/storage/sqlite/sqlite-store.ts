/**
 * The embedded store: one SQLite file in WAL mode.
 *
 * Why one writer connection behind a queue and a second connection for reads: better-sqlite3 is
 * synchronous, but a transaction callback is async (the pipeline awaits between statements). The queue
 * makes sure nothing else writes on the writer connection while a transaction is open, and reads never
 * see uncommitted rows because they use their own connection.
 * Durability: every write is answered only once it is on disk (a 2xx survives kill -9 and power loss), but
 * the fsync runs beside the writer, not on it: see sqlite-wal-sync.ts.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Identifier, IdentitySnapshot, KnownIdentifier, SnapshotProfile } from '@kin/core';
import { compareTypeValue, epochMs, isoString } from '@kin/core';
import type { IdGenerator } from '../../ports/ids.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { searchMatches } from '../search-matches.ts';
import type {
  ApplyInput,
  EventQuery,
  MergeRecord,
  NewSource,
  NewWarning,
  Page,
  ProfileMatch,
  ProfileView,
  SourceActivity,
  Store,
  StoreStats,
  StoredEvent,
  StoreTx,
  TraitHistory,
  TraitView,
  VolumeBucket,
  WarningRecord,
} from '../storage.ts';
import { LAST_SEEN_GRANULARITY_MS, TRAIT_HISTORY_KEPT } from '../storage.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { createSqliteMatchingStore, insertMatchLink } from './sqlite-matching-store.ts';
import { createSqliteMessagingStore } from './sqlite-messaging.ts';
import { createWriteQueue } from './write-queue.ts';
import { PairMap } from './pair-map.ts';
import type { WriteQueue } from './write-queue.ts';
import { createWalSync } from './sqlite-wal-sync.ts';
import type { CachedProfile } from './sqlite-graph-cache.ts';
import { GraphCache, cacheKey } from './sqlite-graph-cache.ts';
import { createSqliteIdentity } from './sqlite-identity.ts';
import { createMessageIdIndex } from './sqlite-message-ids.ts';
import type { MessageIdIndex, MessageIdIndexOptions } from './sqlite-message-ids.ts';
import { createTimeline } from './sqlite-timeline.ts';
import { readTimelinePage } from './sqlite-timeline-read.ts';
import type { Timeline, TimelineOptions } from './sqlite-timeline.ts';
import { sqliteListProfileIds, sqliteProfileIdsByName } from './sqlite-profile-list.ts';
import { createSourceMinutes } from './sqlite-source-minutes.ts';
import type { SourceMinutes } from './sqlite-source-minutes.ts';
import { toMerge, toProfileView, toSource, toStoreStats, toWarning, traitHistories } from '../store-rows.ts';
import { foldWarnings } from '../warning-subject.ts';
import type { ProfileRows } from '../store-rows.ts';
import { LATER_CONSENT_SQL as LATER_CONSENT } from '../consent-order-sql.ts';

/**
 * An identifier value of any type, through the (type, value) key: the distinct types are walked one
 * `min(type) > previous` step each (a loose index scan), then each type is one key lookup.
 */
const SEARCH_ANY_TYPE = `
  WITH RECURSIVE types(type) AS (
    SELECT min(type) FROM identifiers
    UNION ALL
    SELECT (SELECT min(type) FROM identifiers WHERE type > types.type) FROM types WHERE types.type IS NOT NULL
  )
  SELECT i.profile_id, i.type FROM types JOIN identifiers i ON i.type = types.type AND i.value = ? LIMIT ?`;

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests only: one connection, no durability). */
  path: string;
  /**
   * `external`: this connection never checkpoints; a checkpoint thread does (sqlite-checkpointer.ts).
   * Default `inline`: SQLite checkpoints inside a COMMIT once the WAL holds 10,000 pages.
   */
  checkpoint?: 'inline' | 'external';
  ids?: IdGenerator;
  /** How many messageId claims wait in memory before they are written out in bulk (tests make it small). */
  messageIds?: Partial<MessageIdIndexOptions>;
  /** How many timeline entries wait in the tail before they are written out in bulk (tests make it small). */
  timeline?: Partial<TimelineOptions>;
  /** Reads only (the admin read thread): the file is opened read-only, so any write fails. */
  readOnly?: boolean;
}

type Row = Record<string, unknown>;

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

/** Opens (and migrates) a SQLite store. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const store = createSqliteStore(options);
  await store.migrate();
  return store;
}

/** Creates a SQLite store without migrating it (see `openSqliteStore`). */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const ids = options.ids ?? createIdGenerator();
  const memory = options.path === ':memory:';
  const db = new Database(options.path, { readonly: options.readOnly === true });
  if (!options.readOnly) db.pragma('journal_mode = WAL');
  // NORMAL: a COMMIT writes the WAL without syncing it; `walSync` syncs before anything is acknowledged.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -131072');
  db.pragma('temp_store = MEMORY');
  // Why a larger checkpoint threshold: one group commit dirties more than the default 1,000 pages, so every
  // commit also checkpointed (copying pages to the database file and syncing it). At 10,000 pages (~40 MiB
  // of WAL) a page rewritten by several commits is copied once.
  db.pragma(`wal_autocheckpoint = ${options.checkpoint === 'external' ? 0 : 10_000}`);
  let reader: Database.Database | undefined;
  const read = (): Database.Database => {
    if (memory) return db;
    if (!reader) {
      reader = new Database(options.path, { readonly: true });
      reader.pragma('busy_timeout = 10000');
    }
    return reader;
  };
  const walSync = memory ? undefined : createWalSync(options.path);
  const writes = createWriteQueue();
  /** Settles once every commit so far is on disk. */
  const durable = (): Promise<void> => (walSync ? walSync.sync() : Promise.resolve());
  /** The write queue, answering each task only once its commit is on disk; the queue itself is free meanwhile. */
  const queue: WriteQueue = { run: (task) => writes.run(task).then(async (result) => (await durable(), result)) };
  const cache = new GraphCache();
  let statements: ReturnType<typeof prepareWrites> | undefined;
  const w = () => (statements ??= prepareWrites(db));
  let identityOps: ReturnType<typeof createSqliteIdentity> | undefined;
  // Lazy: the statements need the tables of migration 4.
  const idn = () => (identityOps ??= createSqliteIdentity(db, read, cache, timeline()));

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
  /** The parts that hold writes in memory and add them at the edges of each transaction (in runTransaction). */
  const parts: TransactionPart[] = [];
  const joined = <T extends TransactionPart>(part: T): T => (parts.push(part), part);
  let messageIds: MessageIdIndex | undefined;
  // Lazy, each of them: they need the tables of migrations 8, 10 and 9.
  const mids = () => (messageIds ??= joined(createMessageIdIndex(db, options.messageIds)));
  let sourceCounts: SourceMinutes | undefined;
  const sourceMinutes = () => (sourceCounts ??= joined(createSourceMinutes(db)));
  let timelineWrites: Timeline | undefined;
  const timeline = () => (timelineWrites ??= joined(createTimeline(db, options.timeline)));

  function inTransaction<T>(fn: () => T): T {
    begin.run();
    try {
      const result = fn();
      commit.run();
      return result;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    }
  }

  // Why a map without eviction: a source id never changes its name, and sources are few.
  const sourceNames = new Map<string, string>();
  let sourceNameOf: Database.Statement | undefined;
  const tx: StoreTx = {
    sourceName: async (sourceId) => {
      let name = sourceNames.get(sourceId);
      if (name === undefined) {
        sourceNameOf ??= db.prepare('SELECT name FROM sources WHERE id = ?').pluck();
        name = sourceNameOf.get(sourceId) as string | undefined;
        if (name !== undefined) sourceNames.set(sourceId, name);
      }
      return name;
    },
    claimMessageIds: async (sourceId, messageIds, keys) => messageIds.map((id, i) => claim(sourceId, id, keys?.[i])),
    loadSnapshot: async (identifiers, options) => loadSnapshot(identifiers, options?.beforeSeq ?? Number.POSITIVE_INFINITY, options?.deviceTypes),
    applyEvent: async (input) => ({ profileId: applyEvent(input) }),
    addWarnings: async (warnings) => insertWarnings(warnings),
    findMerge: async (id) => idn().findMerge(db, id),
    detachProfile: async (profileId) => (flushTouches(), idn().detachProfile(profileId)),
    resetGraph: async () => (flushTouches(), idn().resetGraph()),
    listReplayEvents: async (afterSeq, limit) => idn().listReplayEvents(afterSeq, limit),
    forwardProfiles: async (pairs, at) => (flushTouches(), idn().forwardProfiles(pairs, at)),
    addDoNotLink: async (rule) => idn().addDoNotLink(rule),
    recordLedger: async (entry) => idn().recordLedger(entry),
    markMergesUndone: async (profileIds, ledgerId) => idn().markMergesUndone(profileIds, ledgerId),
    tombstone: async (profileId, identifier, at) => (flushTouches(), idn().tombstone(profileId, identifier, at)),
    recordMatchLink: async (link) => insertMatchLink(db, link),
  };

  /**
   * lastSeen / firstSeen moves of this transaction, one per identifier, written at commit. Why: an active
   * identifier is touched again and again within one group commit; the cache already holds the new values
   * (the resolver reads those), and max/min make the coalesced write equal to the separate ones.
   * Invariant: every key here is in the cache, so a cache miss never reads a row with a pending touch;
   * whatever reads identifiers on the writer connection otherwise (a profile's load, admin steps) flushes first.
   */
  const pendingTouches = new PairMap<{ type: string; value: string; first: string; last: string }>();

  function flushTouches(): void {
    if (pendingTouches.size === 0) return;
    const s = w();
    // In key order: neighbouring rows share b-tree pages.
    const touches = [...pendingTouches.values()].sort(compareTypeValue);
    for (const t of touches) s.touchIdentifier.run(t.last, t.first, t.type, t.value);
    pendingTouches.clear();
  }

  function claim(sourceId: string, messageId: string, key: bigint | undefined): boolean {
    return mids().claim(sourceId, messageId, key, Date.now());
  }

  function loadSnapshot(identifiers: Identifier[], beforeSeq: number, deviceTypes: readonly string[] | undefined): IdentitySnapshot {
    const s = w();
    const known: KnownIdentifier[] = [];
    const profiles = new Map<string, SnapshotProfile>();
    for (const identifier of identifiers) {
      let cached = cache.identifiers.get(identifier.type, identifier.value);
      if (cached === undefined) {
        const row = s.identifier.get(identifier.type, identifier.value) as { profile_id: string; first_seen: string; last_seen: string } | undefined;
        cached = row ? { profileId: row.profile_id, firstSeen: row.first_seen, lastSeen: row.last_seen } : null;
        cache.identifiers.set(identifier.type, identifier.value, cached);
      }
      if (!cached) continue;
      known.push({ type: identifier.type, value: identifier.value, profileId: cached.profileId, lastSeen: cached.lastSeen });
      if (!profiles.has(cached.profileId)) profiles.set(cached.profileId, cache.snapshotOf(cachedProfile(cached.profileId)));
    }
    return idn().extendSnapshot(identifiers, { known, profiles }, beforeSeq, deviceTypes);
  }

  /** A profile from the cache, loaded (with all its identifiers) on a miss. */
  function cachedProfile(profileId: string): CachedProfile {
    const hit = cache.profiles.get(profileId);
    if (hit) return hit;
    const s = w();
    flushTouches();
    const row = s.profile.get(profileId) as { created_at: string; updated_at: string; merge_count: number } | undefined;
    if (!row) throw new Error(`identifier points at missing profile ${profileId}`);
    const profile: CachedProfile = { id: profileId, createdAt: row.created_at, mergeCount: row.merge_count, updatedAt: row.updated_at, identifiers: new Map() };
    for (const h of s.profileIdentifiers.all(profileId) as Array<{ type: string; value: string; first_seen: string; last_seen: string }>) {
      const id = { type: h.type, value: h.value };
      profile.identifiers.set(cacheKey(id), id);
      cache.identifiers.set(h.type, h.value, { profileId, firstSeen: h.first_seen, lastSeen: h.last_seen });
    }
    cache.profiles.set(profileId, profile);
    return profile;
  }

  function applyEvent({ event, sourceId, plan, unverified, replay, payload }: ApplyInput): string | undefined {
    const s = w();
    const at = event.receivedAt;
    const time = event.timestamp;
    let profileId: string | undefined;
    let profile: CachedProfile | undefined;
    if (plan.target.kind === 'new') {
      profileId = replay?.profileIdForNew ?? ids.profileId();
      s.insertProfile.run(profileId, at, at, event.messageId, sourceId);
      profile = { id: profileId, createdAt: at, mergeCount: 0, updatedAt: at, identifiers: new Map() };
      cache.profiles.set(profileId, profile);
    } else if (plan.target.kind === 'existing') {
      profileId = plan.target.profileId;
      profile = cachedProfile(profileId);
    }
    for (const merge of plan.merges) {
      const survivor = cachedProfile(merge.survivorId);
      const absorbed = cachedProfile(merge.absorbedId);
      // Sorted by (type, value), as PostgreSQL lists them: the cache's insertion order depends on its history.
      const sides = { survivor: sortedIdentifiers(survivor.identifiers.values()), absorbed: sortedIdentifiers(absorbed.identifiers.values()) };
      s.moveIdentifiers.run(merge.survivorId, merge.absorbedId);
      s.mergeTraits.run(merge.survivorId, merge.absorbedId);
      s.dropTraits.run(merge.absorbedId);
      s.moveTraitHistory.run(merge.survivorId, merge.absorbedId);
      s.pruneProfileHistory.run(merge.survivorId, TRAIT_HISTORY_KEPT);
      if (plan.consent?.onMerge === 'latest') s.mergeConsentLatest.run(merge.survivorId, merge.absorbedId);
      else s.mergeConsentRestrictive.run(merge.survivorId, merge.absorbedId);
      s.dropConsent.run(merge.absorbedId);
      s.forward.run(merge.survivorId, at, merge.absorbedId, merge.absorbedId);
      s.countMerge.run(1 + absorbed.mergeCount, at, merge.survivorId);
      s.insertMerge.run(randomUUID(), merge.survivorId, merge.absorbedId, merge.rule, JSON.stringify(merge.via), event.messageId, sourceId, at, JSON.stringify(sides));
      for (const [key, id] of absorbed.identifiers) {
        survivor.identifiers.set(key, id);
        const cached = cache.identifiers.get(id.type, id.value);
        if (cached) cached.profileId = merge.survivorId;
      }
      survivor.mergeCount += 1 + absorbed.mergeCount;
      survivor.updatedAt = at;
      survivor.snapshot = undefined;
      cache.profiles.delete(merge.absorbedId);
    }
    if (profileId !== undefined && profile) {
      for (const { identifier, rule } of plan.links) {
        s.insertIdentifier.run(identifier.type, identifier.value, profileId, sourceId, time, time, event.messageId, rule, time);
        profile.identifiers.set(cacheKey(identifier), { type: identifier.type, value: identifier.value });
        profile.snapshot = undefined;
        cache.identifiers.set(identifier.type, identifier.value, { profileId, firstSeen: time, lastSeen: time });
      }
      for (const touch of plan.touches) {
        const cached = cache.identifiers.get(touch.type, touch.value);
        // Why a granularity (LAST_SEEN_GRANULARITY_MS): re-writing lastSeen on every event would dirty a random
        // identifier page per event.
        if (!cached) {
          s.touchIdentifier.run(time, time, touch.type, touch.value);
        } else if (time < cached.firstSeen || epochMs(time) - epochMs(cached.lastSeen) >= LAST_SEEN_GRANULARITY_MS) {
          const pending = pendingTouches.get(touch.type, touch.value);
          if (!pending) pendingTouches.set(touch.type, touch.value, { type: touch.type, value: touch.value, first: time, last: time });
          else {
            if (time > pending.last) pending.last = time;
            if (time < pending.first) pending.first = time;
          }
          if (time > cached.lastSeen) cached.lastSeen = time;
          if (time < cached.firstSeen) cached.firstSeen = time;
          cache.changed(cached.profileId);
        }
      }
      const traitKeys = Object.keys(plan.traits.set);
      if (traitKeys.length > 0 || plan.traits.unset.length > 0) {
        const trust = plan.traits.trust;
        const write = (key: string, value: string | null): void => {
          const rank = trust && Object.hasOwn(trust, key) ? (trust[key] ?? 0) : 0;
          const entry = { profileId, key, value, ts: time, sourceId, trust: rank };
          // Why: a repeat of the newest value of the history (same value, source and rank, not older) only moves
          // its time, so the history grows only when a value changes, and is pruned only when it is full.
          const newest = s.newestTraitHistory.get(entry) as { seq: number; value: string | null; source_id: string; trust: number; ts: string; n: number } | undefined;
          const repeat = newest !== undefined && newest.value === value && newest.source_id === sourceId && newest.trust === rank && newest.ts <= time;
          if (repeat) {
            if (newest.ts !== time) s.retimeTraitHistory.run(time, newest.seq);
          } else {
            s.addTraitHistory.run(entry);
            if (newest && newest.n >= TRAIT_HISTORY_KEPT) s.pruneTraitHistory.run(profileId, key, TRAIT_HISTORY_KEPT);
          }
          // Why not the upsert alone: setting `value` rewrites every index on it (value, name search) even when
          // it is unchanged. A repeat most likely leaves the value as it is, so it first tries to move only the
          // time, source and rank; otherwise the upsert runs directly (an extra statement for a changed value).
          if (!repeat || s.refreshTrait.run(entry).changes === 0) s.setTrait.run(entry);
        };
        for (const key of traitKeys) write(key, JSON.stringify(plan.traits.set[key]));
        for (const key of plan.traits.unset) write(key, null);
      }
      const consent = Object.entries(plan.consent?.categories ?? {});
      for (const [category, granted] of consent) s.setConsent.run(profileId, category, granted ? 1 : 0, time);
      const changed = plan.links.length > 0 || plan.merges.length > 0 || traitKeys.length > 0 || plan.traits.unset.length > 0 || consent.length > 0;
      // Why the comparison: the events of one request share `at`, so all but the first would rewrite the
      // same value (a dirty page for nothing). The cached value tracks every write of updated_at here.
      if (changed && plan.target.kind === 'existing' && profile.updatedAt !== at) {
        s.touchProfile.run(at, profileId);
        profile.updatedAt = at;
      }
    }
    if (!replay) {
      insertWarnings(
        plan.warnings.map((warning) => ({
          kind: warning.kind,
          message: warning.message,
          sourceId,
          messageId: event.messageId,
          profileId: warning.profileId ?? profileId,
          createdAt: at,
        })),
      );
    }
    let seq: number;
    if (replay) {
      timeline().assign(replay.seq, profileId ?? null);
      seq = replay.seq;
    } else {
      const unverifiedJson = unverified ? JSON.stringify(unverified) : null;
      seq = Number(
        s.insertEvent.run(event.messageId, sourceId, profileId ?? null, event.type, event.event ?? null, time, at, payload ?? JSON.stringify(event), unverifiedJson)
          .lastInsertRowid,
      );
      mids().backed(sourceId, event.messageId, seq);
      if (profileId !== undefined) timeline().append(seq, profileId, time);
      sourceMinutes().count(sourceId, at);
    }
    if (plan.refused.length > 0) idn().recordRefusals(plan.refused, { profileId, messageId: event.messageId, sourceId, at: time });
    if (plan.deviceUsers) idn().recordDeviceUsers(plan.deviceUsers, seq);
    return profileId;
  }

  /** Adds warnings to their subjects' records (see warning-subject.ts). */
  function insertWarnings(warnings: NewWarning[]): void {
    if (warnings.length === 0) return;
    const s = w();
    for (const x of foldWarnings(warnings)) {
      s.upsertWarning.run(
        x.kind,
        x.code ?? null,
        x.field ?? null,
        x.message,
        x.sourceId ?? null,
        x.messageId ?? null,
        x.profileId ?? null,
        x.createdAt,
        x.subject,
        x.count,
        x.lastSeenAt,
      );
    }
  }

  function liveProfileId(profileId: string): string | undefined {
    const row = read().prepare('SELECT id, merged_into FROM profiles WHERE id = ?').get(profileId) as Row | undefined;
    if (!row) return undefined;
    return (row.merged_into as string | null) ?? (row.id as string);
  }

  /** One write transaction on the writer connection; called inside the write queue. */
  async function runTransaction<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    cache.trim();
    begin.run();
    const othersWrote = forgetOthersWrites();
    for (const part of parts) part.begin?.(othersWrote);
    try {
      const result = await fn(tx);
      flushTouches();
      for (const part of parts) part.beforeCommit();
      commit.run();
      for (const part of parts) part.committed?.();
      return result;
    } catch (error) {
      pendingTouches.clear();
      if (db.inTransaction) rollback.run();
      for (const part of parts) part.rolledBack();
      cache.clear();
      throw error;
    }
  }

  return {
    matching: createSqliteMatchingStore({ db, read, queue }),
    messaging: createSqliteMessagingStore({ db, read, writes, durable }),

    async migrate() {
      await queue.run(() => {
        db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
        for (const migration of SQLITE_MIGRATIONS) {
          if (done.has(migration.version)) continue;
          inTransaction(() => {
            db.exec(migration.sql);
            db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
              migration.version,
              migration.name,
              new Date().toISOString(),
            );
          });
        }
      });
    },

    async close() {
      await writes.run(() => {
        reader?.close();
        db.close();
      });
      await walSync?.close();
    },

    transaction<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
      return queue.run(() => runTransaction(fn));
    },

    async transactionDeferred<T>(fn: (t: StoreTx) => Promise<T>) {
      const result = await writes.run(() => runTransaction(fn));
      return { result, durable: durable() };
    },

    async createSource(source: NewSource) {
      return queue.run(() => {
        const id = randomUUID();
        db.prepare('INSERT INTO sources (id, name, write_key_hash, created_at) VALUES (?, ?, ?, ?)').run(
          id,
          source.name,
          source.writeKeyHash,
          source.createdAt,
        );
        return { id, name: source.name, createdAt: source.createdAt };
      });
    },

    async listSources() {
      return (read().prepare('SELECT * FROM sources ORDER BY created_at, name').all() as Row[]).map(toSource);
    },

    async revokeSource(name, at) {
      return queue.run(() => {
        const row = db.prepare('SELECT * FROM sources WHERE name = ? AND revoked_at IS NULL').get(name) as Row | undefined;
        if (!row) return undefined;
        db.prepare('UPDATE sources SET revoked_at = ? WHERE id = ?').run(at, row.id);
        return toSource({ ...row, revoked_at: at });
      });
    },

    async findSourceByKeyHash(hash, options) {
      const sql = options?.includeRevoked ? 'SELECT * FROM sources WHERE write_key_hash = ?' : 'SELECT * FROM sources WHERE write_key_hash = ? AND revoked_at IS NULL';
      const row = read().prepare(sql).get(hash) as Row | undefined;
      return row ? toSource(row) : undefined;
    },

    async findProfileIdByIdentifier(identifier) {
      const row = read().prepare('SELECT profile_id FROM identifiers WHERE type = ? AND value = ?').get(identifier.type, identifier.value) as
        | Row
        | undefined;
      return row ? (row.profile_id as string) : undefined;
    },

    async findProfile(profileId): Promise<ProfileView | undefined> {
      const id = liveProfileId(profileId);
      if (!id) return undefined;
      const r = read();
      const rows: ProfileRows = {
        profile: r.prepare('SELECT * FROM profiles WHERE id = ?').get(id) as Row,
        identifiers: r.prepare('SELECT type, value, source_id, first_seen, last_seen FROM identifiers WHERE profile_id = ? ORDER BY type, value').all(id) as Row[],
        traits: r.prepare('SELECT key, value FROM traits WHERE profile_id = ? AND value IS NOT NULL ORDER BY key').all(id) as Row[],
        mergedFrom: r.prepare('SELECT id FROM profiles WHERE merged_into = ? ORDER BY id').all(id) as Row[],
        consent: r.prepare('SELECT category, granted, ts FROM consent WHERE profile_id = ? ORDER BY category').all(id) as Row[],
      };
      return toProfileView(id, rows, (stored) => JSON.parse(stored as string));
    },

    async listTraits(profileId): Promise<TraitView[]> {
      const id = liveProfileId(profileId);
      if (!id) return [];
      return (
        read().prepare('SELECT key, value, ts, source_id FROM traits WHERE profile_id = ? AND value IS NOT NULL ORDER BY key').all(id) as Row[]
      ).map((t) => ({ key: t.key as string, value: JSON.parse(t.value as string), timestamp: t.ts as string, sourceId: t.source_id as string }));
    },

    async listTraitHistory(profileId): Promise<TraitHistory[]> {
      const id = liveProfileId(profileId);
      if (!id) return [];
      const r = read();
      const current = r.prepare('SELECT key, value, ts, source_id, trust FROM traits WHERE profile_id = ? ORDER BY key').all(id) as Row[];
      const past = r.prepare('SELECT key, value, ts, source_id, trust FROM trait_history WHERE profile_id = ? ORDER BY key, ts DESC, seq DESC').all(id) as Row[];
      return traitHistories(current, past, (stored) => (stored === null ? null : JSON.parse(stored as string)));
    },

    async listProfileEvents(profileId, query: EventQuery): Promise<Page<StoredEvent>> {
      const id = liveProfileId(profileId) ?? profileId;
      const after = cursorKey(query.cursor);
      const rows = readTimelinePage(read(), id, {
        limit: query.limit,
        ...(after && after.length === 2 ? { after: [after[0] as string, after[1] as number] as const } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.event ? { event: query.event } : {}),
        ...(query.sourceIds ? { sourceIds: query.sourceIds } : {}),
      });
      return pageOf(
        rows,
        query.limit,
        // The live profile: an event keeps the profile it was applied to, which may since have been merged.
        (row) => ({ ...(JSON.parse(row.payload) as StoredEvent), sourceId: row.sourceId, profileId: id }),
        (last) => [last.timestamp, last.seq],
      );
    },

    async listProfileMerges(profileId): Promise<MergeRecord[]> {
      const id = liveProfileId(profileId) ?? profileId;
      const r = read();
      // The ledger entries of this profile: those it survived, and those of every profile folded into it.
      const rows = r
        .prepare(
          `SELECT * FROM merges WHERE survivor_id = ? OR survivor_id IN (SELECT id FROM profiles WHERE merged_into = ?)
             OR absorbed_id = ? ORDER BY seq`,
        )
        .all(id, id, id) as Row[];
      return rows.map(toMerge);
    },

    async addWarnings(warnings) {
      await queue.run(() => insertWarnings(warnings));
    },

    async listWarnings(query): Promise<Page<WarningRecord>> {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (query.kind) {
        where.push('kind = ?');
        params.push(query.kind);
      }
      const after = cursorKey(query.cursor);
      if (after && typeof after[0] === 'number') {
        where.push('seq < ?');
        params.push(after[0]);
      }
      const sql = `SELECT * FROM warnings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
      const rows = read().prepare(sql).all(...params, query.limit + 1) as Row[];
      return pageOf(rows, query.limit, toWarning, (last) => [last.seq as number]);
    },

    async stats(): Promise<StoreStats> {
      // Counters the write transactions keep (migration 12's triggers), not COUNT(*): five key lookups.
      const counts = new Map(read().prepare('SELECT name, n FROM store_counts').raw(true).all() as Array<[string, number]>);
      return toStoreStats((name) => counts.get(name) ?? 0);
    },

    async searchProfiles(query): Promise<ProfileMatch[]> {
      const r = read();
      const byId = query.type
        ? (r.prepare('SELECT profile_id, type FROM identifiers WHERE type = ? AND value = ? LIMIT ?').all(query.type, query.value, query.limit) as Row[])
        : (r.prepare(SEARCH_ANY_TYPE).all(query.value, query.limit) as Row[]);
      const byTrait = query.type ? [] : (r.prepare('SELECT profile_id, key FROM traits WHERE value = ? LIMIT ?').all(JSON.stringify(query.value), query.limit) as Row[]);
      return searchMatches(byId, byTrait, query.limit, (id) => this.findProfile(id));
    },

    async profileIdsByName(query) {
      return sqliteProfileIdsByName(read(), query);
    },

    async listProfileIds(query) {
      return sqliteListProfileIds(read(), query);
    },

    async eventVolume(query): Promise<VolumeBucket[]> {
      // Counted per minute (see sourceMinutes): `since` counts from the start of its minute. One key range
      // per source, so the cost follows the minutes asked for, not the months kept.
      const r = read();
      const range = r.prepare('SELECT source_id, minute, events FROM source_minutes WHERE source_id = ? AND minute >= ?').raw(true);
      const from = Math.floor(epochMs(query.since) / 60_000);
      const rows = (r.prepare('SELECT id FROM sources').pluck().all() as string[]).flatMap((id) => range.all(id, from) as Array<[string, number, number]>);
      const size = query.bucketMinutes * 60_000;
      const counts = new Map<string, VolumeBucket>();
      for (const [sourceId, minute, events] of rows) {
        const bucket = isoString(Math.floor((minute * 60_000) / size) * size);
        const key = `${sourceId}|${bucket}`;
        const entry = counts.get(key) ?? { sourceId, bucket, events: 0 };
        entry.events += events;
        counts.set(key, entry);
      }
      return [...counts.values()].sort((a, b) => a.bucket.localeCompare(b.bucket) || a.sourceId.localeCompare(b.sourceId));
    },

    async sourceActivity(): Promise<SourceActivity[]> {
      const rows = read()
        .prepare(
          `SELECT s.id AS source_id, coalesce(sum(m.events), 0) AS n, max(m.last_at) AS last
           FROM sources s LEFT JOIN source_minutes m ON m.source_id = s.id GROUP BY s.id ORDER BY s.id`,
        )
        .all() as Array<{ source_id: string; n: number; last: string | null }>;
      return rows.map((row) => ({ sourceId: row.source_id, events: row.n, lastEventAt: row.last }));
    },

    async readSnapshot(identifiers) {
      return idn().readSnapshot(identifiers);
    },

    async explainProfile(profileId) {
      const profile = await this.findProfile(profileId);
      if (!profile) return undefined;
      return idn().explainProfile(profile, await this.listProfileMerges(profile.id));
    },

    async findMerge(id) {
      return idn().findMerge(read(), id);
    },

    async listDoNotLink() {
      return idn().listDoNotLink();
    },

    async removeDoNotLink(id) {
      return queue.run(() => inTransaction(() => idn().removeDoNotLink(id)));
    },

    async identifierPartition() {
      return idn().identifierPartition();
    },

    async pruneWarnings(olderThan) {
      return queue.run(() => db.prepare('DELETE FROM warnings WHERE last_seen_at < ?').run(olderThan).changes);
    },

    async pruneMessageIds(olderThan) {
      return queue.run(() => {
        const ms = new Date(olderThan).getTime();
        const a = db.prepare('DELETE FROM message_ids WHERE received_at < ?').run(ms).changes;
        const b = db.prepare('DELETE FROM message_id_overflow WHERE received_at < ?').run(ms).changes;
        return a + b + (messageIds?.prune(ms) ?? 0);
      });
    },
  };
}


/**
 * When an incoming trait value replaces the stored one, as core's `compareTraitEntries`: the more trusted
 * source (the policy's traitSources rank), then the later event time, then the greater source id, then the
 * greater JSON (a tombstone counts as JSON `null`). A total order, so the result never depends on the order
 * events or merges arrive in.
 */
const LATER_TRAIT = `(excluded.trust > traits.trust OR (excluded.trust = traits.trust AND (excluded.ts > traits.ts
  OR (excluded.ts = traits.ts AND (excluded.source_id > traits.source_id
  OR (excluded.source_id = traits.source_id AND coalesce(excluded.value, 'null') > coalesce(traits.value, 'null')))))))`;




/** Prepared statements of the write path, compiled once per connection. */
function prepareWrites(db: Database.Database) {
  return {
    identifier: db.prepare('SELECT profile_id, first_seen, last_seen FROM identifiers WHERE type = ? AND value = ?'),
    profile: db.prepare('SELECT created_at, updated_at, merge_count FROM profiles WHERE id = ?'),
    profileIdentifiers: db.prepare('SELECT type, value, first_seen, last_seen FROM identifiers WHERE profile_id = ?'),
    insertProfile: db.prepare('INSERT INTO profiles (id, created_at, updated_at, created_message_id, created_source_id) VALUES (?, ?, ?, ?, ?)'),
    touchProfile: db.prepare('UPDATE profiles SET updated_at = ? WHERE id = ?'),
    moveIdentifiers: db.prepare('UPDATE identifiers SET profile_id = ? WHERE profile_id = ?'),
    mergeTraits: db.prepare(
      `INSERT INTO traits (profile_id, key, value, ts, source_id, trust)
         SELECT ?, key, value, ts, source_id, trust FROM traits AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
         WHERE ${LATER_TRAIT}`,
    ),
    addTraitHistory: db.prepare('INSERT INTO trait_history (profile_id, key, value, ts, source_id, trust) VALUES (@profileId, @key, @value, @ts, @sourceId, @trust)'),
    // The newest value of a trait's history, with the number of values kept (an index range of at most a few more than TRAIT_HISTORY_KEPT).
    newestTraitHistory: db.prepare(
      `SELECT seq, value, source_id, trust, ts, (SELECT count(*) FROM trait_history WHERE profile_id = @profileId AND key = @key) AS n
       FROM trait_history WHERE profile_id = @profileId AND key = @key ORDER BY ts DESC, seq DESC LIMIT 1`,
    ),
    retimeTraitHistory: db.prepare('UPDATE trait_history SET ts = ? WHERE seq = ?'),
    // Keeps the newest values of one trait; the index walk stops after the kept ones.
    pruneTraitHistory: db.prepare(
      `DELETE FROM trait_history WHERE seq IN (
         SELECT seq FROM trait_history WHERE profile_id = ? AND key = ? ORDER BY ts DESC, seq DESC LIMIT -1 OFFSET ?)`,
    ),
    moveTraitHistory: db.prepare('UPDATE trait_history SET profile_id = ? WHERE profile_id = ?'),
    pruneProfileHistory: db.prepare(
      `DELETE FROM trait_history WHERE seq IN (SELECT seq FROM (
         SELECT seq, row_number() OVER (PARTITION BY key ORDER BY ts DESC, seq DESC) AS n FROM trait_history WHERE profile_id = ?) WHERE n > ?)`,
    ),
    dropTraits: db.prepare('DELETE FROM traits WHERE profile_id = ?'),
    forward: db.prepare('UPDATE profiles SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?'),
    countMerge: db.prepare('UPDATE profiles SET merge_count = merge_count + ?, updated_at = ? WHERE id = ?'),
    insertMerge: db.prepare(
      'INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, sides) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertIdentifier: db.prepare(
      `INSERT INTO identifiers (type, value, profile_id, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setConsent: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE ${LATER_CONSENT}`,
    ),
    // On merge, per category: the most restrictive value wins (a refusal on either side stays a refusal)…
    mergeConsentRestrictive: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) SELECT ?, category, granted, ts FROM consent AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE excluded.granted < consent.granted OR (excluded.granted = consent.granted AND excluded.ts > consent.ts)`,
    ),
    // …or, with consent.onMerge "latest", the value set last.
    mergeConsentLatest: db.prepare(
      `INSERT INTO consent (profile_id, category, granted, ts) SELECT ?, category, granted, ts FROM consent AS absorbed WHERE absorbed.profile_id = ?
       ON CONFLICT (profile_id, category) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
         WHERE ${LATER_CONSENT}`,
    ),
    dropConsent: db.prepare('DELETE FROM consent WHERE profile_id = ?'),
    touchIdentifier: db.prepare(
      'UPDATE identifiers SET last_seen = max(last_seen, ?), first_seen = min(first_seen, ?) WHERE type = ? AND value = ?',
    ),
    // The same value again from a later entry (LATER_TRAIT with equal values): only time, source and rank
    // change, so no index on `value` is rewritten.
    refreshTrait: db.prepare(
      `UPDATE traits SET ts = @ts, source_id = @sourceId, trust = @trust
       WHERE profile_id = @profileId AND key = @key AND value IS @value
         AND (@trust > trust OR (@trust = trust AND (@ts > ts OR (@ts = ts AND @sourceId > source_id))))`,
    ),
    setTrait: db.prepare(
      `INSERT INTO traits (profile_id, key, value, ts, source_id, trust) VALUES (@profileId, @key, @value, @ts, @sourceId, @trust)
       ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
         WHERE ${LATER_TRAIT}`,
    ),
    insertEvent: db.prepare(
      'INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload, unverified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertWarning: db.prepare(
      `INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (subject) DO UPDATE SET count = count + excluded.count, last_seen_at = max(last_seen_at, excluded.last_seen_at),
         created_at = min(created_at, excluded.created_at)`,
    ),
  };
}

/** Identifiers in (type, value) order. */
function sortedIdentifiers(identifiers: Iterable<Identifier>): Identifier[] {
  return [...identifiers].sort(compareTypeValue);
}
