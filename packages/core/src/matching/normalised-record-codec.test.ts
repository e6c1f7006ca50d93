import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import type { MatchRecord } from './comparison-features.ts';
import { decodeNormalised, encodeNormalised, NORMALISED_FORMAT } from './normalised-record-codec.ts';
import { createRecordNormaliser } from './normalised-record.ts';

const roles = detectColumnRoles([
  'name',
  'first_name',
  'last_name',
  'company',
  'dob',
  'address',
  'city',
  'postcode',
  'email',
  'phone',
  'crm_id',
]);
const normaliser = createRecordNormaliser(roles);
const RECORDS: MatchRecord[] = [
  {
    key: 'a',
    values: {
      name: 'Dr. Robert Ellis Jr',
      dob: '03/04/1962',
      address: 'Flat 3, 12 High Street',
      postcode: 'LS1 1AA',
      email: 'R.Ellis@Example.com',
    },
  },
  {
    key: 'b',
    values: { first_name: 'Bob', last_name: 'van Dyke', dob: '1962-02-27', city: 'Leeds', phone: '+44 113 496 0000', crm_id: 'C-17' },
  },
  { key: 'c', values: { name: 'Ellis Plumbing Ltd', postcode: 'ls1 1aa', dob: '1956-13-49' } },
  { key: 'd', values: { first_name: 'N/A' } },
];

describe('encoded normalised records', () => {
  it('decode to what normalising gives (dates with two readings, unparseable dates, organisations, empty records)', () => {
    for (const record of RECORDS) {
      const normalised = normaliser.normalise(record);
      expect(decodeNormalised(encodeNormalised(normalised), record.key, normaliser)).toEqual(normalised);
    }
  });

  it('decode to undefined when of another format, not an encoded record, or of another normaliser', () => {
    const text = encodeNormalised(normaliser.normalise(RECORDS[0]!));
    expect(decodeNormalised(text.replace(`[${NORMALISED_FORMAT},`, `[${NORMALISED_FORMAT + 1},`), 'a', normaliser)).toBeUndefined();
    expect(decodeNormalised('{"first":"x"}', 'a', normaliser)).toBeUndefined();
    expect(decodeNormalised('not json', 'a', normaliser)).toBeUndefined();
    const fewer = createRecordNormaliser(detectColumnRoles(['first_name', 'last_name', 'email']));
    expect(decodeNormalised(text, 'a', fewer)).toBeUndefined();
  });

  // Stored texts stay valid only while normalising gives what it gave: when this fails because a normaliser
  // changed on purpose, bump NORMALISED_FORMAT and update the texts here.
  it('are what format 1 stored (golden)', () => {
    expect(NORMALISED_FORMAT).toBe(1);
    expect(RECORDS.map((r) => encodeNormalised(normaliser.normalise(r)))).toEqual(GOLDEN);
  });
});

const GOLDEN: string[] = [
  '[1,"robert",null,"ellis","jr",null,1,["19620304",[1962,3,4,"19620304",-2860],[1962,4,3,"19620403",-2830]],"3 12 high st",null,null,null,null,"LS11AA",null,null,null,null,null,"r.ellis@example.com",null]',
  '[1,"bob",null,"vandyke",null,null,1,["19620227",[1962,2,27,"19620227",-2865]],null,null,null,null,"leeds",null,null,null,null,null,"c-17",null,"1134960000"]',
  '[1,null,null,null,null,"ellis plumbing",2,["19561349"],null,null,null,null,null,"LS11AA",null,null,null,null,null,null,null]',
  '[1,null,null,null,null,null,0,null,null,null,null,null,null,null,null,null,null,null,null,null,null]',
];
