/**
 * The hostile suite: a real Kin (child processes, loopback, default admission bounds) under a storm of
 * concurrent ~500 KB batches, slow bodies, slow headers and client aborts (testing/hostile-storm.ts), in
 * the embedded mode (`kin serve`, SQLite) and in the pipeline mode (`kin collect` + `kin worker`,
 * PostgreSQL and NATS). Every answer is 2xx or a coded 503 with Retry-After (never a 500); the server stays
 * up with bounded RSS (printed); `/health` stays fast (sampled from another process); every acknowledged
 * event is stored exactly once (read from the database after the storm).
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, selectColumn, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import type { Storm } from '../testing/hostile-storm.ts';
import { EVENTS_PER_BATCH, runStorm } from '../testing/hostile-storm.ts';
import { serveKin } from '../testing/kin-process.ts';
import { deleteTestStream, testNatsStatus, testNatsUrl, testStreamNames } from '../testing/nats-test-server.ts';
import { startKinProcess } from '../testing/pipeline-process.ts';

/** Bounds asserted. */
const MAX_RSS_MIB = 1024;
/**
 * /health during the storm: the median within HEALTH_MS, p90 within HEALTH_P90_MS, every answer within
 * HEALTH_MAX_MS. Why not 100 ms for every answer: this suite was measured on two cores shared with seven
 * other suites (load average 15-25), where the OS scheduler and GC add pauses no server design removes
 * (the calm phase before the storm alone reached 70 ms); there the median was 1-16 ms, p90 12-53 ms and
 * the worst answer 0.3-0.8 s, with up to 250 ms p90 at the heaviest moments. Before admission control one
 * answer took 12.6 s.
 */
const HEALTH_MS = 100;
const HEALTH_P90_MS = 500;
const HEALTH_MAX_MS = 3000;

const dir = mkdtempSync(join(tmpdir(), 'kin-hostile-'));
/** Servers started here; killed after the file even when a test timed out (they are separate processes). */
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const WRITE_KEY = 'hostile-write-key-0001';
const ADMIN_TOKEN = 'hostile-admin-token-000000';
const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
const env = {
  KIN_ADMIN_TOKEN: ADMIN_TOKEN,
  KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
  KIN_REQUEST_TIMEOUT_SECONDS: '20',
  KIN_HEADERS_TIMEOUT_SECONDS: '2',
  // HOSTILE_ENV='{"KIN_MAX_INFLIGHT_BYTES":"…"}' measures other bounds.
  ...(process.env['HOSTILE_ENV'] ? (JSON.parse(process.env['HOSTILE_ENV']) as Record<string, string>) : {}),
};

/** The assertions both modes share; prints the figures. */
function expectAbsorbed(mode: string, storm: Storm, batchCount: number, stderr: string, options: { mustRefuse: boolean }): void {
  const { batches, slowBodies, slowHeaders, calm, samples, rss, seconds, exitedEarly, aborts } = storm;
  const answers = batches.flatMap((o) => o.answers);
  const acked = batches.filter((o) => o.acked).length;
  const byStatus: Record<string, number> = {};
  for (const a of answers) {
    const key = `${a.status}${a.code ? ' ' + a.code : ''}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const networkErrors = batches.reduce((n, o) => n + o.networkErrors, 0);
  const maxRss = Math.max(...rss);
  console.log(
    `hostile (${mode}): ${seconds.toFixed(1)} s storm; ${acked}/${batchCount} batches acknowledged (${acked * EVENTS_PER_BATCH} events); answers ${JSON.stringify(byStatus)}, ${networkErrors} network errors; ` +
      `RSS ${rss[0]!.toFixed(0)} MiB before, max ${maxRss.toFixed(0)} MiB; /health ${samples.count} samples, p50 ${samples.p50Ms.toFixed(1)} ms, p90 ${samples.p90Ms.toFixed(1)} ms, p99 ${samples.p99Ms.toFixed(1)} ms, max ${samples.maxMs.toFixed(1)} ms, ${samples.failures} failures ` +
      `(calm: max ${calm.maxMs.toFixed(1)} ms); ${aborts} client aborts counted; slow /health [ms into storm, ms]: ${JSON.stringify(samples.slow)}`,
  );
  // Coded answers only: 200, or 503 overloaded with Retry-After, or node's 408 for an upload slower than the
  // request timeout (the load generator shares the machine); never a 500.
  for (const a of answers) {
    if (a.status === 503) expect(a).toMatchObject({ code: 'overloaded', retryAfter: '1' });
    else expect([200, 408]).toContain(a.status);
  }
  // 300 batches of 500 KB at once are past the default 32 MiB bound on any machine; fewer may not be.
  if (options.mustRefuse) expect(byStatus['503 overloaded']).toBeGreaterThan(0);
  expect(acked).toBeGreaterThan(batchCount / 2);
  // The server cut the slow clients (408), not us.
  for (const s of [...slowBodies, ...slowHeaders]) expect(s.closedByServer).toBe(true);
  // A slow body is cut by the request timeout (408), or refused before its body is read when it arrives
  // while the admission bound is reached (503 overloaded): either way a coded answer from the server.
  for (const s of slowBodies) expect(s.statusLine).toMatch(/^HTTP\/1\.1 (408|503)/);
  expect(aborts).toBeGreaterThan(0);
  expect(stderr).not.toContain('unexpected error');
  // Up, bounded, and /health never waited behind ingest.
  expect(exitedEarly).toBe(false);
  expect(maxRss).toBeLessThan(MAX_RSS_MIB);
  expect(samples.failures).toBe(0);
  expect(samples.count).toBeGreaterThan(50);
  expect(samples.p50Ms).toBeLessThan(HEALTH_MS);
  expect(samples.p90Ms).toBeLessThan(HEALTH_P90_MS);
  expect(samples.maxMs).toBeLessThan(HEALTH_MAX_MS);
}

/** Exactly once: every acknowledged event is stored, no messageId twice. */
function expectExactlyOnce(storm: Storm, storedIds: string[]): void {
  const stored = new Set(storedIds);
  expect(storedIds.length).toBe(stored.size);
  storm.batches.forEach((o, b) => {
    if (!o.acked) return;
    for (let e = 0; e < EVENTS_PER_BATCH; e++) expect(stored.has(`hostile-${b * EVENTS_PER_BATCH + e}`)).toBe(true);
  });
}

describe('hostile load, embedded (kin serve, SQLite)', () => {
  it('absorbs concurrent large batches, slow bodies, slow headers and aborts: coded answers, bounded RSS, /health fast, exactly once', async () => {
    const dbPath = join(dir, 'kin.db');
    // HOSTILE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server of one run.
    const kin = await serveKin(['--db', dbPath], env, (process.env['HOSTILE_NODE_ARGS'] ?? '').split(' ').filter(Boolean));
    started.push(kin.child);
    let storm: Storm;
    try {
      storm = await runStorm({ url: kin.url, pid: kin.child.pid!, exited: kin.exited, batches: 300, auth, adminToken: ADMIN_TOKEN });
    } finally {
      kin.child.kill('SIGTERM');
    }
    expect(await kin.exited).toBe(0);
    expectAbsorbed('embedded', storm, 300, kin.stderr(), { mustRefuse: true });
    const db = new Database(dbPath, { readonly: true });
    try {
      expectExactlyOnce(storm, db.prepare('SELECT message_id FROM events').pluck().all() as string[]);
    } finally {
      db.close();
    }
  }, 120_000);
});

const [pgStatus, natsStatus] = await Promise.all([testPostgresStatus(), testNatsStatus()]);
const missing = !pgStatus.ok ? pgStatus.reason : !natsStatus.ok ? natsStatus.reason : undefined;

describe.skipIf(missing !== undefined && !servicesRequired())('hostile load, pipeline (kin collect + kin worker, PostgreSQL, NATS)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('the collector absorbs the same storm; the worker stores every acknowledged event exactly once', async () => {
    if (missing) throw new Error(missing);
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const names = testStreamNames();
    cleanups.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
    const pipelineEnv = { ...env, KIN_DB: db.url, KIN_PIPELINE: testNatsUrl(), ...names.env };
    const collector = await startKinProcess('collect', [], pipelineEnv);
    cleanups.push(() => collector.kill());
    const worker = await startKinProcess('worker', [], pipelineEnv);
    cleanups.push(() => worker.kill());
    const batchCount = 100;
    let storm: Storm;
    try {
      storm = await runStorm({
        url: collector.url,
        pid: collector.child.pid!,
        exited: collector.exited,
        batches: batchCount,
        auth,
        adminToken: ADMIN_TOKEN,
      });
    } finally {
      expect(await collector.stop()).toBe(0);
    }
    expectAbsorbed('pipeline', storm, batchCount, collector.output(), { mustRefuse: false });
    // The worker drains what the collector acknowledged (bounded wait), then stops cleanly.
    const acked = storm.batches.filter((o) => o.acked).length * EVENTS_PER_BATCH;
    const count = async () => Number((await selectColumn(db.url, "SELECT COUNT(*) FROM events WHERE message_id LIKE 'hostile-%'"))[0]);
    for (let waited = 0; (await count()) < acked && waited < 90_000; waited += 500) await new Promise((r) => setTimeout(r, 500));
    expect(await worker.stop()).toBe(0);
    expectExactlyOnce(storm, await selectColumn(db.url, "SELECT message_id FROM events WHERE message_id LIKE 'hostile-%'"));
  }, 240_000);
});
