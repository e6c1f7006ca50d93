import { describe, expect, it } from 'vitest';
import { compareCodePoints, compareTraitOrder, jsonOrderText, TRAIT_ORDER } from './trait-order.ts';

describe('trait order', () => {
  it('compares rank, then time, then source, then value, as TRAIT_ORDER lists them', () => {
    expect(TRAIT_ORDER.map((key) => key.field)).toEqual(['trust', 'timestamp', 'sourceId', 'value']);
    const base = { trust: 1, timestamp: '2026-01-01T00:00:00.000Z', sourceId: 'a', value: 'x' };
    expect(compareTraitOrder({ ...base, trust: 2, timestamp: '2025-01-01T00:00:00.000Z' }, base)).toBe(1);
    expect(compareTraitOrder({ ...base, timestamp: '2026-01-01T00:00:00.001Z', sourceId: '0' }, base)).toBe(1);
    expect(compareTraitOrder({ ...base, sourceId: 'b', value: 'a' }, base)).toBe(1);
    expect(compareTraitOrder({ ...base, value: 'y' }, base)).toBe(1);
    expect(compareTraitOrder({ ...base, trust: undefined }, { ...base, trust: 0 })).toBe(0);
  });

  it('compares texts by code point (UTF-8 byte order), not UTF-16', () => {
    expect('\uFFFD' < '😀').toBe(false);
    expect(compareCodePoints('\uFFFD', '😀')).toBe(-1);
    expect(compareCodePoints('ab', 'a')).toBe(1);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });

  it('prints values as PostgreSQL prints jsonb, so key order does not matter', () => {
    expect(jsonOrderText({ bb: 1, a: [true, null], é: 'x' })).toBe('{"a": [true, null], "bb": 1, "é": "x"}');
    expect(jsonOrderText({ a: 1, bb: 1 })).toBe(jsonOrderText({ bb: 1, a: 1 }));
    expect(jsonOrderText(1e21)).toBe('1000000000000000000000');
    expect(jsonOrderText(-1.5e-7)).toBe('-0.00000015');
    expect(jsonOrderText(1.2345e22)).toBe('12345000000000000000000');
    expect(jsonOrderText('a"\n')).toBe('"a\\"\\n"');
    expect([jsonOrderText(null), jsonOrderText({}), jsonOrderText([])]).toEqual(['null', '{}', '[]']);
  });
});
