import { describe, expect, it } from 'vitest';
import { PairMap } from './pair-map.ts';

describe('PairMap', () => {
  it('keys by both strings, so pairs that would join to the same text stay apart', () => {
    const map = new PairMap<number>();
    map.set('a\u0000b', 'c', 1);
    map.set('a', 'b\u0000c', 2);
    expect(map.get('a\u0000b', 'c')).toBe(1);
    expect(map.get('a', 'b\u0000c')).toBe(2);
    expect(map.size).toBe(2);
  });

  it('counts an overwrite once and a delete of a missing pair not at all', () => {
    const map = new PairMap<string>();
    map.set('email', 'x@y.io', 'p1');
    map.set('email', 'x@y.io', 'p2');
    map.set('user_id', 'u1', 'p1');
    expect(map.size).toBe(2);
    expect(map.delete('email', 'missing')).toBe(false);
    expect(map.delete('phone', 'x@y.io')).toBe(false);
    expect(map.size).toBe(2);
    expect(map.delete('email', 'x@y.io')).toBe(true);
    expect(map.has('email', 'x@y.io')).toBe(false);
    expect(map.size).toBe(1);
  });

  it('lists every value, and forgets all on clear', () => {
    const map = new PairMap<number>();
    map.set('t1', 'a', 1);
    map.set('t2', 'b', 2);
    map.set('t1', 'c', 3);
    expect([...map.values()].sort()).toEqual([1, 2, 3]);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get('t1', 'a')).toBeUndefined();
  });
});
