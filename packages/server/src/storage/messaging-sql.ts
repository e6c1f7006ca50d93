/**
 * The messaging port written once in SQL that SQLite and PostgreSQL both speak; each adapter
 * (`sqlite/sqlite-messaging.ts`, `postgres/postgres-messaging.ts`) gives it a way to run statements and
 * transactions. Placeholders are `?` here; the PostgreSQL runner numbers them. Times are ISO-8601 UTC text
 * in both stores (`toISOString()`), so they compare as text and the injected clock decides every "now".
 */
import type { TrackingEvent } from '@kin/core';
import type { Delivery, Journey, MessageDecision, MessagingPolicy } from '@kin/core/api/index.ts';
import { cursorKey, pageOf } from './keyset-page.ts';
import { engagementCounts, recordEngagement } from './messaging-engagement-sql.ts';
import { heldRunnerLease } from './messaging-store.ts';
import type { ClaimedDelivery, JourneyInstance, MessagingStore, MessagingTx, RunnerLease, StoredDestination } from './messaging-store.ts';

type Row = Record<string, unknown>;

/** Runs statements of one connection (or one transaction). */
export interface SqlRunner {
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
}

/** What an adapter provides. */
export interface MessagingDialect {
  /** Reads and single statements outside a transaction. */
  runner: SqlRunner;
  /** One transaction: commit when `fn` resolves, roll back when it throws; `durable`: resolve once it is on disk. */
  transaction<T>(fn: (runner: SqlRunner) => Promise<T>, options?: { durable?: boolean }): Promise<T>;
  /** `FOR UPDATE SKIP LOCKED` where the database has row locks; empty for SQLite (one writer at a time). */
  lockClause: string;
  /** `FOR UPDATE` where the database has row locks; empty for SQLite. */
  rowLockClause: string;
  /** The runner lease of the store (default: always held, one process). */
  runnerLease?: (name: string) => RunnerLease;
  /** Parses a stored event payload (text in SQLite, `json` already parsed in PostgreSQL). */
  payload(value: unknown): TrackingEvent;
  /** The highest event seq the feed may return now: no event at or below it can still commit (see postgres-feed-horizon.ts). */
  feedHorizon(): Promise<number>;
}

const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));
const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

function toInstance(r: Row): JourneyInstance {
  return {
    id: r.id as string,
    journeyKey: r.journey_key as string,
    profileId: r.profile_id as string,
    instanceKey: r.instance_key as string,
    state: r.state as JourneyInstance['state'],
    stepIndex: Number(r.step_index),
    ...(r.due_at ? { dueAt: r.due_at as string } : {}),
    heldOut: Number(r.held_out) === 1,
    trigger: parse<TrackingEvent>(r.trigger),
    triggerSeq: Number(r.trigger_seq),
    enteredAt: r.entered_at as string,
    ...(r.ended_at ? { endedAt: r.ended_at as string } : {}),
    ...(r.end_reason ? { endReason: r.end_reason as string } : {}),
    ...(r.goal_at ? { goalAt: r.goal_at as string } : {}),
  };
}

function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    destinationId: r.destination_id as string,
    ...(r.profile_key ? { profileId: r.profile_key as string } : {}),
    kind: r.kind as Delivery['kind'],
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    ...(r.status === 'pending' ? { nextAttemptAt: r.next_at as string } : {}),
    ...(opt(r.last_status) !== undefined ? { lastStatus: Number(r.last_status) } : {}),
    ...(opt<string>(r.last_error) !== undefined ? { lastError: r.last_error as string } : {}),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function toDestination(r: Row): StoredDestination {
  return {
    id: r.id as string,
    type: r.type as StoredDestination['type'],
    ...(r.name ? { name: r.name as string } : {}),
    status: r.status as StoredDestination['status'],
    ...(r.disabled_reason ? { disabledReason: r.disabled_reason as string } : {}),
    config: parse<Record<string, unknown>>(r.config),
    createdAt: r.created_at as string,
  };
}

function toJourney(r: Row): Journey {
  return {
    ...parse<Omit<Journey, 'status' | 'createdAt' | 'updatedAt'>>(r.body),
    status: r.status as Journey['status'],
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function messagingTx(sql: SqlRunner, rowLockClause: string): MessagingTx {
  return {
    async lockInstance(id) {
      const row = (await sql.all(`SELECT * FROM journey_instances WHERE id = ? ${rowLockClause}`, [id]))[0];
      return row ? toInstance(row) : undefined;
    },
    async findInstances({ journeyKey, profileIds }) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT * FROM journey_instances WHERE journey_key = ? AND profile_id IN (${marks(profileIds.length)}) ORDER BY entered_at, id`,
        [journeyKey, ...profileIds],
      );
      return rows.map(toInstance);
    },
    async insertInstance(i) {
      const found = await sql.all('SELECT id FROM journey_instances WHERE journey_key = ? AND trigger_seq = ?', [
        i.journeyKey,
        i.triggerSeq,
      ]);
      if (found.length > 0) return false;
      await sql.run(
        `INSERT INTO journey_instances (id, journey_key, profile_id, instance_key, state, step_index, due_at, held_out, trigger, trigger_seq, entered_at, ended_at, end_reason, goal_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          i.id,
          i.journeyKey,
          i.profileId,
          i.instanceKey,
          i.state,
          i.stepIndex,
          i.dueAt ?? null,
          i.heldOut ? 1 : 0,
          json(i.trigger),
          i.triggerSeq,
          i.enteredAt,
          i.endedAt ?? null,
          i.endReason ?? null,
          i.goalAt ?? null,
        ],
      );
      return true;
    },
    async updateInstance(id, patch) {
      const columns: Record<string, string> = {
        state: 'state',
        stepIndex: 'step_index',
        dueAt: 'due_at',
        endedAt: 'ended_at',
        endReason: 'end_reason',
        goalAt: 'goal_at',
      };
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, column] of Object.entries(columns)) {
        if (!Object.hasOwn(patch, key)) continue;
        sets.push(`${column} = ?`);
        values.push((patch as Record<string, unknown>)[key] ?? null);
      }
      if (patch.heldOut !== undefined) {
        sets.push('held_out = ?');
        values.push(patch.heldOut ? 1 : 0);
      }
      if (sets.length > 0) await sql.run(`UPDATE journey_instances SET ${sets.join(', ')} WHERE id = ?`, [...values, id]);
    },
    async findClaims(profileIds, dedupeKey) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT * FROM message_claims WHERE dedupe_key = ? AND profile_id IN (${marks(profileIds.length)}) ORDER BY claimed_at, owner`,
        [dedupeKey, ...profileIds],
      );
      return rows.map((r) => ({
        profileId: r.profile_id as string,
        dedupeKey: r.dedupe_key as string,
        owner: r.owner as string,
        claimedAt: r.claimed_at as string,
        expiresAt: r.expires_at as string,
      }));
    },
    async putClaim(c) {
      await sql.run('DELETE FROM message_claims WHERE profile_id = ? AND dedupe_key = ?', [c.profileId, c.dedupeKey]);
      await sql.run('INSERT INTO message_claims (profile_id, dedupe_key, owner, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
        c.profileId,
        c.dedupeKey,
        c.owner,
        c.claimedAt,
        c.expiresAt,
      ]);
    },
    engagementCounts: (profileIds) => engagementCounts(sql, profileIds),
    async recentSends(profileIds, since) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT decided_at, channel, tags FROM message_decisions WHERE outcome = 'sent' AND decided_at >= ? AND profile_id IN (${marks(profileIds.length)})`,
        [since, ...profileIds],
      );
      return rows.map((r) => ({ at: r.decided_at as string, channel: r.channel as string, tags: parse<string[]>(r.tags ?? '[]') }));
    },
    async insertDecision(d) {
      const { tags, ...body } = d;
      await sql.run(
        'INSERT INTO message_decisions (id, journey_key, instance_id, profile_id, outcome, channel, tags, decided_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [d.id, d.journey, d.instanceId, d.profileId, d.outcome, d.channel ?? null, json(tags ?? []), d.decidedAt, json(body)],
      );
    },
    async insertDeliveries(deliveries) {
      for (const d of deliveries) {
        await sql.run(
          `INSERT INTO deliveries (id, destination_id, profile_key, kind, payload, status, attempts, next_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          [d.id, d.destinationId, d.profileKey, d.kind, json(d.payload), d.createdAt, d.createdAt, d.createdAt],
        );
      }
    },
  };
}

/** Builds the messaging port over an adapter's dialect. */
export function createSqlMessagingStore(dialect: MessagingDialect): MessagingStore {
  const sql = dialect.runner;
  const one = async (q: string, params: unknown[] = []): Promise<Row | undefined> => (await sql.all(q, params))[0];
  /** Leases the due and expired deliveries (see `leaseDeliveries`), in one transaction that waits for the disk. */
  const leaseDue = (query: Parameters<MessagingStore['leaseDeliveries']>[0]): Promise<ClaimedDelivery[]> =>
    dialect.transaction(
      async (r) => {
        const leaseUntil = new Date(Date.parse(query.now) + query.leaseMs).toISOString();
        const only = query.destinationIds ? `AND d.destination_id IN (${marks(query.destinationIds.length)})` : '';
        if (query.destinationIds?.length === 0) return [];
        // The head of each (destination, profile) queue: no older delivery of that queue is still unfinished.
        // Two index range reads (due pending rows by (status, next_at), expired leases by (status, lease_until)), not
        // an OR that would scan every delivery ever made.
        const headOfQueue = `AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.destination_id = d.destination_id AND e.profile_key = d.profile_key
                             AND e.seq < d.seq AND e.status IN ('pending', 'in_flight'))`;
        const expired = await r.all(
          `SELECT d.* FROM deliveries d WHERE d.status = 'in_flight' AND d.lease_until <= ? ${only} ${headOfQueue} ORDER BY d.lease_until, d.seq LIMIT ? ${dialect.lockClause}`,
          [query.now, ...(query.destinationIds ?? []), query.limit],
        );
        const due = await r.all(
          `SELECT d.* FROM deliveries d WHERE d.status = 'pending' AND d.next_at <= ? ${only} ${headOfQueue} ORDER BY d.next_at, d.seq LIMIT ? ${dialect.lockClause}`,
          [query.now, ...(query.destinationIds ?? []), Math.max(0, query.limit - expired.length)],
        );
        const rows = [...expired, ...due];
        const leased: ClaimedDelivery[] = [];
        for (const row of rows) {
          // The attempt counts when its outcome is recorded: a worker that dies before sending has not tried.
          await r.run("UPDATE deliveries SET status = 'in_flight', lease_until = ?, updated_at = ? WHERE id = ?", [
            leaseUntil,
            query.now,
            row.id,
          ]);
          leased.push({
            ...toDelivery({ ...row, status: 'in_flight', attempts: Number(row.attempts) + 1, updated_at: query.now }),
            payload: parse(row.payload),
          });
        }
        return leased;
      },
      { durable: true },
    );
  return {
    transaction: (fn) => dialect.transaction((runner) => fn(messagingTx(runner, dialect.rowLockClause))),
    runnerLease: (name) => dialect.runnerLease?.(name) ?? heldRunnerLease,
    findInstances: (query) => messagingTx(sql, '').findInstances(query),
    recordEngagement: (engagement, profileIds) => dialect.transaction((r) => recordEngagement(r, engagement, profileIds)),

    async putJourney(j) {
      const { status, createdAt, updatedAt, ...body } = j;
      await dialect.transaction(async (r) => {
        await r.run('DELETE FROM journeys WHERE key = ?', [j.key]);
        await r.run('INSERT INTO journeys (key, body, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
          j.key,
          json(body),
          status,
          createdAt,
          updatedAt,
        ]);
      });
    },
    async findJourney(key) {
      const r = await one('SELECT * FROM journeys WHERE key = ?', [key]);
      return r ? toJourney(r) : undefined;
    },
    async listJourneys() {
      return (await sql.all('SELECT * FROM journeys ORDER BY key')).map(toJourney);
    },
    async findPolicy() {
      const r = await one('SELECT body FROM messaging_policy WHERE id = 1');
      return r ? parse<MessagingPolicy>(r.body) : undefined;
    },
    async putPolicy(policy, at) {
      await dialect.transaction(async (r) => {
        await r.run('DELETE FROM messaging_policy WHERE id = 1');
        await r.run('INSERT INTO messaging_policy (id, body, updated_at) VALUES (1, ?, ?)', [json(policy), at]);
      });
    },
    async addDestination(d) {
      await sql.run('INSERT INTO destinations (id, type, name, status, disabled_reason, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        d.id,
        d.type,
        d.name ?? null,
        d.status,
        d.disabledReason ?? null,
        json(d.config),
        d.createdAt,
      ]);
    },
    async findDestination(id) {
      const r = await one('SELECT * FROM destinations WHERE id = ?', [id]);
      return r ? toDestination(r) : undefined;
    },
    async listDestinations() {
      return (await sql.all('SELECT * FROM destinations ORDER BY created_at, id')).map(toDestination);
    },
    async setDestinationStatus(id, status, reason) {
      await dialect.transaction(async (r) => {
        await r.run('UPDATE destinations SET status = ?, disabled_reason = ? WHERE id = ?', [status, reason ?? null, id]);
        // A disabled destination's queue is failed (each can be retried once it is active again), so leases
        // never have to skip it.
        if (status === 'disabled')
          await r.run("UPDATE deliveries SET status = 'failed', last_error = ? WHERE destination_id = ? AND status = 'pending'", [
            `destination disabled: ${reason ?? ''}`,
            id,
          ]);
      });
    },

    async readCursor(name) {
      const r = await one('SELECT seq FROM journey_cursors WHERE name = ?', [name]);
      return r ? Number(r.seq) : 0;
    },
    async writeCursor(name, seq) {
      await dialect.transaction(async (r) => {
        await r.run('DELETE FROM journey_cursors WHERE name = ?', [name]);
        await r.run('INSERT INTO journey_cursors (name, seq) VALUES (?, ?)', [name, seq]);
      });
    },
    async eventsAfter(seq, limit) {
      const horizon = await dialect.feedHorizon();
      if (horizon <= seq) return [];
      const rows = await sql.all('SELECT seq, profile_id, payload FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?', [
        seq,
        horizon,
        limit,
      ]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        ...(r.profile_id ? { profileId: r.profile_id as string } : {}),
        event: dialect.payload(r.payload),
      }));
    },
    async liveProfileId(id) {
      const r = await one('SELECT id, merged_into FROM profiles WHERE id = ?', [id]);
      return r ? ((r.merged_into as string | null) ?? (r.id as string)) : undefined;
    },
    async profileAliases(liveId) {
      const rows = await sql.all('SELECT id FROM profiles WHERE merged_into = ? ORDER BY id', [liveId]);
      return [liveId, ...rows.map((r) => r.id as string)];
    },
    async dueInstances(now, limit) {
      const rows = await sql.all(
        "SELECT * FROM journey_instances WHERE due_at IS NOT NULL AND due_at <= ? AND state = 'active' ORDER BY due_at, id LIMIT ?",
        [now, limit],
      );
      return rows.map(toInstance);
    },
    async openInstances(profileIds, goalSince) {
      if (profileIds.length === 0) return [];
      const rows = await sql.all(
        `SELECT * FROM journey_instances WHERE profile_id IN (${marks(profileIds.length)}) AND (state = 'active' OR (goal_at IS NULL AND entered_at >= ? AND state <> 'merged')) ORDER BY entered_at, id`,
        [...profileIds, goalSince],
      );
      return rows.map(toInstance);
    },
    async findInstance(id) {
      const r = await one('SELECT * FROM journey_instances WHERE id = ?', [id]);
      return r ? toInstance(r) : undefined;
    },
    async journeyCounts(key) {
      const counts = await one(
        `SELECT count(*) AS entered, coalesce(sum(held_out), 0) AS held_out,
                coalesce(sum(CASE WHEN goal_at IS NOT NULL AND held_out = 0 THEN 1 ELSE 0 END), 0) AS goal_treated,
                coalesce(sum(CASE WHEN goal_at IS NOT NULL AND held_out = 1 THEN 1 ELSE 0 END), 0) AS goal_holdout
         FROM journey_instances WHERE journey_key = ? AND state <> 'merged'`,
        [key],
      );
      const ends = await sql.all(
        'SELECT end_reason, count(*) AS n FROM journey_instances WHERE journey_key = ? AND end_reason IS NOT NULL GROUP BY end_reason',
        [key],
      );
      const outcomes = await sql.all('SELECT outcome, count(*) AS n FROM message_decisions WHERE journey_key = ? GROUP BY outcome', [key]);
      return {
        entered: Number(counts?.entered ?? 0),
        heldOut: Number(counts?.held_out ?? 0),
        goalTreated: Number(counts?.goal_treated ?? 0),
        goalHoldout: Number(counts?.goal_holdout ?? 0),
        endReasons: Object.fromEntries(ends.map((r) => [r.end_reason as string, Number(r.n)])),
        outcomes: Object.fromEntries(outcomes.map((r) => [r.outcome as string, Number(r.n)])),
      };
    },
    async findDecision(id) {
      const r = await one('SELECT body FROM message_decisions WHERE id = ?', [id]);
      return r ? parse<MessageDecision>(r.body) : undefined;
    },
    async listDecisions(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.profileIds) {
        if (query.profileIds.length === 0) return [];
        where.push(`profile_id IN (${marks(query.profileIds.length)})`);
        params.push(...query.profileIds);
      }
      if (query.journeyKey !== undefined) {
        where.push('journey_key = ?');
        params.push(query.journeyKey);
      }
      if (query.outcome !== undefined) {
        where.push('outcome = ?');
        params.push(query.outcome);
      }
      const rows = await sql.all(
        `SELECT body FROM message_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY decided_at DESC, id DESC LIMIT ?`,
        [...params, query.limit],
      );
      return rows.map((r) => parse<MessageDecision>(r.body));
    },

    async leaseDeliveries(query) {
      // Why a read first: the delivery worker polls (every KIN_MESSAGING_POLL_MS) and mostly finds nothing. On SQLite
      // the lease's BEGIN IMMEDIATE waited for the ingest writer's lock on the HTTP thread, stalling its event loop
      // (about 2.8 s per 100,000 ingested events, profiled). A delivery queued after this read is leased by the next
      // poll, as one queued just after the lease would be.
      const [any] = await sql.all(
        `SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'in_flight' AND lease_until <= ?)
             OR EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending' AND next_at <= ?) AS due`,
        [query.now, query.now],
      );
      if (!any?.['due']) return [];
      return leaseDue(query);
    },
    async finishDeliveries(results) {
      if (results.length === 0) return;
      await dialect.transaction(async (r) => {
        for (const { id, result } of results) {
          await r.run(
            'UPDATE deliveries SET status = ?, next_at = coalesce(?, next_at), lease_until = NULL, attempts = attempts + 1, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?',
            [result.status, result.nextAttemptAt ?? null, result.lastStatus ?? null, result.lastError ?? null, result.at, id],
          );
        }
      });
    },
    async listDeliveries(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      if (query.destinationId) {
        where.push('destination_id = ?');
        params.push(query.destinationId);
      }
      if (query.profileIds) {
        if (query.profileIds.length === 0) return pageOf('deliveries', [], query.limit, toDelivery, (row) => [Number(row.seq)]);
        where.push(`profile_key IN (${marks(query.profileIds.length)})`);
        params.push(...query.profileIds);
      }
      const after = cursorKey('deliveries', query.cursor);
      if (after && typeof after[0] === 'number') {
        where.push('seq < ?');
        params.push(after[0]);
      }
      const rows = await sql.all(
        `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
        [...params, query.limit + 1],
      );
      return pageOf('deliveries', rows, query.limit, toDelivery, (row) => [Number(row.seq)]);
    },
    async deliveryCounts() {
      const rows = await sql.all(
        'SELECT destination_id, status, count(*) AS n FROM deliveries GROUP BY destination_id, status ORDER BY destination_id, status',
      );
      return rows.map((r) => ({ destinationId: r.destination_id as string, status: r.status as Delivery['status'], count: Number(r.n) }));
    },
    async findDelivery(id) {
      const r = await one('SELECT * FROM deliveries WHERE id = ?', [id]);
      return r ? toDelivery(r) : undefined;
    },
    async retryDelivery(id, at) {
      return dialect.transaction(async (r) => {
        const row = (await r.all("SELECT * FROM deliveries WHERE id = ? AND status = 'failed'", [id]))[0];
        if (!row) return undefined;
        await r.run("UPDATE deliveries SET status = 'pending', next_at = ?, attempts = 0, updated_at = ? WHERE id = ?", [at, at, id]);
        return toDelivery({ ...row, status: 'pending', next_at: at, attempts: 0, updated_at: at });
      });
    },
    async enqueueDeliveries(deliveries) {
      await dialect.transaction((r) => messagingTx(r, '').insertDeliveries(deliveries));
    },
  };
}

/** The tables of the messaging port (the same text runs in both stores; see the migrations). */
export function messagingSchemaSql(options: { seqColumn: string }): string {
  return `
    CREATE TABLE journeys (key TEXT PRIMARY KEY, body TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE messaging_policy (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE destinations (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, status TEXT NOT NULL, disabled_reason TEXT, config TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE journey_cursors (name TEXT PRIMARY KEY, seq BIGINT NOT NULL);
    CREATE TABLE journey_instances (
      id TEXT PRIMARY KEY, journey_key TEXT NOT NULL, profile_id TEXT NOT NULL, instance_key TEXT NOT NULL, state TEXT NOT NULL,
      step_index INTEGER NOT NULL, due_at TEXT, held_out INTEGER NOT NULL, trigger TEXT NOT NULL, trigger_seq BIGINT NOT NULL,
      entered_at TEXT NOT NULL, ended_at TEXT, end_reason TEXT, goal_at TEXT, UNIQUE (journey_key, trigger_seq)
    );
    CREATE INDEX journey_instances_profile ON journey_instances (profile_id, journey_key);
    CREATE INDEX journey_instances_due ON journey_instances (due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX journey_instances_journey ON journey_instances (journey_key, state);
    CREATE TABLE message_claims (profile_id TEXT NOT NULL, dedupe_key TEXT NOT NULL, owner TEXT NOT NULL, claimed_at TEXT NOT NULL, expires_at TEXT NOT NULL, PRIMARY KEY (profile_id, dedupe_key));
    CREATE TABLE message_decisions (
      id TEXT PRIMARY KEY, journey_key TEXT NOT NULL, instance_id TEXT NOT NULL, profile_id TEXT NOT NULL, outcome TEXT NOT NULL,
      channel TEXT, tags TEXT, decided_at TEXT NOT NULL, body TEXT NOT NULL
    );
    CREATE INDEX message_decisions_profile ON message_decisions (profile_id, decided_at);
    CREATE INDEX message_decisions_journey ON message_decisions (journey_key, outcome);
    CREATE TABLE deliveries (
      seq ${options.seqColumn}, id TEXT NOT NULL UNIQUE, destination_id TEXT NOT NULL, profile_key TEXT NOT NULL, kind TEXT NOT NULL,
      payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL, lease_until TEXT,
      last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_at);
    CREATE INDEX deliveries_lease ON deliveries (status, lease_until);
    CREATE INDEX deliveries_queue ON deliveries (destination_id, profile_key, seq);
  `;
}
