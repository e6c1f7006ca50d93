import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
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
    const created = await runKin(['sources', 'create', 'ios', '--db', db], clean);
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^kin_wk_[\w-]{20,}$/);
    const again = await runKin(['sources', 'create', 'ios', '--db', db], clean);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect((await runKin(['sources', 'list', '--db', db], clean)).stdout).toMatch(/^ios\t/m);
    expect((await runKin(['sources', 'revoke', 'ios', '--db', db], clean)).code).toBe(0);
    expect((await runKin(['sources', 'revoke', 'ios', '--db', db], clean)).code).toBe(1);
    expect((await runKin(['sources', 'list', '--db', db], clean)).stdout).toContain('revoked');
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

    const second = await serveKin(['--db', db], clean);
    expect(second.stdout()).not.toContain(adminToken!);
    expect(second.stdout()).not.toContain('First start');
    expect((await fetch(second.url + '/v1/stats', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;

    const profile = await runKin(['profile', 'email:CLI@example.com', '--db', db], clean);
    expect(profile.code).toBe(0);
    expect(JSON.parse(profile.stdout)).toMatchObject({ externalIds: expect.arrayContaining([expect.objectContaining({ type: 'user_id', value: 'cli-user' })]) });
    const missing = await runKin(['profile', 'user_id:nobody', '--db', db], clean);
    expect(missing.code).toBe(3);
  });
});
