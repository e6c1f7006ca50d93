/** Turns per-source minute buckets into a dense series for the overview chart (pure, tested). */
import type { VolumeBucket } from '@kin/core/api/index.ts';

/** One minute column: its start and the events of each source. */
export interface VolumeColumn {
  start: string;
  bySource: Record<string, number>;
  total: number;
}

/** A colour per source index (stable: sources sorted by name). */
export const SOURCE_COLORS = ['#2563eb', '#059669', '#d97706', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626', '#475569'];

/** `minutes` columns ending with the minute of `now`, zero-filled. */
export function volumeColumns(buckets: readonly VolumeBucket[], now: Date, minutes = 60): VolumeColumn[] {
  const last = Math.floor(now.getTime() / 60_000) * 60_000;
  const columns: VolumeColumn[] = [];
  const index = new Map<number, VolumeColumn>();
  for (let i = minutes - 1; i >= 0; i--) {
    const start = last - i * 60_000;
    const column = { start: new Date(start).toISOString(), bySource: {}, total: 0 };
    columns.push(column);
    index.set(start, column);
  }
  for (const b of buckets) {
    const column = index.get(Math.floor(Date.parse(b.bucket) / 60_000) * 60_000);
    if (!column) continue;
    column.bySource[b.sourceId] = (column.bySource[b.sourceId] ?? 0) + b.events;
    column.total += b.events;
  }
  return columns;
}
