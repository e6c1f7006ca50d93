import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { matchRecords } from './match-engine.ts';
import { learnMatchModel } from './match-model.ts';
import { generatePeople } from './person-generator.ts';

describe('learnMatchModel', () => {
  it('learns the model matchRecords learns (every level m, u and weight, λ, the bonus), in dedupe and link mode', () => {
    const people = generatePeople({ count: 1500, seed: 3 });
    const records: MatchRecord[] = people.rows.map((row, i) => ({
      key: `r${String(i).padStart(5, '0')}`,
      source: i % 2 === 0 ? 'crm' : 'shop',
      values: Object.fromEntries(people.headers.map((h, c) => [h, row[c] ?? ''])),
    }));
    const roles = detectColumnRoles(people.headers);
    for (const mode of ['dedupe', 'link'] as const) {
      const model = learnMatchModel({ records, roles, mode });
      expect(model.features.length).toBeGreaterThan(3);
      expect(model).toEqual(matchRecords({ records, roles, mode }).model);
    }
  });
});
