/** matchRecords on generated people by the thousand (long: the e2e tier runs it; match-engine.test.ts holds the small cases). */
import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { matchRecords } from './match-engine.ts';
import { generatePeople } from './person-generator.ts';
import type { MatchRecord } from './comparison-features.ts';

function people(count: number, seed: number): { records: MatchRecord[]; entity: readonly number[]; headers: readonly string[] } {
  const g = generatePeople({ count, seed });
  return {
    headers: g.headers,
    entity: g.entity,
    records: g.rows.map((row, i) => ({
      key: `k${String(i).padStart(6, '0')}`,
      values: Object.fromEntries(g.headers.map((h, c) => [h, row[c] ?? ''])),
    })),
  };
}

describe('matchRecords', () => {
  it('is deterministic: same input, identical output (EM, sampling, clusters)', () => {
    const { records, headers } = people(1500, 3);
    const roles = detectColumnRoles(headers);
    const a = matchRecords({ records, roles });
    const b = matchRecords({ records: [...records].reverse(), roles });
    expect(JSON.stringify(b.model)).toBe(JSON.stringify(a.model));
    expect(JSON.stringify(b.links)).toBe(JSON.stringify(a.links));
    expect(JSON.stringify(b.clusters)).toBe(JSON.stringify(a.clusters));
    expect(JSON.stringify(b.reviews)).toBe(JSON.stringify(a.reviews));
  });

  it('finds generated duplicates with high precision', () => {
    const { records, headers, entity } = people(2000, 5);
    const result = matchRecords({ records, roles: detectColumnRoles(headers) });
    const entityOf = new Map(records.map((r, i) => [r.key, entity[i]]));
    let correct = 0;
    for (const link of result.links) if (entityOf.get(link.a) === entityOf.get(link.b)) correct++;
    expect(result.links.length).toBeGreaterThan(300);
    expect(correct / result.links.length).toBeGreaterThan(0.97);
  });
});
