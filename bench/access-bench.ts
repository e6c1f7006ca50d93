/**
 * `npm run bench:access`: what scoped tokens and the audit log cost, each against a baseline from the same run.
 * 1. Admin reads (`GET /v1/stats`, in-process) with a scoped token (a store lookup by digest per request)
 *    against the same reads with the bootstrap admin token (a constant-time compare, no lookup).
 * 2. Audit appends on a SQLite file (read the last entry, seal, insert, one IMMEDIATE transaction each)
 *    against token inserts on the same file (one plain insert each, the same write queue).
 * Flags: --requests N (default 5,000), --appends N (default 5,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealAuditEntry } from '../packages/server/src/access/audit-chain.ts';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import { createTestApp } from '../packages/server/src/testing/app-harness.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const REQUESTS = Number(args.get('requests') ?? 5_000);
const APPENDS = Number(args.get('appends') ?? 5_000);

async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  process.stdout.write(`${label.padEnd(44)} ${us.toFixed(1).padStart(8)} µs/op\n`);
  return us;
}

const harness = await createTestApp();
const issued = await harness.admin('/v1/tokens', {
  method: 'POST',
  body: JSON.stringify({ name: 'bench', scopes: ['analytics:read'] }),
  headers: { 'content-type': 'application/json' },
});
const { secret } = (await issued.json()) as { secret: string };
const read = (token: string) => async () => {
  const res = await harness.app.request('/v1/stats', { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.arrayBuffer();
};
const bootstrap = await timed('GET /v1/stats, bootstrap token (baseline)', REQUESTS, read(harness.adminToken));
const scoped = await timed('GET /v1/stats, scoped token', REQUESTS, read(secret));
await harness.close();

const dir = mkdtempSync(join(tmpdir(), 'kin-access-bench-'));
const store = await openSqliteStore({ path: join(dir, 'kin.db') });
const at = new Date().toISOString();
const inserts = await timed('token insert on a file (baseline)', APPENDS, (i) =>
  store.tokens.createToken({
    id: `t-${i}-${Math.random()}`,
    name: 'b',
    scopes: ['audit:read'],
    createdAt: at,
    secretHash: `h-${i}-${Math.random()}`,
  }),
);
const appends = await timed('audit append on a file', APPENDS, (i) =>
  store.audit.appendAudit(
    {
      at,
      actor: { id: 'admin', name: 'admin token' },
      action: 'bench.write',
      target: `/v1/bench/${i}`,
      requestId: `r-${i}`,
      changeHash: 'c'.repeat(64),
    },
    sealAuditEntry,
  ),
);
await store.close();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `\nscoped / bootstrap read: ${(scoped / bootstrap).toFixed(2)}\naudit append / token insert: ${(appends / inserts).toFixed(2)}\n`,
);
