/**
 * The committed horizon of the PostgreSQL event feed: a seq at or below which no event can still appear.
 *
 * Why: `events.seq` is taken when a row is inserted but the row becomes visible when its transaction commits,
 * and with several writers (pipeline workers, retried transactions) they commit out of order. A follower that
 * reads `seq > cursor` (the journey runner, the audience evaluator) could see 101 before 100 commits, move its
 * cursor past 100 and never see it: a journey trigger lost. Every feed read is bounded by this horizon.
 *
 * How: read the sequence's last value `h`, then, in a later statement (a later snapshot), that snapshot's
 * `xmax`. A transaction that took a seq <= h held its xid before `h` was read (a write transaction claims its
 * message ids before it inserts events), so its xid is below that `xmax`. Once the oldest running xid
 * reaches `xmax`, every such transaction has ended and every seq <= h is committed or rolled back for good.
 * Cost: one round trip per feed read; the horizon trails the newest event by one poll at most, or by the
 * longest write transaction running at the time in this database.
 *
 * Only this database's transactions count. A snapshot's `xmin` is cluster-wide, so a long write transaction
 * of another application on the same server (a bulk load, a migration) held every follower still until it
 * ended. The oldest running xid of this database comes from `pg_stat_activity.backend_xid` (32 bits, widened
 * against the snapshot's `xmax`: a running xid is within 2^31 of it). When this role cannot see another role's
 * sessions in this database (their xid reads as null), the cluster-wide `xmin` is used, as before.
 */
import type pg from 'pg';

/**
 * The snapshot's `xmax`, and the oldest xid still running in this database (`xmax` when none is): each
 * session's 32-bit `backend_xid` widened to 64 bits as `xmax` minus its distance below `xmax`, modulo 2^32.
 * Falls back to the snapshot's cluster-wide `xmin` when a session of this database hides its xid from us.
 */
const OLDEST_RUNNING_SQL = `
  WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
                    pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax)
  SELECT s.xmax::text AS xmax,
         CASE WHEN bool_or(a.query = '<insufficient privilege>') THEN s.xmin
              ELSE coalesce(min(s.xmax - ((s.xmax % 4294967296) - a.backend_xid::text::bigint + 4294967296) % 4294967296)
                              FILTER (WHERE a.backend_xid IS NOT NULL), s.xmax)
         END::text AS oldest
  FROM s LEFT JOIN pg_stat_activity a ON a.datname = current_database() AND a.pid <> pg_backend_pid()
  GROUP BY s.xmin, s.xmax`;

/** Candidates waiting for their writers to end, at most: a newer one replaces the newest when full. */
const MAX_PENDING = 16;

export interface FeedHorizon {
  /** The highest seq a follower may read up to now (0 before any event). */
  committed(): Promise<number>;
}

/** A horizon over the store's pool. */
export function createFeedHorizon(pool: pg.Pool): FeedHorizon {
  const pending: Array<{ seq: number; xmax: bigint }> = [];
  let safe = 0;
  return {
    async committed() {
      // Two statements in one round trip: the second's snapshot is taken after the first read the sequence.
      const results = (await pool.query(
        `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0) AS h;
         ${OLDEST_RUNNING_SQL}`,
      )) as unknown as pg.QueryResult[];
      const seq = Number(results[0]!.rows[0]!.h);
      const snapshot = results[1]!.rows[0] as { xmax: string; oldest: string };
      const candidate = { seq, xmax: BigInt(snapshot.xmax) };
      if (pending.length >= MAX_PENDING) pending[pending.length - 1] = candidate;
      else pending.push(candidate);
      const oldestRunning = BigInt(snapshot.oldest);
      while (pending.length > 0 && pending[0]!.xmax <= oldestRunning) safe = Math.max(safe, pending.shift()!.seq);
      return safe;
    },
  };
}
