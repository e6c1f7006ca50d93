import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    // The first import creates the database and says so.
    expect(first.stderr).toBe(`kin: created a new database at ${db}\n`);
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

  it('reports ignored columns, invalid values, refused identifiers and rejected rows in its summary', async () => {
    const db = join(dir, 'summary.db');
    const policy = join(dir, 'strict-policy.json');
    writeFileSync(policy, JSON.stringify({ types: { crm_id: { limit: 1, priority: 4 } } }));
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      'crm_id,first_name,email,phone,favourite_colour\nC1,Ann,a@x.io,12,blue\nC2,Ann,a@x.io,,red\nC3,"Bob,b@x.io,,\nC4,Cy,not-an-email,,green\n',
    );
    const result = await runKin(['import', file, '--source', 'crm', '--db', db, '--policy', policy], clean);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('ignored columns (no role; give them one with --map): favourite_colour');
    expect(result.stdout).toContain('invalid values left out: 2 (1 invalid_phone, 1 invalid_email)');
    expect(result.stdout).toContain('identifiers refused by the identity policy: 1');
    expect(result.stdout).toContain('rejected rows: 1 (1 unclosed_quote)');
    expect(result.stdout).toMatch(/row 3 \(line 4\): unclosed_quote: .*1 row skipped, reading resumed at line 5/);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      rows: 4,
      imported: 3,
      rejected: 1,
      invalidValues: 2,
      refusedIdentifiers: 1,
      ignoredColumns: ['favourite_colour'],
      rejectedByCode: { unclosed_quote: 1 },
    });
  });

  it('fails with one line and exit 1 when the file cannot be read, or --resume has no checkpoint', async () => {
    const db = join(dir, 'never.db');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const file = join(dir, 'fresh.csv');
    writeFileSync(file, 'id,email\n1,a@x.io\n');
    const cases: Array<[string[], RegExp]> = [
      [['import', join(dir, 'missing.csv'), '--source', 'crm', '--db', db], /^no such file: .*missing\.csv$/],
      [['import', folder, '--source', 'crm', '--db', db], /^.*a-folder is a directory, not a file$/],
      [
        ['import', file, '--source', 'crm', '--db', db, '--resume'],
        /^cannot resume: no checkpoint for .*fresh\.csv \(run without --resume to import it from the start\)$/,
      ],
    ];
    for (const [args, line] of cases) {
      const result = await runKin(args, clean);
      expect(result.code, args.join(' ')).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]?.replace(/^kin: /, '').replace(/^error: /, '')).toMatch(line);
      expect(result.stdout).toBe('');
    }
    // Nothing was opened or created for a file that cannot be read.
    expect(existsSync(db)).toBe(false);
  });
});
