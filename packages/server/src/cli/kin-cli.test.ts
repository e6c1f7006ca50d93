import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKin, serveKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '' };

describe('kin CLI', () => {
  it('has --help on every command', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['sources', '--help'], ['sources', 'create', '--help'], ['profile', '--help']]) {
      const result = await runKin(args, clean);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: kin');
    }
    expect((await runKin(['--help'], clean)).stdout).toMatch(/serve[\s\S]*sources[\s\S]*profile/);
  });

  it('creates, lists and revokes sources', async () => {
    const db = join(dir, 'sources.db');
    const migrated = await runKin(['migrate', '--db', db], clean);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`created a new database at ${db}`);
    expect((await runKin(['migrate', '--db', db], clean)).stdout).not.toContain('created');
    expect((await runKin(['sources', 'list', '--db', db], clean)).stdout).toBe('NAME\tID\tCREATED\tREVOKED\n');
    const created = await runKin(['sources', 'create', 'ios', '--db', db], clean);
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^kin_wk_[\w-]{20,}$/);
    const again = await runKin(['sources', 'create', 'ios', '--db', db], clean);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect((await runKin(['sources', 'list', '--db', db], clean)).stdout).toMatch(/^ios\t/m);
    expect((await runKin(['sources', 'revoke', 'ios', '--db', db], clean)).code).toBe(0);
    expect((await runKin(['sources', 'revoke', 'ios', '--db', db], clean)).code).toBe(1);
    const listed = (await runKin(['sources', 'list', '--db', db], clean)).stdout.split('\n');
    expect(listed[0]).toBe('NAME\tID\tCREATED\tREVOKED');
    expect(listed[1]).toMatch(/^ios\t[\w-]+\t\d{4}-\d\d-\d\dT\S+\t\d{4}-\d\d-\d\dT\S+$/);
  });

  it('fails with one clear line and a non-zero exit, never a stack', async () => {
    const db = join(dir, 'errors.db');
    expect((await runKin(['migrate', '--db', db], clean)).code).toBe(0);
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'name,city\nann,berlin\nbob,paris\n');
    const cases: Array<{ args: string[]; code: number; says: RegExp }> = [
      { args: ['sources', 'list', '--db', join(dir, 'typo.db')], code: 1, says: /no database at .*typo\.db/ },
      { args: ['profile', 'user_id:x', '--db', join(dir, 'typo.db')], code: 1, says: /no database at .*typo\.db/ },
      { args: ['explain', 'user_id:x', '--db', dir], code: 2, says: /is a directory/ },
      { args: ['match', 'eval', join(dir, 'missing.csv')], code: 2, says: /no such CSV file: .*missing\.csv/ },
      { args: ['match', 'eval', dir], code: 2, says: /is a directory; expected a CSV file/ },
      { args: ['match', 'eval', csv], code: 1, says: /no truth column/ },
      { args: ['match', 'eval', csv, '--truth-column', 'cluster'], code: 1, says: /no column "cluster" \(columns: name, city\)/ },
      { args: ['match', 'eval', csv, '--link-threshold', '2'], code: 1, says: /--link-threshold.*probability between 0 and 1/ },
      { args: ['match', 'eval', csv, '--link'], code: 2, says: /--link .*two or more/ },
      { args: ['match', 'run', '--review-threshold', '2', '--db', db], code: 1, says: /--review-threshold.*probability/ },
    ];
    for (const c of cases) {
      const result = await runKin(c.args, clean);
      const lines = result.stderr.trim().split('\n');
      expect(result.code, c.args.join(' ')).toBe(c.code);
      expect(lines, c.args.join(' ')).toHaveLength(1);
      expect(lines[0], c.args.join(' ')).toMatch(c.says);
      expect(result.stderr, c.args.join(' ')).not.toMatch(/\n\s+at /);
    }
    // No command created the mistyped database.
    expect(existsSync(join(dir, 'typo.db'))).toBe(false);
  });

  it('names the bad mapping role, explain row or generator size of kin match in one line', async () => {
    const withTruth = join(dir, 'truth.csv');
    writeFileSync(withTruth, 'name,city,cluster\nann,berlin,1\nbob,paris,2\n');
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, '{"city":"favourite_colour"}');
    const cases: Array<{ args: string[]; code: number; says: RegExp }> = [
      { args: ['match', 'eval', withTruth, '--map', mapping], code: 2, says: /mapping: column "city": unknown role "favourite_colour"/ },
      { args: ['match', 'eval', withTruth, '--explain', '9'], code: 2, says: /--explain: row "9" is not between 1 and 2/ },
      { args: ['match', 'generate', '--entities', '0'], code: 1, says: /--entities.*positive integer/ },
    ];
    for (const c of cases) {
      const result = await runKin(c.args, clean);
      expect(result.code, c.args.join(' ')).toBe(c.code);
      expect(result.stderr.trim(), c.args.join(' ')).toMatch(c.says);
      expect(result.stderr.trim().split('\n'), c.args.join(' ')).toHaveLength(1);
    }
  });

  it('refuses bad configuration with a message naming the setting', async () => {
    const result = await runKin(['serve', '--port', 'eighty', '--db', join(dir, 'bad.db')], clean);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/port \(PORT\)/);
  });

  it('prints credentials once on first start, stores them 0600, keeps them out of logs; the key works; kin profile reads the profile', async () => {
    const db = join(dir, 'first', 'kin.db');
    const first = await serveKin(['--db', db], clean);
    const out = first.stdout();
    const adminToken = /admin token:\s+(\S+)/.exec(out)?.[1];
    const writeKey = /write key \(source "default"\):\s+(\S+)/.exec(out)?.[1];
    expect(adminToken).toBeDefined();
    expect(writeKey).toBeDefined();
    const file = join(dir, 'first', 'credentials.json');
    expect(out).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ adminToken });

    const sent = await fetch(first.url + '/v1/identify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64') },
      body: JSON.stringify({ userId: 'cli-user', traits: { email: 'cli@example.com' } }),
    });
    expect(sent.status).toBe(200);
    expect((await fetch(first.url + '/v1/stats', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).not.toContain(adminToken!);
    expect(first.stderr()).not.toContain(writeKey!);

    expect(out).toContain(`Dashboard: ${first.url}/`);
    expect(out).toContain(`Created a new database at ${db}`);
    const second = await serveKin(['--db', db], clean);
    expect(second.stdout()).toContain(`Credentials (admin token, first write key): ${file}`);
    expect(second.stdout()).not.toContain('Created a new database');
    expect(second.stdout()).not.toContain(adminToken!);
    expect(second.stdout()).not.toContain('First start');
    expect((await fetch(second.url + '/v1/stats', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;

    const profile = await runKin(['profile', 'email:CLI@example.com', '--db', db], clean);
    expect(profile.code).toBe(0);
    expect(JSON.parse(profile.stdout)).toMatchObject({
      externalIds: expect.arrayContaining([expect.objectContaining({ type: 'user_id', value: 'cli-user' })]),
    });
    const missing = await runKin(['profile', 'user_id:nobody', '--db', db], clean);
    expect(missing.code).toBe(3);
  });
});
