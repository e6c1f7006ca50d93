import { describe, expect, it } from 'vitest';
import { readableCeiling, SOURCE_COLORS, sourceColor, volumeColumns } from './volume-series.ts';

describe('volumeColumns', () => {
  it('zero-fills the last hour and sums sources per minute', () => {
    const now = new Date('2026-01-01T10:30:20Z');
    const columns = volumeColumns(
      [
        { sourceId: 'web', bucket: '2026-01-01T10:30:00.000Z', events: 3 },
        { sourceId: 'ios', bucket: '2026-01-01T10:30:00.000Z', events: 2 },
        { sourceId: 'web', bucket: '2026-01-01T09:31:00.000Z', events: 1 },
        { sourceId: 'web', bucket: '2026-01-01T09:00:00.000Z', events: 9 },
      ],
      now,
    );
    expect(columns).toHaveLength(60);
    expect(columns[0]).toEqual({ start: '2026-01-01T09:31:00.000Z', bySource: { web: 1 }, total: 1 });
    expect(columns.at(-1)).toEqual({ start: '2026-01-01T10:30:00.000Z', bySource: { web: 3, ios: 2 }, total: 5 });
    expect(columns.reduce((n, c) => n + c.total, 0)).toBe(6);
  });
});

describe('sourceColor', () => {
  it('depends on the id alone, so adding a source never repaints the others', () => {
    const ids = ['6f1c-web', '9a2b-ios', '1d3e-crm'];
    const before = ids.map(sourceColor);
    expect(['0000-new', ...ids].map(sourceColor).slice(1)).toEqual(before);
    for (const color of before) expect(SOURCE_COLORS).toContain(color);
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f'].map(sourceColor)).size).toBeGreaterThan(1);
  });
});

describe('readableCeiling', () => {
  it('cuts a bulk-load minute off the scale, and leaves ordinary traffic alone', () => {
    const live = [3, 4, 5, 4, 3, 6, 5, 4, 5, 4];
    // The 90th percentile of the 11 busy minutes is 5: the axis stops at 12.5, rounded up.
    expect(readableCeiling([5000, ...live])).toBe(13);
    expect(readableCeiling(live)).toBeUndefined();
    // Right after the demo's initial load: one bulk minute and one live minute.
    expect(readableCeiling([0, 0, 20_000, 60])).toBe(150);
    expect(readableCeiling([0, 0, 20_000])).toBeUndefined();
    expect(readableCeiling([20_000, 139, 139])).toBe(350);
  });
});
