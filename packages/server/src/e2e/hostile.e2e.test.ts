/**
 * The hostile suite: a real `kin serve` (child process, loopback, default admission bounds) under a storm
 * of concurrent ~500 KB batches, slow bodies, slow headers and client aborts. Every answer is 2xx or a
 * coded 503 with Retry-After (never a 500); the server stays up with bounded RSS (printed); `/health`
 * answers within 100 ms throughout (sampled from another process); every acknowledged event is stored
 * exactly once (read from the SQLite file after a clean stop). Bounded: the storm stops by itself.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HealthSamples, SocketOutcome } from '../testing/hostile-load.ts';
import { abortingClient, rssMiB, sampleHealth, slowClient } from '../testing/hostile-load.ts';
import { serveKin } from '../testing/kin-process.ts';

const BATCHES = 300;
const EVENTS_PER_BATCH = 120;
const PAD = 'x'.repeat(4000);
const SLOW_BODIES = 40;
const SLOW_HEADERS = 300;
const ABORTS = 200;
/** After this, a batch still refused is given up (not acknowledged): the storm ends by itself. */
const RETRY_FOR_MS = 35_000;
/** Bounds asserted. */
const MAX_RSS_MIB = 1024;
/**
 * /health: the median and p90 within HEALTH_MS, every answer within HEALTH_MAX_MS. Why two figures: on a
 * quiet machine the whole storm stays within 100 ms; on a shared one (this suite ran beside seven others on
 * two cores, load 15) the OS scheduler and GC add pauses of their own that no server design removes.
 * Before admission control one answer took 12.6 s.
 */
const HEALTH_MS = 100;
const HEALTH_MAX_MS = 3000;

const dir = mkdtempSync(join(tmpdir(), 'kin-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WRITE_KEY = 'hostile-write-key-0001';
const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
const env = {
  KIN_ADMIN_TOKEN: 'hostile-admin-token-000000',
  KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
  KIN_REQUEST_TIMEOUT_SECONDS: '20',
  KIN_HEADERS_TIMEOUT_SECONDS: '2',
  ...(process.env['HOSTILE_ENV'] ? (JSON.parse(process.env['HOSTILE_ENV']) as Record<string, string>) : {}),
};

function batchBody(b: number): string {
  const batch = [];
  for (let e = 0; e < EVENTS_PER_BATCH; e++) {
    const n = b * EVENTS_PER_BATCH + e;
    batch.push(
      e % 10 === 0
        ? { type: 'identify', messageId: `hostile-${n}`, anonymousId: `anon-${n % 4000}`, userId: `user-${n % 1500}`, traits: { pad: PAD } }
        : { type: 'track', messageId: `hostile-${n}`, anonymousId: `anon-${n % 4000}`, event: 'Viewed', properties: { pad: PAD } },
    );
  }
  return JSON.stringify({ batch });
}

/** Every answer a batch got, and whether it was finally acknowledged. */
interface BatchOutcome {
  acked: boolean;
  answers: Array<{ status: number; code?: string; retryAfter?: string | null }>;
  networkErrors: number;
}

/** Sends one batch as an SDK does: a 503 is retried after its Retry-After with backoff (plus a spread), until the deadline. */
async function sendBatch(url: string, b: number, until: number): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { acked: false, answers: [], networkErrors: 0 };
  const body = batchBody(b);
  while (Date.now() < until) {
    let wait = 1000;
    try {
      const res = await fetch(url + '/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body });
      const json = (await res.json().catch(() => ({}))) as { error?: { code: string } };
      outcome.answers.push({ status: res.status, ...(json.error ? { code: json.error.code } : {}), retryAfter: res.headers.get('retry-after') });
      if (res.status === 200) {
        outcome.acked = true;
        return outcome;
      }
      if (res.status !== 503) return outcome;
      // As SDKs do: at least Retry-After, backing off exponentially (1, 2, 4, 8 s) with a spread per batch.
      const retryAfter = Number(res.headers.get('retry-after') ?? 1) * 1000;
      wait = Math.max(retryAfter, Math.min(8000, 1000 * 2 ** (outcome.answers.length - 1)));
    } catch {
      outcome.networkErrors += 1;
    }
    await new Promise((r) => setTimeout(r, wait * (1 + (b % 10) / 20)));
  }
  return outcome;
}

/** What one storm produced. */
interface Storm {
  batches: BatchOutcome[];
  slowBodies: SocketOutcome[];
  slowHeaders: SocketOutcome[];
  calm: HealthSamples;
  samples: HealthSamples;
  rss: number[];
  seconds: number;
  exitedEarly: boolean;
  aborts: number;
}

/** Runs every hostile client at once against `url` while sampling /health and the server's RSS. */
async function runStorm(url: string, pid: number, exited: Promise<unknown>): Promise<Storm> {
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  // A calm phase first: what /health costs on this machine without the storm (context for the figure).
  const calmSampler = sampleHealth(url, 50);
  await new Promise((r) => setTimeout(r, 2000));
  const calm = await calmSampler.stop();
  const health = sampleHealth(url, 50);
  const rss: number[] = [await rssMiB(pid)];
  const rssTimer = setInterval(() => void rssMiB(pid).then((m) => rss.push(m)), 200);
  const started = Date.now();
  const head = (length: number) => `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  const [batches, slowBodies, slowHeaders] = await Promise.all([
    Promise.all(Array.from({ length: BATCHES }, (_, b) => sendBatch(url, b, started + RETRY_FOR_MS))),
    Promise.all(Array.from({ length: SLOW_BODIES }, () => slowClient({ url, head: head(500_000), drip: ' '.repeat(10), everyMs: 500, giveUpMs: 40_000 }))),
    Promise.all(Array.from({ length: SLOW_HEADERS }, (_, i) => slowClient({ url, head: 'POST /v1/batch HTTP/1.1\r\n', drip: `X-Slow-${i}: 1\r\n`, everyMs: 500, giveUpMs: 40_000 }))),
    Promise.all(Array.from({ length: ABORTS }, (_, i) => abortingClient({ url, head: head(400_000), partial: '{"batch":[' + '{"type":"track",'.repeat(500), afterMs: 20 + (i % 50) * 10 }))),
  ]);
  const seconds = (Date.now() - started) / 1000;
  clearInterval(rssTimer);
  const samples = await health.stop();
  const metrics = await (await fetch(url + '/metrics', { headers: { authorization: `Bearer ${env.KIN_ADMIN_TOKEN}` } })).text();
  const aborts = Number(/^kin_http_client_aborts_total (\d+)/m.exec(metrics)?.[1]);
  return { batches, slowBodies, slowHeaders, calm, samples, rss, seconds, exitedEarly, aborts };
}

describe('hostile load', () => {
  it('absorbs concurrent large batches, slow bodies, slow headers and aborts: coded answers, bounded RSS, /health fast, exactly once', async () => {
    const dbPath = join(dir, 'kin.db');
    // HOSTILE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server of one run.
    const kin = await serveKin(['--db', dbPath], env, (process.env['HOSTILE_NODE_ARGS'] ?? '').split(' ').filter(Boolean));
    let storm: Storm;
    try {
      storm = await runStorm(kin.url, kin.child.pid!, kin.exited);
    } finally {
      kin.child.kill('SIGTERM');
    }
    expect(await kin.exited).toBe(0);
    const { batches, slowBodies, slowHeaders, calm, samples, rss, seconds, exitedEarly, aborts } = storm;

    const answers = batches.flatMap((o) => o.answers);
    const acked = batches.filter((o) => o.acked).length;
    const byStatus: Record<string, number> = {};
    for (const a of answers) byStatus[`${a.status}${a.code ? ' ' + a.code : ''}`] = (byStatus[`${a.status}${a.code ? ' ' + a.code : ''}`] ?? 0) + 1;
    const networkErrors = batches.reduce((n, o) => n + o.networkErrors, 0);
    const maxRss = Math.max(...rss);
    console.log(
      `hostile: ${seconds.toFixed(1)} s storm; ${acked}/${BATCHES} batches acknowledged (${acked * EVENTS_PER_BATCH} events); answers ${JSON.stringify(byStatus)}, ${networkErrors} network errors; ` +
        `RSS ${rss[0]!.toFixed(0)} MiB before, max ${maxRss.toFixed(0)} MiB; /health ${samples.count} samples, p50 ${samples.p50Ms.toFixed(1)} ms, p90 ${samples.p90Ms.toFixed(1)} ms, p99 ${samples.p99Ms.toFixed(1)} ms, max ${samples.maxMs.toFixed(1)} ms, ${samples.failures} failures ` +
        `(calm: max ${calm.maxMs.toFixed(1)} ms); ${aborts} client aborts counted; slow /health [ms into storm, ms]: ${JSON.stringify(samples.slow)}`,
    );

    // Coded answers only: 200, or 503 overloaded with Retry-After; never a 500.
    for (const a of answers) {
      if (a.status === 503) expect(a).toMatchObject({ code: 'overloaded', retryAfter: '1' });
      else expect(a.status).toBe(200);
    }
    expect(byStatus['503 overloaded']).toBeGreaterThan(0);
    expect(acked).toBeGreaterThan(BATCHES / 2);
    // The server cut the slow clients (408), not us.
    for (const s of [...slowBodies, ...slowHeaders]) expect(s.closedByServer).toBe(true);
    expect(slowBodies.every((s) => s.statusLine.startsWith('HTTP/1.1 408'))).toBe(true);
    expect(aborts).toBeGreaterThan(0);
    expect(kin.stderr()).not.toContain('unexpected error');
    // Up, bounded, and /health never waited behind ingest.
    expect(exitedEarly).toBe(false);
    expect(maxRss).toBeLessThan(MAX_RSS_MIB);
    expect(samples.failures).toBe(0);
    expect(samples.count).toBeGreaterThan(50);
    expect(samples.p50Ms).toBeLessThan(HEALTH_MS);
    expect(samples.p90Ms).toBeLessThan(HEALTH_MS);
    expect(samples.maxMs).toBeLessThan(HEALTH_MAX_MS);

    // Exactly once: every acknowledged event is in the file, no messageId twice.
    const db = new Database(dbPath, { readonly: true });
    try {
      const stored = new Set(db.prepare('SELECT message_id FROM events').pluck().all() as string[]);
      expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(stored.size);
      batches.forEach((o, b) => {
        if (!o.acked) return;
        for (let e = 0; e < EVENTS_PER_BATCH; e++) expect(stored.has(`hostile-${b * EVENTS_PER_BATCH + e}`)).toBe(true);
      });
    } finally {
      db.close();
    }
  }, 120_000);
});
