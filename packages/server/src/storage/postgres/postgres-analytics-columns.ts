/**
 * `scanColumns` of the PostgreSQL analytics port (see analytics-store.ts): the packed per-day columns of
 * postgres-event-columns.ts for the days that are fresh, and for the days still stale a statement per day that
 * selects only (profile, seq, time, name index), turned straight into columns. The next statement is sent while
 * this one's rows are filed, so PostgreSQL reads on one core while Kin files on the other.
 *
 * Why packs: reading 874,159 rows a day per statement, PostgreSQL set a funnel's wall time (5.3–5.6 s) and the
 * driver's rows cost Kin 2 s of CPU (bench:analytics, session 11). Tried before and dropped: PostgreSQL packing
 * each profile's events of a week into one `bytea` per question (`string_agg` of `float8send`): Kin's CPU halved
 * but PostgreSQL's doubled; a pack made once per day and kept costs that only after a write to the day.
 */
import type pg from 'pg';
import type { ColumnScan, EventColumnBatch } from '../analytics-store.ts';
import { AnalyticsTimeout, checkDeadline, stringNumbers } from '../analytics-store.ts';
import { clientTransaction, READ_SNAPSHOT, setStatementTimeout } from './postgres-client-transaction.ts';
import { PACK_DAY_MS, repackDay, staleDays } from './postgres-event-columns.ts';
import type { PackRow, ProfileNumbers } from './postgres-event-columns-read.ts';
import { batchOfPack, PACK_READ, readProfileNumbers, unknownNumbers } from './postgres-event-columns-read.ts';

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

/** One statement of a scan: the packs of fresh days [first, last], or the rows of a stale day's part of the range. */
type Read = { packs: [number, number] } | { rows: [number, number] };

/** The scan's statements: runs of up to PACK_RUN fresh days read as packs, each stale day read as rows. */
function readsOf(scan: ColumnScan, stale: ReadonlySet<number>): Read[] {
  const reads: Read[] = [];
  const first = Math.floor(scan.fromMs / PACK_DAY_MS);
  const last = Math.floor((scan.toMs - 1) / PACK_DAY_MS);
  for (let day = first; day <= last; day++) {
    if (stale.has(day)) {
      reads.push({ rows: [Math.max(scan.fromMs, day * PACK_DAY_MS), Math.min(scan.toMs, (day + 1) * PACK_DAY_MS)] });
      continue;
    }
    const previous = reads[reads.length - 1];
    if (previous && 'packs' in previous && previous.packs[1] === day - 1 && day - previous.packs[0] < PACK_RUN) previous.packs[1] = day;
    else reads.push({ packs: [day, day] });
  }
  return reads;
}

/** Fresh days per pack statement: small enough that PostgreSQL sends the next run while Kin decodes this one. */
const PACK_RUN = 4;

/**
 * Reads the scan in one read-only snapshot, one statement ahead: the packed columns of fresh days
 * (postgres-event-columns.ts), and the rows of days still stale. The stale days of the range are packed first,
 * each in a short transaction of its own, so a question after a write reads rows only for days written since.
 */
export async function scanPostgresColumns(
  pool: pg.Pool,
  scan: ColumnScan,
  onColumns: (columns: EventColumnBatch) => void,
  numbers: ProfileNumbers,
): Promise<number> {
  if (scan.toMs <= scan.fromMs) return 0;
  const names = scan.names;
  const firstDay = Math.floor(scan.fromMs / PACK_DAY_MS);
  const lastDay = Math.floor((scan.toMs - 1) / PACK_DAY_MS);
  // Packing spends at most half the time left: a store that has never been packed (a year of events after
  // migration 39) answers within its limit from the rows, and each question packs more of it.
  const packUntil = Date.now() + (scan.deadline - Date.now()) / 2;
  for (const day of await staleDays(pool, firstDay, lastDay)) {
    if (Date.now() >= packUntil) break;
    await repackDay(pool, day, packUntil);
  }
  let total = 0;
  await clientTransaction(
    pool,
    async (client) => {
      // One limit for the whole scan: its statements run back to back.
      await setStatementTimeout(client, scan.deadline);
      const stale = new Set(await staleDays(client, firstDay, lastDay));
      await readProfileNumbers(client, numbers);
      const send = (read: Read) =>
        client
          .query<Raw | PackRow>(
            'packs' in read
              ? { ...PACK_READ, values: read.packs, rowMode: 'array' }
              : {
                  text: statement(names !== undefined),
                  values: [new Date(read.rows[0]), new Date(read.rows[1]), ...(names ? [names] : [])],
                  rowMode: 'array',
                },
          )
          .then(
            (result) => ({ read, rows: result.rows }),
            (error: unknown) => ({ error: (error as { code?: string }).code === '57014' ? new AnalyticsTimeout() : error }),
          );
      const reads = readsOf(scan, stale);
      let next = reads.length > 0 ? send(reads[0] as Read) : undefined;
      for (let i = 0; next; i++) {
        const done = await next;
        // The driver sends a statement when the one before it has finished; this one is queued behind `done`.
        next = i + 1 < reads.length ? send(reads[i + 1] as Read) : undefined;
        if ('error' in done) {
          if (next) await next;
          throw done.error;
        }
        checkDeadline(scan.deadline);
        if ('rows' in done.read) {
          total += done.rows.length;
          if (done.rows.length > 0) onColumns(batchOf(done.rows as Raw[], names));
          continue;
        }
        for (const row of done.rows as PackRow[]) {
          const batch = batchOfPack(row, scan, numbers);
          const unknown = unknownNumbers(batch, numbers);
          if (unknown.length > 0) await readProfileNumbers(client, numbers, unknown);
          total += batch.length;
          if (batch.length > 0) onColumns(batch);
        }
      }
    },
    READ_SNAPSHOT,
  );
  return total;
}
