/**
 * Reads the packed per-day columns of postgres-event-columns.ts into the analytics port's column batches: each
 * array is `array_send`'s binary form (a 20-byte header, then for each value its 4-byte length and the value,
 * big-endian), sent as hex text, so event i's value sits at a fixed offset of that text. Profile numbers map to
 * ids through a list the reader keeps between questions (numbers are only ever added, never changed).
 */
import pg from 'pg';
import type { ColumnScan, EventColumnBatch } from '../analytics-store.ts';
import { leadingColumns } from '../analytics-store.ts';
import { PACK_DAY_MS } from './postgres-event-columns.ts';

/** The ids of the profile numbers met so far (index: number), kept by one analytics port between questions. */
export interface ProfileNumbers {
  list: string[];
  /** The highest number read in bulk; lower ones a repack committed late are read when a pack names them. */
  max: number;
}

/** A pack as selected: day, names, then the name, profile, time and seq arrays. */
export type PackRow = [number, string[], string, string, string, string];

/** The bytes of a `bytea` as PostgreSQL sends them (`\x` and hex digits), not turned into a Buffer. */
const BYTEA = 17;
const HEX_TEXT: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === BYTEA ? (value: string) => value : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The statement reading the packs of days [$1, $2]. Why hex text, read in place: a Buffer per value was most of
 * the question's cost in a process with a large heap (each one external memory that V8 collects with full
 * collections); the hex text is a young string, garbage at the next scavenge.
 */
export const PACK_READ = {
  text: 'SELECT day, names, name, profile, at, seq FROM event_columns WHERE day >= $1 AND day <= $2',
  types: HEX_TEXT,
};

/** Where value 0 of an `array_send` array starts in its hex text: `\x`, the 20-byte header, the value's length. */
const FIRST = 2 + 2 * (20 + 4);
const DIGIT = new Int8Array(128).fill(0);
for (let d = 0; d < 16; d++) DIGIT['0123456789abcdef'.charCodeAt(d)] = d;

/** The big-endian int32 at hex offset `at`. */
function int32At(hex: string, at: number): number {
  let v = 0;
  for (let j = 0; j < 8; j++) v = (v << 4) | (DIGIT[hex.charCodeAt(at + j)] as number);
  return v;
}

const scratch = new DataView(new ArrayBuffer(8));

/** The big-endian float64 at hex offset `at`. */
function float64At(hex: string, at: number): number {
  scratch.setInt32(0, int32At(hex, at));
  scratch.setInt32(4, int32At(hex, at + 8));
  return scratch.getFloat64(0);
}

/** How many values an `array_send` array holds (0 for an empty one, which has no dimension). */
function valueCount(hex: string): number {
  return int32At(hex, 2) === 0 ? 0 : int32At(hex, 2 + 24);
}

/** Reads the numbers above `numbers.max` and those of `missing` into `numbers.list`. */
export async function readProfileNumbers(client: pg.PoolClient, numbers: ProfileNumbers, missing: number[] = []): Promise<void> {
  const { rows } = await client.query<[number, string]>({
    text:
      missing.length > 0
        ? 'SELECT n, id FROM event_profile_numbers WHERE n = ANY($1::integer[])'
        : 'SELECT n, id FROM event_profile_numbers WHERE n > $1',
    values: [missing.length > 0 ? missing : numbers.max],
    rowMode: 'array',
  });
  for (const [n, id] of rows) {
    numbers.list[n] = id;
    if (missing.length === 0 && n > numbers.max) numbers.max = n;
  }
}

/** The profile numbers of a batch (`batchOfPack`'s, read from the pack once) that `numbers` does not know yet. */
export function unknownNumbers(batch: Pick<EventColumnBatch, 'length' | 'profile'>, numbers: ProfileNumbers): number[] {
  const unknown = new Set<number>();
  for (let i = 0; i < batch.length; i++) {
    const p = batch.profile[i] as number;
    if (p >= 0 && numbers.list[p] === undefined) unknown.add(p);
  }
  return [...unknown];
}

/**
 * The batch of a pack: its events of the scan's names (all when it names none) and time range. Batch names are
 * the scan's names (or the pack's), profiles are `numbers.list`, the same list for every pack (so numbers
 * `unknownNumbers` finds, read into it before the batch is used, are seen by the batch).
 */
export function batchOfPack(row: PackRow, scan: Pick<ColumnScan, 'fromMs' | 'toMs' | 'names'>, numbers: ProfileNumbers): EventColumnBatch {
  const [day, names, nameBytes, profileBytes, atBytes, seqBytes] = row;
  const wanted = scan.names;
  const nameMap = names.map((name, i) => (wanted ? wanted.indexOf(name) : i));
  const whole = day * PACK_DAY_MS >= scan.fromMs && (day + 1) * PACK_DAY_MS <= scan.toMs;
  const count = valueCount(nameBytes);
  const at = new Float64Array(count);
  const seq = new Float64Array(count);
  const name = new Uint32Array(count);
  const profile = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < count; i++) {
    const n = nameMap[int32At(nameBytes, FIRST + 16 * i)] as number;
    if (n < 0) continue;
    const t = float64At(atBytes, FIRST + 24 * i);
    if (!whole && (t < scan.fromMs || t >= scan.toMs)) continue;
    at[k] = t;
    seq[k] = float64At(seqBytes, FIRST + 24 * i);
    name[k] = n;
    profile[k] = int32At(profileBytes, FIRST + 16 * i);
    k++;
  }
  return leadingColumns({ at, seq, name, profile }, k, wanted ?? names, numbers.list);
}
