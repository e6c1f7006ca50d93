import { describe, expect, it } from 'vitest';
import { cursorKey, encodeCursor, pageOf, readCursor } from './keyset-page.ts';

const rows = [
  { seq: 9, ts: 'c' },
  { seq: 7, ts: 'b' },
  { seq: 4, ts: 'a' },
];

describe('pageOf', () => {
  it('keeps limit rows and makes the next cursor, of its list, from the last one kept when an extra row came back', () => {
    const page = pageOf(
      'events',
      rows,
      2,
      (r) => r.seq * 10,
      (r) => [r.ts, r.seq],
    );
    expect(page.data).toEqual([90, 70]);
    expect(page.cursor.hasMore).toBe(true);
    expect(readCursor('events', page.cursor.next!)).toEqual(['b', 7]);
    expect(readCursor('warnings', page.cursor.next!)).toBeUndefined();
  });

  it('answers no cursor on the last page, full or short, and on an empty one', () => {
    const seqOf = (r: { seq: number }) => [r.seq];
    expect(pageOf('warnings', rows, 3, (r) => r.seq, seqOf)).toEqual({ data: [9, 7, 4], cursor: { next: null, hasMore: false } });
    expect(pageOf('warnings', rows.slice(0, 1), 3, (r) => r.seq, seqOf)).toEqual({ data: [9], cursor: { next: null, hasMore: false } });
    expect(pageOf('warnings', [], 3, (r: { seq: number }) => r.seq, seqOf)).toEqual({ data: [], cursor: { next: null, hasMore: false } });
  });
});

describe('readCursor', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('reads a cursor of its own list, and nothing without one', () => {
    expect(readCursor('events', encodeCursor('events', ['2026-11-01T10:00:00.000Z', 12]))).toEqual(['2026-11-01T10:00:00.000Z', 12]);
    expect(readCursor('links', encodeCursor('links', ['2026-11-01T10:00:00.000Z', 'lnk_1']))).toEqual([
      '2026-11-01T10:00:00.000Z',
      'lnk_1',
    ]);
    expect(cursorKey('events', undefined)).toBeUndefined();
    expect(cursorKey('events', '')).toBeUndefined();
  });

  it.each([
    ['garbled', '%00zz'],
    ['not base64url', 'not a cursor'],
    ['base64 of nothing JSON', 'abc'],
    ['a negative number', '-5'],
    ['an object', b64({ a: 1 })],
    ['a key without its list', b64([7])],
    ['another list', encodeCursor('warnings', [7])],
    ['a key of the wrong shape', b64(['audit', 'x'])],
    ['a key too long', b64(['audit', 1, 2])],
    ['a negative seq', b64(['audit', -1])],
    ['a fraction', b64(['audit', 1.5])],
  ])('refuses %s', (_, cursor) => {
    expect(readCursor('audit', cursor)).toBeUndefined();
  });
});
