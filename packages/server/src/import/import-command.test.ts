import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '' };

describe('kin import and kin match run (real bin)', () => {
  it('imports a ;-separated CRM file, re-imports it as duplicates, writes rejects, then matches', async () => {
    const db = join(dir, 'kin.db');
    const file = join(dir, 'crm.csv');
    const rejects = join(dir, 'rejects.csv');
    writeFileSync(file, 'crm_id;first_name;last_name;email\r\nC1;Ann;Lee;ann@example.com\r\n;;;\r\nC3;Bob;"Stone; Jr";bob@example.com\r\n');
    const first = await runKin(['import', file, '--source', 'crm', '--db', db, '--rejects', rejects], clean);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ rows: 3, imported: 2, duplicates: 0, rejected: 1 });
    expect(first.stderr).toBe('');
    expect(readFileSync(rejects, 'utf8')).toBe('row,line,column,code,reason\n2,3,,empty_row,empty row\n');
    const second = await runKin(['import', file, '--source', 'crm', '--db', db], clean);
    expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toMatchObject({ rows: 3, imported: 0, duplicates: 2 });
    const profile = await runKin(['profile', 'crm_id:C3', '--db', db], clean);
    expect(JSON.parse(profile.stdout)).toMatchObject({ traits: { firstName: 'Bob', lastName: 'Stone; Jr', email: 'bob@example.com' } });

    const match = await runKin(['match', 'run', '--db', db], clean);
    expect(match.code, match.stderr).toBe(0);
    expect(JSON.parse(match.stdout.trim().split('\n').at(-1)!)).toMatchObject({ profiles: 2, merges: 0 });
  });

  it('refuses bad flags with exit code 2', async () => {
    const file = join(dir, 'x.csv');
    writeFileSync(file, 'id,email\n1,a@x.io\n');
    expect((await runKin(['import', file, '--source', 'bad name!', '--db', join(dir, 'x.db')], clean)).code).toBe(2);
    expect((await runKin(['import', file, '--source', 'crm', '--format', 'xml', '--db', join(dir, 'x.db')], clean)).code).toBe(2);
    expect((await runKin(['import', file, '--source', 'crm', '--delimiter', ';;', '--db', join(dir, 'x.db')], clean)).code).toBe(2);
    const missing = await runKin(['import', join(dir, 'nope.csv'), '--source', 'crm', '--db', join(dir, 'x.db')], clean);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });
});
