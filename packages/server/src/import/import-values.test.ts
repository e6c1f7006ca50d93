/** Imported values as tracked ones: spec trait names, the tracking normaliser, invalid values reported and left out. */
import { DEFAULT_POLICY, type IdentityPolicy } from '@kin/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { importFile } from './import-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-import-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let store: Store;
let n = 0;
beforeEach(async () => {
  store = await openSqliteStore({ path: join(dir, `kin-${++n}.db`) });
});
afterEach(async () => store.close());

async function run(text: string, policy: IdentityPolicy = DEFAULT_POLICY, name = 'people.csv') {
  const file = join(dir, `${n}-${name}`);
  writeFileSync(file, text);
  const rejectsFile = `${file}.rejects.csv`;
  const summary = await importFile({
    file,
    source: 'crm',
    store,
    policy,
    normalize: normalizerFor(policy),
    rejectsFile,
    now: () => new Date('2026-03-01T00:00:00.000Z'),
  });
  return { summary, rejects: readFileSync(rejectsFile, 'utf8') };
}

const profileOf = async (type: string, value: string) => store.findProfile((await store.findProfileIdByIdentifier({ type, value }))!);

describe('kin import: values as the tracking path has them', () => {
  it("maps CRM headers onto the spec's reserved traits, not beside them", async () => {
    const { summary } = await run(
      'crm_id,First_Name,last_name,e-mail,phone_number,zip,City,country,job_title,company_name,age,favourite_colour\n' +
        'C1,Ann,Lee,ann@example.com,+44 20 7946 0958,75001,Paris,FR,CTO,Acme,41,blue\n',
    );
    expect(summary).toMatchObject({ rows: 1, imported: 1, rejected: 0, invalidValues: 0 });
    expect(summary.ignoredColumns).toEqual(['favourite_colour']);
    const ann = await profileOf('crm_id', 'C1');
    expect(ann?.traits).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@example.com',
      phone: '+442079460958',
      address: { postalCode: '75001', city: 'Paris', country: 'FR' },
      title: 'CTO',
      company: { name: 'Acme' },
      age: '41',
    });
    const postal = await run('id,postal_code,first_name\n9,10115,Bo\n', DEFAULT_POLICY, 'postal.csv');
    expect(postal.summary.imported).toBe(1);
    expect((await profileOf('record', 'crm:9'))?.traits).toEqual({ firstName: 'Bo', address: { postalCode: '10115' } });
  });

  it('normalises emails and phones with the tracking normaliser, so a CRM row meets the tracked identifier', async () => {
    await run('id,email,phone\n1, Ann@Example.COM ,(415) 555-2671\n');
    const ann = await profileOf('email', 'ann@example.com');
    expect(ann?.traits).toEqual({ email: 'ann@example.com', phone: '+14155552671' });
    expect(ann?.externalIds.map((x) => `${x.type}:${x.value}`).sort()).toEqual([
      'email:ann@example.com',
      'phone:+14155552671',
      'record:crm:1',
    ]);
  });

  it('leaves out and reports invalid values (not-an-email, phone 12) and rejects a row with nothing else', async () => {
    const { summary, rejects } = await run('id,first_name,email,phone\n1,Ann,not-an-email,12\n2,,nope,\n3,Cy,c@x.io,+1 415 555 2671\n');
    expect(summary).toMatchObject({
      rows: 3,
      imported: 2,
      rejected: 1,
      invalidValues: 2,
      rejectedByCode: { invalid_email: 1 },
      invalidByCode: { invalid_email: 1, invalid_phone: 1 },
    });
    const ann = await profileOf('record', 'crm:1');
    expect(ann?.traits).toEqual({ firstName: 'Ann' });
    expect(ann?.externalIds.map((x) => x.type)).toEqual(['record']);
    expect(await store.findProfileIdByIdentifier({ type: 'email', value: 'not-an-email' })).toBeUndefined();
    expect(await store.findProfileIdByIdentifier({ type: 'record', value: 'crm:2' })).toBeUndefined();
    expect(rejects.split('\n').slice(0, 4)).toEqual([
      'row,line,column,code,reason',
      '1,2,email,invalid_email,"""email"" is not a valid email: left out"',
      '1,2,phone,invalid_phone,"""phone"" is not a valid phone: left out"',
      '2,3,,invalid_email,"no valid values besides the record id (""email"" is not a valid email: left out)"',
    ]);
  });

  it('counts the identifiers the identity policy refused on imported rows', async () => {
    const strict: IdentityPolicy = { ...DEFAULT_POLICY, types: { ...DEFAULT_POLICY.types, crm_id: { limit: 1, priority: 4 } } };
    const { summary } = await run('crm_id,email\nC1,a@x.io\nC2,a@x.io\n', strict);
    expect(summary).toMatchObject({ imported: 2, refusedIdentifiers: 1 });
    expect((await profileOf('email', 'a@x.io'))?.externalIds.filter((x) => x.type === 'crm_id').map((x) => x.value)).toEqual(['C1']);
  });

  it('takes spec trait names and header aliases in a mapping file as the roles they name', async () => {
    const file = join(dir, `${n}-mapped.csv`);
    writeFileSync(file, 'Nr,Vorname,Nachname,PLZ,Beruf,Mail\nK1,Ann,Lee,75001,CTO,ANN@x.io\n');
    const mapping = {
      Nr: 'record_id',
      Vorname: 'firstName',
      Nachname: 'surname',
      PLZ: 'address.postalCode',
      Beruf: 'title',
      Mail: 'email',
    };
    const summary = await importFile({
      file,
      source: 'crm',
      store,
      policy: DEFAULT_POLICY,
      normalize: normalizerFor(DEFAULT_POLICY),
      mapping,
    });
    expect(summary).toMatchObject({ imported: 1, ignoredColumns: [] });
    expect((await profileOf('record', 'crm:K1'))?.traits).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      address: { postalCode: '75001' },
      title: 'CTO',
      email: 'ann@x.io',
    });
  });
});
