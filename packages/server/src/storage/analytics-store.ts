/**
 * The analytics read port: the events of a time range, streamed in slices, with just the columns the
 * analytics computations need, and the current identity graph (which profile each merged profile now
 * belongs to). Both adapters (`sqlite/sqlite-analytics.ts`, `postgres/postgres-analytics.ts`) pass the
 * analytics conformance suite (`analytics-conformance.ts`) with identical answers.
 *
 * Why slices and a callback: a question may cover a million events; rows are handed over one time slice
 * at a time (never the whole range in memory twice) and the scan stops at the query's deadline.
 */

/** One stored event as analytics reads it. */
export interface AnalyticsRow {
  seq: number;
  /** Empty when the scan read neither identity nor payload (the store may then answer from an index alone). */
  messageId: string;
  /** Empty when the scan read neither identity nor payload. */
  sourceId: string;
  /** The profile the event was attached to when written (or replayed); merges since then are in `liveProfiles`. */
  profileId: string | null;
  /** A track call's event name, else the call type (`page`, `screen`, `identify`…). */
  name: string;
  /** Milliseconds since the epoch. */
  at: number;
  anonymousId?: string;
  userId?: string;
  /** The event's JSON, when the scan asked for it. */
  payload?: string;
}

/** What to read. */
export interface AnalyticsScan {
  /** Milliseconds since the epoch, inclusive. */
  fromMs: number;
  /** Milliseconds since the epoch, exclusive. */
  toMs: number;
  /** Only events of these names; all events when absent. */
  names?: readonly string[];
  /** With `names`: also every event with a campaign (`context.campaign`) or a `kin_link` (`context.kin.link`). */
  touches?: boolean;
  /** Read anonymousId and userId (the `anonymous_id` unit). */
  identity: boolean;
  /** Read the event JSON (conditions, channels, campaigns, page paths). */
  payload: boolean;
  /** With `payload`: only `{type, context, properties}` of it, cut out by the database (less to send and parse). */
  slim?: boolean;
  /** With `slim`: leave `properties` out too (the question reads none; paths by channel: one JSON parse less per event). */
  noProperties?: boolean;
  /** The scan throws `AnalyticsTimeout` after this time (milliseconds since the epoch, `Date.now()` clock). */
  deadline: number;
}

/** What a scan of columns reads: the events of a time range (and of some names), without identity or JSON. */
export type ColumnScan = Pick<AnalyticsScan, 'fromMs' | 'toMs' | 'names' | 'deadline'>;

/**
 * Some events of a scan as columns: event i has time `at[i]`, seq `seq[i]`, name `names[name[i]]` and the profile
 * `profiles[profile[i]]` it was written (or replayed) to, −1 when it has none. Why columns: a funnel reads a
 * million events, and a number in a typed array costs no object, no string and nothing for the collector.
 */
export interface EventColumnBatch {
  length: number;
  at: ArrayLike<number>;
  seq: ArrayLike<number>;
  name: ArrayLike<number>;
  names: readonly string[];
  profile: ArrayLike<number>;
  profiles: readonly string[];
}

/** Thrown when a scan passes its deadline. */
export class AnalyticsTimeout extends Error {
  constructor() {
    super('the analytics query ran past its time limit');
  }
}

/** The analytics reads of a store. */
export interface AnalyticsStore {
  /** Calls `onRows` with the events of the scan, slice after slice (unordered within a slice); answers how many. */
  scanEvents(scan: AnalyticsScan, onRows: (rows: AnalyticsRow[]) => void): Promise<number>;
  /** Calls `onColumns` with the events of the scan as columns, batch after batch (unordered); answers how many. */
  scanColumns(scan: ColumnScan, onColumns: (columns: EventColumnBatch) => void): Promise<number>;
  /** Each merged profile's live profile now (`profiles.merged_into`). */
  liveProfiles(): Promise<Map<string, string>>;
  /** The events with this messageId and name, with identity and payload (a conversion to explain). */
  findEvents(messageId: string, name: string): Promise<AnalyticsRow[]>;
}

/** The time slice scans read at once: one day. */
export const SCAN_SLICE_MS = 86_400_000;

/** The slices [from, to) of a scan. */
export function scanSlices(fromMs: number, toMs: number): Array<[number, number]> {
  const slices: Array<[number, number]> = [];
  for (let start = fromMs; start < toMs; start += SCAN_SLICE_MS) slices.push([start, Math.min(toMs, start + SCAN_SLICE_MS)]);
  return slices;
}

/** Throws `AnalyticsTimeout` when the deadline has passed. */
export function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw new AnalyticsTimeout();
}

/**
 * A row as both adapters select it: seq, profile, name, time, then the message and source ids (identity or payload),
 * anonymousId and userId (identity) and the JSON (payload). Why only what a scan asks for: every value of every row
 * becomes a JavaScript value; a funnel without conditions reads 4 columns, not 9.
 */
export type AnalyticsRaw = [number | string, string | null, string, number | string, ...Array<string | null>];

/** Turns raw rows (see `AnalyticsRaw`) into rows; `at` reads the time column. */
export function analyticsRowReader(options: {
  identity: boolean;
  payload: boolean;
  at: (value: number | string) => number;
}): (r: AnalyticsRaw) => AnalyticsRow {
  const { identity, payload, at } = options;
  const ids = identity || payload;
  const anonymousAt = ids ? 6 : 4;
  const payloadAt = identity ? anonymousAt + 2 : anonymousAt;
  return (r) => {
    const row: AnalyticsRow = {
      seq: Number(r[0]),
      messageId: ids ? (r[4] as string) : '',
      sourceId: ids ? (r[5] as string) : '',
      profileId: r[1],
      name: r[2],
      at: at(r[3]),
    };
    if (identity) {
      const anonymousId = r[anonymousAt] as string | null | undefined;
      const userId = r[anonymousAt + 1] as string | null | undefined;
      if (anonymousId !== null && anonymousId !== undefined) row.anonymousId = anonymousId;
      if (userId !== null && userId !== undefined) row.userId = userId;
    }
    if (payload) row.payload = r[payloadAt] as string;
    return row;
  };
}

/** Numbers strings (or any values) in the order first met: `of` answers a value's number, `list` holds them by number. */
export function stringNumbers<T = string>(): { list: T[]; of(value: T): number } {
  const list: T[] = [];
  const numbers = new Map<T, number>();
  return {
    list,
    of(value) {
      let n = numbers.get(value);
      if (n === undefined) {
        n = list.length;
        list.push(value);
        numbers.set(value, n);
      }
      return n;
    },
  };
}

/** Turns rows into one batch of columns (a store without packed columns, or the part of a scan that has none). */
export function columnsOfRows(rows: readonly AnalyticsRow[]): EventColumnBatch {
  const n = rows.length;
  const at = new Float64Array(n);
  const seq = new Float64Array(n);
  const name = new Uint32Array(n);
  const profile = new Int32Array(n);
  const names = stringNumbers();
  const profiles = stringNumbers();
  for (let i = 0; i < n; i++) {
    const row = rows[i] as AnalyticsRow;
    at[i] = row.at;
    seq[i] = row.seq;
    name[i] = names.of(row.name);
    profile[i] = row.profileId === null ? -1 : profiles.of(row.profileId);
  }
  return { length: n, at, seq, name, names: names.list, profile, profiles: profiles.list };
}

/** The first `length` events of columns filled up to there, as a batch (a pack read with some events left out). */
export function leadingColumns(
  columns: { at: Float64Array; seq: Float64Array; name: Uint16Array | Uint32Array; profile: Int32Array },
  length: number,
  names: readonly string[],
  profiles: readonly string[],
): EventColumnBatch {
  return {
    length,
    at: columns.at.subarray(0, length),
    seq: columns.seq.subarray(0, length),
    name: columns.name.subarray(0, length),
    names,
    profile: columns.profile.subarray(0, length),
    profiles,
  };
}
