import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/mulberry32.ts';
import { sortInPlace } from './stable-sort.ts';

describe('sortInPlace', () => {
  it('orders as Array.prototype.sort does, ties kept in input order, short and long arrays', () => {
    const random = mulberry32(7);
    for (let round = 0; round < 500; round++) {
      const length = Math.floor(random() * 40);
      const items = Array.from({ length }, (_, index) => ({ key: Math.floor(random() * 5), index }));
      const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
      const expected = items.slice().sort(compare);
      const copy = items.slice();
      expect(sortInPlace(copy, compare)).toBe(copy);
      expect(copy).toEqual(expected);
    }
  });
});
