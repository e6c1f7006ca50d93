import { describe, expect, it } from 'vitest';
import { CUSTOMER_HEADERS, generateCustomers } from './customer-generator.ts';

describe('generateCustomers', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateCustomers({ entities: 50, seed: 3 });
    expect(generateCustomers({ entities: 50, seed: 3 })).toEqual(a);
    expect(generateCustomers({ entities: 50, seed: 4 }).rows).not.toEqual(a.rows);
  });

  it('makes sparse records of several sources, with households, organisations and Jr/Sr', () => {
    const g = generateCustomers({ entities: 400, seed: 19 });
    expect(g.headers).toEqual(CUSTOMER_HEADERS);
    expect(new Set(g.entity).size).toBe(400);
    expect(new Set(g.source).size).toBeGreaterThanOrEqual(5);
    const filled = g.rows.map((r) => r.filter((v) => v !== '').length);
    expect(filled.reduce((a, b) => a + b, 0) / filled.length).toBeLessThan(5);
    const cells = g.rows.flat().join('\n');
    expect(cells).toMatch(/ Jr\b/);
    expect(cells).toMatch(/ Sr\b/);
    expect(cells).toMatch(/\b(Ltd|LLP|Limited)\b/);
    expect(cells).toMatch(/family\d*@/);
    expect(g.rows.some((r) => r[2] !== '' && r[0] === '' && r[1] === '')).toBe(true);
  });
});
