/**
 * `scanColumns` of the PostgreSQL analytics port (see analytics-store.ts): a day slice per statement, as
 * `scanEvents` reads, but each row only (profile, seq, time, name index) and turned straight into columns, with
 * the next slice's statement already sent while this one's rows are filed: PostgreSQL reads slice k + 1 on one
 * core while Kin files slice k on the other.
 *
 * Why: a funnel over 1,000,000 events spent 2.7 s of CPU in Kin (the driver's rows, then an object per row)
 * while PostgreSQL waited, and then PostgreSQL read while Kin waited (6.0 s wall, bench:analytics, session 10).
 * Tried and dropped: PostgreSQL packing each profile's events of a week into one `bytea` (`string_agg` of
 * `float8send`): Kin's CPU per event halved again, but PostgreSQL's doubled (a 130,000-event week: 850 ms
 * against 390 ms), and on two cores the slower side sets the time.
 */
import type pg from 'pg';
import type { ColumnScan, EventColumnBatch } from '../analytics-store.ts';
import { AnalyticsTimeout, checkDeadline, scanSlices, stringNumbers } from '../analytics-store.ts';
import { clientTransaction } from './postgres-client-transaction.ts';

/** How a scan begins: one read-only snapshot for all its statements. */
export const READ_SNAPSHOT = 'BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ';

/** Limits the statements of this transaction to the time left before `deadline` (none for Infinity: exports, benchmarks). */
export async function setStatementTimeout(client: pg.PoolClient, deadline: number): Promise<void> {
  const left = Number.isFinite(deadline) ? Math.min(2_147_483_647, Math.max(1, Math.ceil(deadline - Date.now()))) : 0;
  await client.query(`SET LOCAL statement_timeout = ${left}`);
}

/** A row: profile, seq and time as float8 (the driver's number: no string per int8), name index or name. */
type Raw = [string | null, number, number, number | string];

/** The statement of one slice: the name as its index in the scan's names ($3), or as text when it has none. */
const statement = (named: boolean) =>
  named
    ? `SELECT profile_id, seq::float8, (extract(epoch from timestamp) * 1000)::float8, array_position($3::text[], coalesce(event, type)) - 1
       FROM events WHERE coalesce(event, type) = ANY($3::text[]) AND timestamp >= $1 AND timestamp < $2`
    : `SELECT profile_id, seq::float8, (extract(epoch from timestamp) * 1000)::float8, coalesce(event, type)
       FROM events WHERE timestamp >= $1 AND timestamp < $2`;

/** Turns one slice's rows into a batch; `names` are the scan's (rows carry indexes) or undefined (rows carry names). */
function batchOf(rows: Raw[], names: readonly string[] | undefined): EventColumnBatch {
  const n = rows.length;
  const at = new Float64Array(n);
  const seq = new Float64Array(n);
  const name = new Uint32Array(n);
  const profile = new Int32Array(n);
  const profiles = stringNumbers();
  const local = stringNumbers();
  for (let i = 0; i < n; i++) {
    const [p, s, t, e] = rows[i] as Raw;
    seq[i] = s;
    at[i] = t;
    name[i] = typeof e === 'number' ? e : local.of(e);
    profile[i] = p === null ? -1 : profiles.of(p);
  }
  return { length: n, at, seq, name, names: names ?? local.list, profile, profiles: profiles.list };
}

/** Reads the scan a day per statement, one statement ahead, in one read-only snapshot; answers how many events. */
export async function scanPostgresColumns(
  pool: pg.Pool,
  scan: ColumnScan,
  onColumns: (columns: EventColumnBatch) => void,
): Promise<number> {
  const names = scan.names;
  let total = 0;
  await clientTransaction(
    pool,
    async (client) => {
      const read = ([from, to]: [number, number]) =>
        client
          .query<Raw>({
            text: statement(names !== undefined),
            values: [new Date(from), new Date(to), ...(names ? [names] : [])],
            rowMode: 'array',
          })
          .then(
            (result) => ({ rows: result.rows }),
            (error: unknown) => ({ error: (error as { code?: string }).code === '57014' ? new AnalyticsTimeout() : error }),
          );
      // One limit for the whole scan: its statements run back to back.
      await setStatementTimeout(client, scan.deadline);
      const slices = scanSlices(scan.fromMs, scan.toMs);
      let next = slices.length > 0 ? read(slices[0] as [number, number]) : undefined;
      for (let i = 0; next; i++) {
        const done = await next;
        // The driver sends a statement when the one before it has finished; this one is queued behind `done`.
        next = i + 1 < slices.length ? read(slices[i + 1] as [number, number]) : undefined;
        if ('error' in done) {
          if (next) await next;
          throw done.error;
        }
        checkDeadline(scan.deadline);
        total += done.rows.length;
        if (done.rows.length > 0) onColumns(batchOf(done.rows, names));
      }
    },
    READ_SNAPSHOT,
  );
  return total;
}
