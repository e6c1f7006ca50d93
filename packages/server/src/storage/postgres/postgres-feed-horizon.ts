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
 * longest write transaction running at the time.
 */
import type pg from 'pg';

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
         SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`,
      )) as unknown as pg.QueryResult[];
      const seq = Number(results[0]!.rows[0]!.h);
      const snapshot = results[1]!.rows[0] as { xmin: string; xmax: string };
      const candidate = { seq, xmax: BigInt(snapshot.xmax) };
      if (pending.length >= MAX_PENDING) pending[pending.length - 1] = candidate;
      else pending.push(candidate);
      const oldestRunning = BigInt(snapshot.xmin);
      while (pending.length > 0 && pending[0]!.xmax <= oldestRunning) safe = Math.max(safe, pending.shift()!.seq);
      return safe;
    },
  };
}
