/**
 * Reads the packed per-day columns of postgres-event-columns.ts into the analytics port's column batches: each
 * array is `array_send`'s binary form (a 20-byte header, then for each value its 4-byte length and the value,
 * big-endian), so event i's value sits at a fixed offset and no text is parsed per event. Profile numbers map to
 * ids through a list the reader keeps between questions (numbers are only ever added, never changed).
 */
import type pg from 'pg';
import type { ColumnScan, EventColumnBatch } from '../analytics-store.ts';
import { PACK_DAY_MS } from './postgres-event-columns.ts';

/** The ids of the profile numbers met so far (index: number), kept by one analytics port between questions. */
export interface ProfileNumbers {
  list: string[];
  /** The highest number read in bulk; lower ones a repack committed late are read when a pack names them. */
  max: number;
}

/** A pack as selected: day, names, then the name, profile, time and seq arrays. */
export type PackRow = [number, string[], Buffer, Buffer, Buffer, Buffer];

/** The statement reading the packs of days [$1, $2]. */
export const PACK_READ = 'SELECT day, names, name, profile, at, seq FROM event_columns WHERE day >= $1 AND day <= $2';

const HEADER = 20;

/** How many values an `array_send` array holds (0 for an empty one, which has no dimension). */
function valueCount(bytes: Buffer): number {
  return bytes.readInt32BE(0) === 0 ? 0 : bytes.readInt32BE(12);
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

/** The profile numbers a pack names that `numbers` does not know yet. */
export function unknownNumbers(row: PackRow, numbers: ProfileNumbers): number[] {
  const profile = row[3];
  const unknown = new Set<number>();
  for (let i = 0, n = valueCount(profile); i < n; i++) {
    const p = profile.readInt32BE(HEADER + 4 + 8 * i);
    if (p >= 0 && numbers.list[p] === undefined) unknown.add(p);
  }
  return [...unknown];
}

/**
 * The batch of a pack: its events of the scan's names (all when it names none) and time range. Batch names are
 * the scan's names (or the pack's), profiles are `numbers.list`, the same list for every pack.
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
    const n = nameMap[nameBytes.readInt32BE(HEADER + 4 + 8 * i)] as number;
    if (n < 0) continue;
    const t = atBytes.readDoubleBE(HEADER + 4 + 12 * i);
    if (!whole && (t < scan.fromMs || t >= scan.toMs)) continue;
    at[k] = t;
    seq[k] = seqBytes.readDoubleBE(HEADER + 4 + 12 * i);
    name[k] = n;
    profile[k] = profileBytes.readInt32BE(HEADER + 4 + 8 * i);
    k++;
  }
  return {
    length: k,
    at: at.subarray(0, k),
    seq: seq.subarray(0, k),
    name: name.subarray(0, k),
    names: wanted ?? names,
    profile: profile.subarray(0, k),
    profiles: numbers.list,
  };
}
