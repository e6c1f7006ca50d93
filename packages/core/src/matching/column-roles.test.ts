import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';

describe('detectColumnRoles', () => {
  it('detects attributes, identifiers and record keys from headers', () => {
    const roles = detectColumnRoles(['Id', 'First Name', 'SURNAME', 'dob', 'Zip', 'E-mail', 'crm_id', 'twitter', 'Suburb', 'notes']);
    expect(roles['Id']).toEqual({ kind: 'ignore' });
    expect(roles['First Name']).toEqual({ kind: 'attribute', role: 'first_name' });
    expect(roles['SURNAME']).toEqual({ kind: 'attribute', role: 'last_name' });
    expect(roles['dob']).toEqual({ kind: 'attribute', role: 'date_of_birth' });
    expect(roles['Zip']).toEqual({ kind: 'attribute', role: 'postcode' });
    expect(roles['E-mail']).toEqual({ kind: 'identifier', type: 'email' });
    expect(roles['crm_id']).toEqual({ kind: 'identifier', type: 'crm_id' });
    expect(roles['twitter']).toEqual({ kind: 'identifier', type: 'twitter' });
    expect(roles['Suburb']).toEqual({ kind: 'attribute', role: 'city' });
    expect(roles['notes']).toEqual({ kind: 'ignore' });
  });
  it('reads name components and split birth dates (RLdata layout)', () => {
    const roles = detectColumnRoles(['fname_c1', 'fname_c2', 'lname_c1', 'lname_c2', 'by', 'bm', 'bd']);
    expect(roles['fname_c1']).toEqual({ kind: 'attribute', role: 'first_name' });
    expect(roles['fname_c2']).toEqual({ kind: 'attribute', role: 'middle_name' });
    expect(roles['lname_c2']).toEqual({ kind: 'attribute', role: 'last_name' });
    expect(roles['by']).toEqual({ kind: 'attribute', role: 'birth_year' });
    expect(roles['bd']).toEqual({ kind: 'attribute', role: 'birth_day' });
  });
  it('lets a mapping override detection, case-insensitively', () => {
    const roles = detectColumnRoles(['Site name', 'Phone', 'dob'], { 'site NAME': 'company', dob: 'ignore', Phone: 'loyalty_card' });
    expect(roles['Site name']).toEqual({ kind: 'attribute', role: 'company' });
    expect(roles['dob']).toEqual({ kind: 'ignore' });
    expect(roles['Phone']).toEqual({ kind: 'identifier', type: 'loyalty_card' });
  });
  it('recognises organisation-name headers', () => {
    const roles = detectColumnRoles([
      'Site name',
      'Organisation',
      'organization_name',
      'Company',
      'Business Name',
      'Agency',
      'Program Name',
      'site',
    ]);
    for (const h of ['Site name', 'Organisation', 'organization_name', 'Company', 'Business Name'])
      expect(roles[h]).toEqual({ kind: 'attribute', role: 'company' });
    expect(roles['Agency']).toEqual({ kind: 'ignore' }); // the parent body, not the site itself
    expect(roles['Program Name']).toEqual({ kind: 'ignore' });
    expect(roles['site']).toEqual({ kind: 'ignore' });
  });
  it('reads a bare name as an organisation only with organisation cues and no person columns', () => {
    expect(detectColumnRoles(['name', 'website', 'phone'])['name']).toEqual({ kind: 'attribute', role: 'company' });
    expect(detectColumnRoles(['name', 'fax'])['name']).toEqual({ kind: 'attribute', role: 'company' });
    expect(detectColumnRoles(['name', 'email', 'phone'])['name']).toEqual({ kind: 'attribute', role: 'full_name' });
    expect(detectColumnRoles(['name', 'dob', 'website'])['name']).toEqual({ kind: 'attribute', role: 'full_name' });
    expect(detectColumnRoles(['name', 'fax'], { name: 'full_name' })['name']).toEqual({ kind: 'attribute', role: 'full_name' });
  });
});
