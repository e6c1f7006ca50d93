/**
 * The messaging port written once in SQL that SQLite and PostgreSQL both speak; each adapter
 * (`sqlite/sqlite-messaging.ts`, `postgres/postgres-messaging.ts`) gives it a way to run statements and
 * transactions. Placeholders are `?` here; the PostgreSQL runner numbers them. Times are ISO-8601 UTC text
 * in both stores (`toISOString()`), so they compare as text and the injected clock decides every "now".
 */
import type { TrackingEvent } from '@kin/core';
import type { Delivery, MessageDecision, MessagingPolicy } from '@kin/core/api/index.ts';
import { cursorKey, pageOf } from './keyset-page.ts';
import { recordEngagement } from './messaging-engagement-sql.ts';
import { journeyStepRows } from './messaging-step-sql.ts';
import { json, marks, parse, toDelivery, toDestination, toInstance, toJourney, type Row } from './messaging-rows.ts';
import type { MessagingStore, RunnerLease } from './messaging-store.ts';
import { leaseDueDeliveries } from './messaging-lease-sql.ts';
import { messagingTx } from './messaging-tx-sql.ts';

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
  /** The runner lease named `name` (one holder per database, whatever the number of processes). */
  runnerLease: (name: string) => RunnerLease;
  /** Parses a stored event payload (text in SQLite, `json` already parsed in PostgreSQL). */
  payload(value: unknown): TrackingEvent;
  /** The highest event seq the feed may return now: no event at or below it can still commit (see postgres-feed-horizon.ts). */
  feedHorizon(): Promise<number>;
}

/** Builds the messaging port over an adapter's dialect. */
export function createSqlMessagingStore(dialect: MessagingDialect): MessagingStore {
  const sql = dialect.runner;
  const one = async (q: string, params: unknown[] = []): Promise<Row | undefined> => (await sql.all(q, params))[0];
  return {
    transaction: (fn) => dialect.transaction((runner) => fn(messagingTx(runner, dialect.rowLockClause))),
    runnerLease: (name) => dialect.runnerLease(name),
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
    journeyStepRows: (key, now) => journeyStepRows(sql, key, now),
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
      return leaseDueDeliveries(dialect, query);
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
