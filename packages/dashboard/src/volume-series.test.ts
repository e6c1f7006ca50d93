import { describe, expect, it } from 'vitest';
import { volumeColumns } from './volume-series.ts';

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
