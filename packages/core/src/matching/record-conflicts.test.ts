import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareRecords, type MatchRecord } from './comparison-features.ts';
import { generateCustomers } from './customer-generator.ts';
import { matchRecords } from './match-engine.ts';
import { clusterPairs } from './supported-clustering.ts';

/** A generated customer file (so the model has data to learn from) plus the records of one test. */
function withBackground(extra: readonly Readonly<Record<string, string>>[]): { records: MatchRecord[]; headers: readonly string[] } {
  const set = generateCustomers({ entities: 100, seed: 3 });
  const headers = set.headers;
  const row = (key: string, values: Readonly<Record<string, string>>): MatchRecord => ({
    key,
    values: Object.fromEntries(headers.map((h) => [h, values[h] ?? ''])),
  });
  const background = set.rows.map((r, i) =>
    row(`b${String(i).padStart(5, '0')}`, Object.fromEntries(headers.map((h, c) => [h, r[c] ?? '']))),
  );
  return { records: [...background, ...extra.map((values, i) => row(`x${i}`, values))], headers };
}

function clusterOf(clusters: readonly (readonly string[])[], key: string): readonly string[] {
  return clusters.find((c) => c.includes(key)) ?? [key];
}

describe('record conflicts', () => {
  it('holds apart namesakes with a generational suffix whose dates of birth no typo explains', () => {
    const { records, headers } = withBackground([
      { name: 'Robert Ellis Jr.', dob: '27/02/1962', email: 'robertellis72@outlook.com', address: '134 Church Street' },
      { name: 'Bert Ellis Jr.', email: 'robert.ellis@gmail.com', address: '134 Church St' },
      { first_name: 'Robert', last_name: 'Ellis Jr', dob: '1963-11-06', email: 'robert.ellis@gmail.com', address: '134 Church St' },
      { name: 'Robert Ellis Jr', dob: '1962-02-27' },
      { name: 'Robert Ellis', dob: '1963-11-06' },
      { name: 'Robert Ellis', dob: '1962-02-27' },
    ]);
    const roles = detectColumnRoles([...headers]);
    const prepared = prepareRecords(records, roles);
    const at = (key: string): number => records.findIndex((r) => r.key === key);
    expect(prepared.conflict(at('x0'), at('x2'))).toBe('suffix-and-date-of-birth');
    // Father without a suffix, son with one: still two generations.
    expect(prepared.conflict(at('x0'), at('x4'))).toBe('suffix-and-date-of-birth');
    // The same date written another way is no conflict.
    expect(prepared.conflict(at('x0'), at('x3'))).toBeUndefined();
    // No suffix on either side: the date's own weight decides (splink's fake_1000 has unrelated true dates).
    expect(prepared.conflict(at('x4'), at('x5'))).toBeUndefined();
    // Chaining: the record without a date links to each, but the two dates may not share a cluster.
    const result = matchRecords({ records: records.slice(0, at('x3')), roles });
    expect(clusterOf(result.clusters, 'x0')).not.toContain('x2');
  });

  it('refuses a cluster in which an initial bridges incompatible first names (K. Patel between Katherine and Karen)', () => {
    const headers = ['first_name', 'last_name', 'postcode'];
    const rows = [
      ['Katherine', 'Patel', 'NE4 2CK'],
      ['Katherine', 'Patel', 'NE4 2CK'],
      ['K.', 'Patel', 'NE4 2CK'],
      ['Karen', 'Patel', 'NE4 2CK'],
      ['Kathy', 'Patel', 'NE4 2CK'],
    ];
    const records = rows.map((r, i) => ({ key: `r${i}`, values: Object.fromEntries(headers.map((h, c) => [h, r[c] ?? ''])) }));
    const prepared = prepareRecords(records, detectColumnRoles(headers));
    expect(prepared.initialBridge([0, 1, 2], [3])).toBe(true);
    expect(prepared.initialBridge([0, 1], [2, 3])).toBe(true);
    // Without an initial the pair's own score judges (FEBRL's true pairs often carry unrelated given names).
    expect(prepared.initialBridge([0, 1], [3])).toBe(false);
    // A nickname is compatible.
    expect(prepared.initialBridge([0, 2], [4])).toBe(false);
    // Every pair scores as a link: the chain Katherine–K.–Karen forms unless the merge is refused.
    const left = [0, 0, 2];
    const right = [1, 2, 3];
    const clustered = clusterPairs({
      size: 4,
      left,
      right,
      weight: [15, 10, 6],
      linkWeight: 4,
      reviewWeight: 0,
      supportShare: 0.5,
      pairWeight: () => 5,
      clusterConflict: prepared.initialBridge,
    });
    expect(clustered.clusterOf[0]).toBe(clustered.clusterOf[2]);
    expect(clustered.clusterOf[3]).not.toBe(clustered.clusterOf[0]);
    expect(clustered.refusedByConflict[2]).toBe(1);
  });
});
