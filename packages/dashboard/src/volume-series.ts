/** Turns per-source minute buckets into a dense series for the overview chart (pure, tested). */
import type { VolumeBucket } from '@kin/core/api/index.ts';

/** One minute column: its start and the events of each source. */
export interface VolumeColumn {
  start: string;
  bySource: Record<string, number>;
  total: number;
}

/** The palette source colours are drawn from. */
export const SOURCE_COLORS = [
  '#2563eb',
  '#059669',
  '#d97706',
  '#db2777',
  '#7c3aed',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#475569',
  '#ca8a04',
  '#9333ea',
  '#0d9488',
];

/**
 * A source's colour, from its id alone (FNV-1a hash into the palette). Why not its index in the list: adding
 * a source then repainted the others; an id never changes, so neither does its colour.
 */
export function sourceColor(sourceId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sourceId.length; i++) hash = Math.imul(hash ^ sourceId.charCodeAt(i), 0x01000193) >>> 0;
  return SOURCE_COLORS[hash % SOURCE_COLORS.length] ?? '#64748b';
}

/**
 * The y-axis ceiling that keeps ordinary minutes readable: when one or two minutes (a bulk import) are more
 * than four times the 90th percentile of the busy minutes (two at least), the axis stops at 2.5 times that percentile and
 * those minutes go off the scale (the chart says so). `undefined`: show everything.
 */
export function readableCeiling(totals: readonly number[]): number | undefined {
  const busy = totals.filter((n) => n > 0).sort((a, b) => a - b);
  if (busy.length < 2) return undefined;
  const p90 = busy[Math.min(busy.length - 1, Math.floor(busy.length * 0.9) - 1)] ?? 0;
  const max = busy.at(-1) ?? 0;
  if (p90 === 0 || max <= 4 * p90) return undefined;
  // Rounded up to two significant digits, so the axis ends on a readable number (348 → 350).
  const ceiling = p90 * 2.5;
  const step = Math.max(1, 10 ** (Math.floor(Math.log10(ceiling)) - 1));
  return Math.ceil(ceiling / step) * step;
}

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
