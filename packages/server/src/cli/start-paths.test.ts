/**
 * Start paths over the real bin: declared write keys reconcile with what is stored (a revoked key stays
 * revoked across restarts, in SQLite and PostgreSQL), a key declared for two sources is a configuration
 * error, and a collector or worker that cannot reach PostgreSQL or NATS says so in one line, without
 * credentials or a stack, and exits non-zero.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { runKin, serveKin } from '../testing/kin-process.ts';
import { freePort, testNatsStatus, testNatsUrl } from '../testing/nats-test-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ADMIN = 'start-admin-token-0123456789';
const KEY = 'start-write-key-secret-0001';
const clean = { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '', KIN_PIPELINE: '' };
const [pgStatus, natsStatus] = await Promise.all([testPostgresStatus(), testNatsStatus()]);
const withPostgres = pgStatus.ok || servicesRequired();
const withBoth = (pgStatus.ok && natsStatus.ok) || servicesRequired();

const track = (url: string, key: string) =>
  fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${key}:`).toString('base64') },
    body: JSON.stringify({ event: 'Viewed', anonymousId: 'start-anon' }),
  });

/** Declares web:KEY, revokes web over the API, restarts twice: each start runs, the key stays refused, one log line each. */
async function revokedKeyStaysRevoked(db: string): Promise<void> {
  const env = { ...clean, KIN_WRITE_KEYS: `web:${KEY}` };
  const first = await serveKin(['--db', db], env);
  expect((await track(first.url, KEY)).status).toBe(200);
  const revoked = await fetch(`${first.url}/v1/sources/web`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
  expect(revoked.status).toBe(200);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  for (let restart = 0; restart < 2; restart++) {
    const again = await serveKin(['--db', db], env);
    expect((await track(again.url, KEY)).status).toBe(401);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    const said = again
      .stderr()
      .split('\n')
      .filter((line) => line.includes('revoked and stays revoked'));
    expect(said).toHaveLength(1);
    expect(JSON.parse(said[0]!)).toMatchObject({ level: 'warn', source: 'web' });
    expect(again.stderr()).not.toContain(KEY);
    expect(again.stdout()).not.toContain(KEY);
  }
}

/** The only line on stderr, after checking it is the only one and holds no stack frame. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('start paths', () => {
  it('SQLite: a revoked declared key stays revoked across restarts', async () => {
    await revokedKeyStaysRevoked(join(dir, 'revoked', 'kin.db'));
  });

  it.runIf(withPostgres)('PostgreSQL: a revoked declared key stays revoked across restarts', async () => {
    const db = await createTestDatabase();
    try {
      await revokedKeyStaysRevoked(db.url);
    } finally {
      await db.drop();
    }
  });

  it('one key declared for two sources: one line naming both, exit 2, the key not shown', async () => {
    const result = await runKin(['serve', '--port', '0', '--db', join(dir, 'dup.db')], {
      ...clean,
      KIN_WRITE_KEYS: `web:${KEY},ios:${KEY}`,
    });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      'kin: invalid configuration: writeKeys (KIN_WRITE_KEYS): sources "web" and "ios" declare the same key',
    );
    expect(result.stderr).not.toContain(KEY);
  });

  it.runIf(withPostgres)('worker and collector: PostgreSQL unreachable -> one line with the address, no password, exit 1', async () => {
    const port = await freePort();
    const db = `postgres://kin:pg-secret-password@127.0.0.1:${port}/kin`;
    for (const command of ['worker', 'collect']) {
      const result = await runKin([command, '--port', '0', '--db', db, '--pipeline', testNatsUrl()], clean);
      expect(result.code, command).toBe(1);
      expect(oneLine(result.stderr)).toBe(`kin: cannot reach PostgreSQL at 127.0.0.1:${port}/kin (ECONNREFUSED)`);
      expect(result.stderr + result.stdout).not.toContain('pg-secret-password');
    }
  });

  it.runIf(withBoth)(
    'worker, collector and serve --pipeline: NATS unreachable -> one line with the address, no password, exit 1',
    async () => {
      const db = await createTestDatabase();
      try {
        const port = await freePort();
        const nats = `nats://kin:nats-secret-password@127.0.0.1:${port}`;
        for (const command of ['worker', 'collect', 'serve']) {
          const result = await runKin([command, '--port', '0', '--host', '127.0.0.1', '--db', db.url, '--pipeline', nats], clean);
          expect(result.code, command).toBe(1);
          expect(oneLine(result.stderr)).toMatch(new RegExp(`^kin: cannot reach NATS at nats://127\\.0\\.0\\.1:${port} \\([A-Z_]+\\)$`));
          expect(result.stderr + result.stdout).not.toContain('nats-secret-password');
        }
      } finally {
        await db.drop();
      }
    },
  );

  it('an unusable SQLite path: one line, exit 1', async () => {
    const result = await runKin(['serve', '--port', '0', '--db', '/dev/null/kin.db'], clean);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(/^kin: cannot open the SQLite database at \/dev\/null\/kin\.db \((EEXIST|ENOTDIR)\)$/);
  });

  it('a taken port: one line, exit 1', async () => {
    const first = await serveKin(['--db', join(dir, 'port', 'kin.db')], clean);
    const port = new URL(first.url).port;
    try {
      const result = await runKin(['serve', '--host', '127.0.0.1', '--port', port, '--db', join(dir, 'port2', 'kin.db')], clean);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(`kin: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});
