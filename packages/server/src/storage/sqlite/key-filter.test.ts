import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@kin/core';
import { messageKey } from './message-key.ts';
import { KeyFilter } from './key-filter.ts';

describe('KeyFilter', () => {
  const keys = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => messageKey('src-1', `${prefix}-${i}`));

  it('never misses a key it was given', () => {
    const filter = new KeyFilter(50_000);
    const added = keys(50_000, 'in');
    added.forEach((k) => filter.add(k));
    expect(added.every((k) => filter.has(k))).toBe(true);
    expect(filter.size).toBe(50_000);
    expect(filter.full).toBe(false);
  });

  it('answers true for absent keys rarely while within its capacity', () => {
    const filter = new KeyFilter(50_000);
    keys(50_000, 'in').forEach((k) => filter.add(k));
    const absent = keys(100_000, 'out');
    const falsePositives = absent.filter((k) => filter.has(k)).length;
    expect(falsePositives / absent.length).toBeLessThan(0.01);
  });

  it('is empty at first and full past its capacity', () => {
    const filter = new KeyFilter(100);
    const random = mulberry32(7);
    const probes = Array.from({ length: 1000 }, () => BigInt(Math.floor(random() * 2 ** 53)));
    expect(probes.some((k) => filter.has(k))).toBe(false);
    keys(101, 'x').forEach((k) => filter.add(k));
    expect(filter.full).toBe(true);
  });
});
