import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareNormalised, prepareRecords, type MatchRecord } from './comparison-features.ts';
import { createRecordNormaliser } from './normalised-record.ts';

const roles = detectColumnRoles(['name', 'first_name', 'last_name', 'company', 'dob', 'address', 'postcode', 'email', 'phone', 'crm_id']);
const record = (key: string, values: Readonly<Record<string, string>>): MatchRecord => ({ key, values });
const RECORDS = [
  record('a', {
    name: 'Dr. Robert Ellis Jr',
    dob: '27/02/1962',
    address: 'Flat 3, 12 High Street',
    postcode: 'LS1 1AA',
    email: 'R.Ellis@Example.com',
  }),
  record('b', {
    first_name: 'Bob',
    last_name: 'Ellis',
    dob: '1962-02-27',
    address: '12 High St #3',
    phone: '+44 113 496 0000',
    crm_id: 'C-17',
  }),
  record('c', { name: 'Ellis Plumbing Ltd', postcode: 'ls1 1aa', crm_id: 'C-18' }),
  record('d', { first_name: 'N/A', last_name: 'van Dyke', email: 'jane@example.org' }),
];

describe('normalised records', () => {
  it('compare as the raw records do, whichever records they are prepared with', () => {
    const normaliser = createRecordNormaliser(roles);
    const rows = RECORDS.map(normaliser.normalise);
    const raw = prepareRecords(RECORDS, roles);
    // Normalised once, prepared in another group and order (as the candidate cache does).
    const regrouped = prepareNormalised([rows[3]!, rows[1]!, rows[0]!, rows[2]!], normaliser);
    const at = [2, 1, 3, 0];
    expect(regrouped.features.map((f) => f.name)).toEqual(raw.features.map((f) => f.name));
    for (const [k, feature] of raw.features.entries())
      for (let i = 0; i < RECORDS.length; i++)
        for (let j = 0; j < RECORDS.length; j++) expect(regrouped.features[k]?.compare(at[i]!, at[j]!)).toBe(feature.compare(i, j));
    expect(regrouped.conflict(at[0]!, at[2]!)).toBe(raw.conflict(0, 2));
    expect(rows[0]?.names).toMatchObject({ first: 'robert', last: 'ellis', suffix: 'jr' });
    expect(rows[2]?.names.organisation).toBeDefined();
  });

  it('build the blocking keys when first read, in the order blocking rules read them', () => {
    const prepared = prepareRecords(RECORDS, roles);
    expect([...prepared.keys.keys()]).toEqual([
      'fn',
      'fnsx',
      'ln',
      'lnsx',
      'name',
      'company',
      'company1',
      'dob',
      'dobY',
      'dobMD',
      'addr',
      'pc',
      'id:crm_id',
      'email',
      'emailUser',
      'phone',
    ]);
    expect(prepared.keys.get('fn')).toEqual(['robert', 'robert', undefined, undefined]);
    expect(prepared.keys.get('name')?.[1]).toBe('bob|ellis');
    expect(prepared.keys).toBe(prepared.keys);
  });

  it('are refused with records of other column roles', () => {
    const a = createRecordNormaliser(roles);
    const b = createRecordNormaliser(detectColumnRoles(['first_name', 'last_name']));
    expect(() => prepareNormalised([a.normalise(RECORDS[0]!), b.normalise(RECORDS[1]!)], a)).toThrow(/other column roles/);
  });
});
