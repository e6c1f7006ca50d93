import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../http/secret-compare.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { runKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-tokens-cli-'));
const db = join(dir, 'kin.db');
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '', KIN_POLICY: '' };
const kin = (...args: string[]) => runKin([...args, '--db', db], clean);

beforeAll(async () => {
  await (await openSqliteStore({ path: db })).close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn` on the database the CLI wrote (closed again before the next command). */
async function inStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ path: db });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('kin tokens', () => {
  it('creates, lists, rotates and deletes a token, printing each secret once and auditing every write', async () => {
    const created = await kin(
      'tokens',
      'create',
      '--name',
      'support desk',
      '--scopes',
      'profiles:read,privacy:read',
      '--expires-at',
      '2099-01-01T00:00:00Z',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^kin_tk_\S+\n$/);
    const secret = created.stdout.trim();
    const id = /created (tok_\S+) \(support desk: profiles:read, privacy:read\)/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    const stored = await inStore((s) => s.tokens.findTokenBySecretHash(hashSecret(secret)));
    expect(stored).toMatchObject({
      id,
      name: 'support desk',
      scopes: ['profiles:read', 'privacy:read'],
      expiresAt: '2099-01-01T00:00:00.000Z',
    });

    const listed = await kin('tokens', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toBe('ID\tNAME\tSCOPES\tCREATED\tEXPIRES\tSTATUS');
    expect(listed.stdout).toContain(`${id!}\tsupport desk\tprofiles:read,privacy:read\t`);
    expect(listed.stdout).toMatch(/\t2099-01-01T00:00:00.000Z\tlive\n/);
    expect(listed.stdout).not.toContain(secret);
    const json = JSON.parse((await kin('tokens', 'list', '--json')).stdout) as { data: Array<{ id: string; secretHash?: string }> };
    expect(json.data.map((t) => t.id)).toEqual([id]);
    expect(json.data[0]!.secretHash).toBeUndefined();

    const rotated = await kin('tokens', 'rotate', id!);
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^kin_tk_/);
    expect(next).not.toBe(secret);
    expect(await inStore((s) => s.tokens.findTokenBySecretHash(hashSecret(secret)))).toBeUndefined();
    expect((await inStore((s) => s.tokens.findTokenBySecretHash(hashSecret(next))))?.id).toBe(id);

    const deleted = await kin('tokens', 'delete', id!);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`revoked ${id!} (support desk)\n`);
    expect((await kin('tokens', 'list')).stdout).toMatch(/\trevoked\n/);
    for (const again of [await kin('tokens', 'delete', id!), await kin('tokens', 'rotate', id!)]) {
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`kin: no live token has the id ${id!}\n`);
    }

    // Three writes, three entries in the chain, by the CLI, naming the token; no secret anywhere on disk.
    const entries = await inStore(async (s) => (await s.audit.listAudit({ limit: 100 })).data);
    expect(entries.map((e) => [e.action, e.target, e.actor.id])).toEqual([
      ['tokens.create', `token:${id!}`, 'cli'],
      ['tokens.rotate', `token:${id!}`, 'cli'],
      ['tokens.revoke', `token:${id!}`, 'cli'],
    ]);
    expect(entries[0]!.actor.name).toMatch(/^kin cli/);
    const verified = await kin('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe('ok: 3 entries, chain intact\n');
    const files = ['kin.db', 'kin.db-wal'].map((f) => {
      try {
        return readFileSync(join(dir, f));
      } catch {
        return Buffer.alloc(0);
      }
    });
    for (const file of files) for (const s of [secret, next]) expect(file.includes(Buffer.from(s))).toBe(false);
  });

  it('names what is wrong with a request, in one line, and writes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--name', 'x', '--scopes', 'profiles:read,root'], /^kin: unknown scope root \(scopes: profiles:read, /],
      [['--name', 'x', '--scopes', ''], /^kin: --scopes: scopes must name at least one scope\n$/],
      [
        ['--name', 'x', '--scopes', 'audit:read', '--expires-at', '2001-01-01T00:00:00Z'],
        /^kin: --expires-at: expiresAt must be in the future\n$/,
      ],
      [['--name', 'x', '--scopes', 'audit:read', '--expires-at', 'tomorrow'], /^kin: --expires-at: /],
      [['--name', 'no/slash', '--scopes', 'audit:read'], /^kin: --name: name must be 1-64 /],
    ];
    const before = await inStore(async (s) => [
      (await s.tokens.listTokens()).length,
      (await s.audit.listAudit({ limit: 100 })).data.length,
    ]);
    for (const [args, message] of cases) {
      const result = await kin('tokens', 'create', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    const missing = await kin('tokens', 'create', '--scopes', 'audit:read');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    expect(
      await inStore(async (s) => [(await s.tokens.listTokens()).length, (await s.audit.listAudit({ limit: 100 })).data.length]),
    ).toEqual(before);
  });
});
