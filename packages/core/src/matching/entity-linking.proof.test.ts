import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { generatePeople } from './person-generator.ts';
import { matchRecords } from './match-engine.ts';

const HEADERS = ['first_name', 'last_name', 'name', 'company', 'dob', 'email', 'phone', 'address', 'postcode', 'account_id'];

/** Background people (so the model has pairs to learn from) plus the planted records. */
function withBackground(planted: readonly Partial<Record<string, string>>[]): MatchRecord[] {
  const people = generatePeople({ count: 600, seed: 3, duplicateShare: 0.3 });
  const background = people.rows.map((r, i) => ({
    key: `b${String(i).padStart(4, '0')}`,
    values: { first_name: r[0], last_name: r[1], dob: r[2], postcode: r[4], email: r[5], phone: r[6] },
  }));
  return [...planted.map((values, i) => ({ key: `p${i}`, values })), ...background];
}

const clusterOf = (result: ReturnType<typeof matchRecords>, key: string): readonly string[] =>
  result.clusters.find((c) => c.includes(key)) ?? [key];

describe('entity-centric linking', () => {
  it('links A and D of one person through B and C although A and D share nothing, and explains the chain', () => {
    const result = matchRecords({
      roles: detectColumnRoles(HEADERS),
      records: withBackground([
        { name: 'Quentin Marlowe-Fitch', phone: '07700 900123' },
        { first_name: 'Quentin', last_name: 'Marlowe-Fitch', phone: '07700900123', address: '14 Quarry Lane', postcode: 'QX1 4ZZ' },
        { name: 'Q. Marlowe-Fitch', email: 'qmf@example.org', address: '14 Quarry Ln' },
        { first_name: 'Quentin', last_name: 'Marlowe Fitch', email: 'qmf@example.org', dob: '1971-02-03' },
      ]),
    });
    expect(clusterOf(result, 'p0')).toEqual(['p0', 'p1', 'p2', 'p3']);
    const steps = result.explainCluster('p3');
    expect(steps).toHaveLength(3);
    expect(steps.every((s) => s.probability >= 0.95)).toBe(true);
  });

  it('never merges an organisation with a person, nor Jr with Sr, nor two account numbers through a chain', () => {
    const result = matchRecords({
      roles: detectColumnRoles(HEADERS),
      records: withBackground([
        { name: 'Ximena Quarrington', phone: '07700 900555', address: '9 Zed Road', postcode: 'ZZ9 9ZZ', account_id: 'AC1' },
        { name: 'Quarrington Plumbing Ltd', phone: '07700 900555', address: '9 Zed Road', postcode: 'ZZ9 9ZZ' },
        { first_name: 'Yorick', last_name: 'Quarrington Sr', dob: '1950-01-01', address: '7 Yew Road', postcode: 'YY7 7YY' },
        { first_name: 'Yorick', last_name: 'Quarrington Jr', dob: '1950-01-01', address: '7 Yew Road', postcode: 'YY7 7YY' },
      ]),
    });
    expect(clusterOf(result, 'p1')).toEqual(['p1']);
    expect(clusterOf(result, 'p2')).not.toContain('p3');
  });

  it('never puts two account numbers in one cluster, even when their own pair scores as a link (namesakes of one household)', () => {
    const result = matchRecords({
      roles: detectColumnRoles(HEADERS),
      records: withBackground([
        { first_name: 'Zelda', last_name: 'Quarrington', phone: '01632 960111', postcode: 'ZQ1 1QZ', account_id: 'AC700001' },
        { first_name: 'Zelda', last_name: 'Quarrington', phone: '01632 960111', postcode: 'ZQ1 1QZ', account_id: 'AC388112' },
      ]),
    });
    expect(result.explain('p0', 'p1')?.probability).toBeGreaterThanOrEqual(0.95);
    expect(clusterOf(result, 'p0')).toEqual(['p0']);
    expect(result.reviews.some((r) => r.a === 'p0' && r.b === 'p1')).toBe(true);
  });

  it('never lets an initial bridge two incompatible first names (K. fits Katherine and Karen of one postcode)', () => {
    const result = matchRecords({
      roles: detectColumnRoles(HEADERS),
      records: withBackground([
        { first_name: 'Katherine', last_name: 'Quarrington', email: 'katherinequarrington@example.org', postcode: 'ZQ4 2CK' },
        { name: 'Katherine Quarrington', postcode: 'ZQ4 2CK', account_id: 'AC726882' },
        {
          first_name: 'K.',
          last_name: 'Quarrington',
          email: 'katherinequarrington@example.org',
          phone: '01378 956196',
          postcode: 'ZQ4 2CK',
        },
        { first_name: 'Karen', last_name: 'Quarrington', email: 'karen.q78@example.net', address: '134 Station Rd', postcode: 'ZQ4 2CK' },
      ]),
    });
    expect(clusterOf(result, 'p0')).toEqual(['p0', 'p1', 'p2']);
    expect(clusterOf(result, 'p3')).toEqual(['p3']);
  });
});
