/**
 * Monthly partitions of `events`. A partition is made on demand, inside the writing transaction, the first
 * time a process sees a month (then remembered in memory); the store also makes the months around "now"
 * ahead of time when it migrates, so the common case never runs DDL on the write path.
 *
 * Why every month in range gets a partition before its first row: PostgreSQL refuses to create a partition
 * while the default partition holds rows of its range. Only times outside 2000–2099 use the default
 * partition, so a burst of absurd timestamps cannot create thousands of tables.
 */

/** The statement that makes sure one month's partition exists (see `kin_ensure_events_partition`). */
export const ENSURE_PARTITION_STATEMENT = {
  name: 'kin_ensure_partition_v1',
  text: 'SELECT kin_ensure_events_partition($1::date)',
} as const;

const FIRST_YEAR = 2000;
const LAST_YEAR = 2099;

/** The first day ('YYYY-MM-01') of the UTC month of an ISO time, or `undefined` when it goes to the default partition. */
export function monthOf(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < FIRST_YEAR || year > LAST_YEAR) return undefined;
  return `${year}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** The months from `before` months ago to `after` months ahead of `now`, as `monthOf` names them. */
export function monthsAround(now: Date, before: number, after: number): string[] {
  const months: string[] = [];
  for (let offset = -before; offset <= after; offset++) {
    const month = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString());
    if (month) months.push(month);
  }
  return months;
}
