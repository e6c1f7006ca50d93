import { DEFAULT_POLICY } from '@kin/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { checkpointPath, readCheckpoint } from './import-checkpoint.ts';
import { importFile, type ImportFileOptions } from './import-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const normalize = normalizerFor(DEFAULT_POLICY);
let store: Store;
let n = 0;
beforeEach(async () => {
  store = await openSqliteStore({ path: join(dir, `kin-${++n}.db`) });
});
afterEach(async () => store.close());

function file(name: string, text: string): string {
  const path = join(dir, `${n}-${name}`);
  writeFileSync(path, text);
  return path;
}

const run = (options: Omit<ImportFileOptions, 'store' | 'policy' | 'normalize'>) =>
  importFile({ store, policy: DEFAULT_POLICY, normalize, now: () => new Date('2026-03-01T00:00:00.000Z'), ...options });

const CRM = [
  'crm_id,first_name,last_name,email,phone,dob,city',
  'C1,Ann,Lee,ann@example.com,+1 415 555 2671,1980-02-03,Paris',
  'C2,Bob,Stone,bob@example.com,,03/04/1970,Lyon',
  'C3,Cid,Moss,,,,Nice',
].join('\n');

describe('kin import (file)', () => {
  it('maps roles to traits and identifiers, and re-importing the same file is all duplicates with no new profiles', async () => {
    const path = file('crm.csv', CRM);
    const first = await run({ file: path, source: 'crm' });
    expect(first).toMatchObject({ rows: 3, imported: 3, duplicates: 0, rejected: 0, stopped: false });
    const ann = await store.findProfile((await store.findProfileIdByIdentifier({ type: 'email', value: 'ann@example.com' }))!);
    // Spec trait names, identifiers normalised as the tracking path does (phone in E.164).
    expect(ann?.traits).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@example.com',
      phone: '+14155552671',
      birthday: '1980-02-03',
      address: { city: 'Paris' },
    });
    expect(ann?.externalIds.map((x) => `${x.type}:${x.value}`).sort()).toEqual([
      'crm_id:C1',
      'email:ann@example.com',
      'phone:+14155552671',
      'record:crm:C1',
    ]);
    // 03/04/1970 has two readings: the raw value is kept, no ISO date is guessed.
    const bob = await store.findProfile((await store.findProfileIdByIdentifier({ type: 'crm_id', value: 'C2' }))!);
    expect(bob?.traits).toMatchObject({ birthday: '03/04/1970' });
    const before = await store.stats();
    expect(before.profiles).toBe(3);

    const second = await run({ file: path, source: 'crm' });
    expect(second).toMatchObject({ rows: 3, imported: 0, duplicates: 3, rejected: 0 });
    expect(await store.stats()).toEqual(before);
    expect(existsSync(checkpointPath(path))).toBe(false);
  });

  it('keys rows without a record id by their content, so identical rows are duplicates', async () => {
    const path = file('noid.csv', 'first_name,last_name,city\nAnn,Lee,Paris\nAnn,Lee,Paris\nAnn,Lee,Lyon\n');
    expect(await run({ file: path, source: 'social' })).toMatchObject({ rows: 3, imported: 2, duplicates: 1 });
    expect((await store.stats()).profiles).toBe(2);
  });

  it('links a record sharing an email with an existing web profile', async () => {
    const web = await store.createSource({ name: 'web', writeKeyHash: 'h-web', createdAt: '2026-01-01T00:00:00.000Z' });
    await store.transaction((tx) =>
      applyEvents(
        tx,
        web.id,
        [
          {
            type: 'identify',
            messageId: 'w1',
            userId: 'u-ann',
            traits: { email: 'Ann@Example.com' },
            timestamp: '2026-01-01T00:00:00.000Z',
            receivedAt: '2026-01-01T00:00:00.000Z',
          },
        ],
        { policy: DEFAULT_POLICY, normalize },
      ),
    );
    const webProfile = await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-ann' });
    await run({ file: file('crm.csv', CRM), source: 'crm' });
    expect(await store.findProfileIdByIdentifier({ type: 'crm_id', value: 'C1' })).toBe(webProfile);
    const profile = await store.findProfile(webProfile!);
    expect(profile?.traits).toMatchObject({ firstName: 'Ann', address: { city: 'Paris' } });
    expect((await store.stats()).profiles).toBe(3);
  });

  it('writes rejects with row, line and reason, and answers the first ones', async () => {
    const rejects = join(dir, 'rejects.csv');
    const path = file('bad.csv', 'id,first_name,email\n1,Ann,a@x.io\n,,\n2,Bob,b@x.io,extra\n3,"Cy\nMoss",c@x.io\n');
    const summary = await run({ file: path, source: 'crm', rejectsFile: rejects });
    expect(summary).toMatchObject({ rows: 4, imported: 2, rejected: 2 });
    expect(summary.rejects).toEqual([
      { row: 2, line: 3, code: 'empty_row', reason: 'empty row' },
      { row: 3, line: 4, code: 'too_many_fields', reason: 'row has 4 fields, the header has 3' },
    ]);
    expect(summary.rejectedByCode).toEqual({ empty_row: 1, too_many_fields: 1 });
    expect(readFileSync(rejects, 'utf8')).toBe(
      'row,line,column,code,reason\n2,3,,empty_row,empty row\n3,4,,too_many_fields,"row has 4 fields, the header has 3"\n',
    );
  });

  it('resumes an interrupted import after the committed chunks, appending to the rejects file', async () => {
    const lines = ['id,first_name,last_name,email'];
    for (let i = 1; i <= 25; i++) lines.push(i === 7 || i === 23 ? `${i},,,` : `${i},P${i},L${i},p${i}@x.io`);
    const path = file('big.csv', lines.join('\r\n') + '\r\n');
    const rejects = join(dir, 'big-rejects.csv');
    const abort = new AbortController();
    let chunks = 0;
    const first = await run({
      file: path,
      source: 'crm',
      chunkSize: 5,
      rejectsFile: rejects,
      signal: abort.signal,
      onProgress: () => ++chunks === 2 && abort.abort(),
    });
    expect(first).toMatchObject({ stopped: true, rows: 10, imported: 9, rejected: 1 });
    const saved = await readCheckpoint(path);
    expect(saved?.position.rows).toBe(10);
    expect((await store.stats()).events).toBe(9);

    const second = await run({ file: path, source: 'crm', chunkSize: 5, rejectsFile: rejects, resume: true });
    expect(second).toMatchObject({ stopped: false, skipped: 10, rows: 25, imported: 23, duplicates: 0, rejected: 2 });
    expect((await store.stats()).events).toBe(23);
    expect((await store.stats()).profiles).toBe(23);
    expect(readFileSync(rejects, 'utf8')).toBe(
      'row,line,column,code,reason\n7,8,,no_values,no values besides the record id\n23,24,,no_values,no values besides the record id\n',
    );
    expect(existsSync(checkpointPath(path))).toBe(false);
  });

  it('resumes a JSON-lines import at its committed byte offset', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 12; i++) lines.push(JSON.stringify({ id: `j${i}`, name: `Person ${i}`, email: `j${i}@x.io` }));
    const path = file('people.jsonl', lines.join('\n') + '\n');
    const abort = new AbortController();
    const first = await run({ file: path, source: 'app', chunkSize: 4, signal: abort.signal, onProgress: () => abort.abort() });
    expect(first).toMatchObject({ stopped: true, rows: 4, imported: 4 });
    const second = await run({ file: path, source: 'app', chunkSize: 4, resume: true });
    expect(second).toMatchObject({ stopped: false, skipped: 4, rows: 12, imported: 12, duplicates: 0 });
    expect((await store.stats()).profiles).toBe(12);
  });

  it('refuses to resume a file changed since its checkpoint', async () => {
    const path = file('changing.csv', 'id,email\n1,a@x.io\n2,b@x.io\n');
    const abort = new AbortController();
    await run({ file: path, source: 'crm', chunkSize: 1, signal: abort.signal, onProgress: () => abort.abort() });
    writeFileSync(path, 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n');
    await expect(run({ file: path, source: 'crm', resume: true })).rejects.toThrow(/changed since the checkpoint/);
  });

  it('imports JSON lines with a mapping: record_id, ignore, trait', async () => {
    const path = file(
      'social.jsonl',
      '{"handle":"@AnnL","uid":"s1","name":"Ann Lee","ssn":"123","plan":"gold"}\n{"handle":"bobby","uid":"s2","name":"Bob Stone"}\n',
    );
    const summary = await run({
      file: path,
      source: 'twitter',
      mapping: { handle: 'twitter', uid: 'record_id', ssn: 'ignore', plan: 'trait' },
    });
    expect(summary).toMatchObject({ rows: 2, imported: 2 });
    const ann = await store.findProfile((await store.findProfileIdByIdentifier({ type: 'twitter', value: 'annl' }))!);
    expect(ann?.traits).toEqual({ name: 'Ann Lee', plan: 'gold' });
    expect(ann?.externalIds.map((x) => `${x.type}:${x.value}`).sort()).toEqual(['record:twitter:s1', 'twitter:annl']);
  });
});
