import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { createIncrementalMatcher, modelParameters } from './incremental-matcher.ts';
import { matchRecords } from './match-engine.ts';
import { generatePeople } from './person-generator.ts';

describe('incremental matcher', () => {
  const people = generatePeople({ count: 3000, seed: 9 });
  const records: MatchRecord[] = people.rows.map((row, i) => ({
    key: `r${String(i).padStart(5, '0')}`,
    values: Object.fromEntries(people.headers.map((h, c) => [h, row[c] ?? ''])),
  }));
  const roles = detectColumnRoles(people.headers);
  const model = matchRecords({ records: records.slice(0, 2000), roles }).model;

  it('finds the stored duplicate of an arriving record by its blocks, and nothing for a stranger', () => {
    const matcher = createIncrementalMatcher({ roles, parameters: modelParameters(model) });
    matcher.add(records.slice(0, 2500));
    expect(matcher.size).toBe(2500);
    let arriving = 0;
    let found = 0;
    let wrong = 0;
    for (let q = 2500; q < 3000; q++) {
      const entity = people.entity[q];
      const result = matcher.match(records[q] as MatchRecord);
      expect(result.compared).toBeLessThanOrEqual(200);
      wrong += result.links.filter((l) => people.entity[Number(l.key.slice(1))] !== entity).length;
      if (!people.entity.slice(0, 2500).includes(entity ?? -1)) continue;
      arriving++;
      if (result.links.some((l) => people.entity[Number(l.key.slice(1))] === entity)) found++;
    }
    expect(arriving).toBeGreaterThan(50);
    expect(found / arriving).toBeGreaterThan(0.8);
    expect(wrong).toBeLessThanOrEqual(2);
    const stranger = matcher.match({ key: 'x', values: { first_name: 'Zebedee', last_name: 'Quixotic', dob: '1901-01-01' } });
    expect(stranger.links).toHaveLength(0);
  });

  it('never links an organisation to a person', () => {
    const matcher = createIncrementalMatcher({ roles: detectColumnRoles(['name', 'phone', 'email']), parameters: modelParameters(model) });
    matcher.add([{ key: 'p', values: { name: 'Ann Baker', phone: '07700900001', email: 'info@baker.example' } }]);
    const result = matcher.match({ key: 'o', values: { name: 'Baker Bakery Ltd', phone: '07700900001', email: 'info@baker.example' } });
    expect([...result.links, ...result.reviews]).toHaveLength(0);
  });
});
