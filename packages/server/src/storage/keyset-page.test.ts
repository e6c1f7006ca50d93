import { describe, expect, it } from 'vitest';
import { cursorKey, decodeCursor, encodeCursor, pageOf } from './keyset-page.ts';

const rows = [
  { seq: 9, ts: 'c' },
  { seq: 7, ts: 'b' },
  { seq: 4, ts: 'a' },
];

describe('pageOf', () => {
  it('keeps limit rows and makes the next cursor from the last one kept when an extra row came back', () => {
    const page = pageOf(
      rows,
      2,
      (r) => r.seq * 10,
      (r) => [r.ts, r.seq],
    );
    expect(page.data).toEqual([90, 70]);
    expect(page.cursor.hasMore).toBe(true);
    expect(decodeCursor(page.cursor.next!)).toEqual(['b', 7]);
  });

  it('answers no cursor on the last page, full or short, and on an empty one', () => {
    expect(
      pageOf(
        rows,
        3,
        (r) => r.seq,
        (r) => [r.seq],
      ),
    ).toEqual({ data: [9, 7, 4], cursor: { next: null, hasMore: false } });
    expect(
      pageOf(
        rows.slice(0, 1),
        3,
        (r) => r.seq,
        (r) => [r.seq],
      ),
    ).toEqual({ data: [9], cursor: { next: null, hasMore: false } });
    expect(
      pageOf(
        [],
        3,
        (r: { seq: number }) => r.seq,
        (r) => [r.seq],
      ),
    ).toEqual({ data: [], cursor: { next: null, hasMore: false } });
  });
});

describe('cursorKey', () => {
  it('reads the key of a cursor encodeCursor made, and nothing from a missing or foreign one', () => {
    expect(cursorKey(encodeCursor(['2026-11-01T10:00:00.000Z', 12]))).toEqual(['2026-11-01T10:00:00.000Z', 12]);
    expect(cursorKey(undefined)).toBeUndefined();
    expect(cursorKey('')).toBeUndefined();
    expect(cursorKey('not a cursor')).toBeUndefined();
    expect(cursorKey(Buffer.from('{"a":1}').toString('base64url'))).toBeUndefined();
  });
});
