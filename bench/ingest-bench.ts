/**
 * `npm run bench`: /v1/batch ingest with resolution and durable SQLite writes, next to two baselines
 * measured in the same run on the same payloads:
 *   1. the ceiling: bare node:http + JSON.parse (a child process, like Kin);
 *   2. a plain SQLite insert of the same events with messageId de-duplication (unique index, 1,000-row
 *      transactions, the same durability settings as Kin).
 * Prints events/s, both ratios, p50/p99 batch latency, Kin's RSS after all events, and the CPU time per event
 * of Kin's process and of the plain insert (user + system: a shared, loaded machine distorts it less than
 * wall time).
 * Flags: --events N (default 1,000,000), --shoppers N (default 100,000), --concurrency N (default 16),
 * --kin-only 1 (skip both baselines, for quick iterations), --profile DIR (write a V8 CPU profile of Kin there).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { buildBatches } from './ingest-workload.ts';
import { cpuMicros, settled, startChild, stopChild, threadCpuMicros } from './bench-process.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 1_000_000);
const SHOPPERS = Number(args.get('shoppers') ?? 100_000);
const CONCURRENCY = Number(args.get('concurrency') ?? 16);
const KIN_ONLY = args.get('kin-only') === '1';
const PROFILE_DIR = args.get('profile');
const BATCH = 100;
const WRITE_KEY = 'bench-write-key-0001';

interface LoadResult {
  eventsPerSecond: number;
  p50: number;
  p99: number;
}

/** Sends every batch with `CONCURRENCY` requests in flight; checks every answer. */
async function load(url: string, batches: string[]): Promise<LoadResult> {
  const pool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  let next = 0;
  const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const body = batches[next++]!;
        const t = performance.now();
        const res = await pool.request({
          path: '/v1/batch',
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: auth },
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    eventsPerSecond: (batches.length * BATCH) / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
  };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Kin's CPU per event split by thread: the main thread (HTTP), the busiest other thread (the writer: the
 * threads have no names to tell them apart, and the writer is the busiest by far) and all the others (GC
 * helpers, the WAL sync and the checkpoint thread).
 */
function threadSplit(
  pid: number,
  before: Map<number, number>,
  after: Map<number, number>,
  events: number,
): { http: number; writer: number; other: number } {
  const used = [...after].map(([tid, micros]) => [tid, micros - (before.get(tid) ?? 0)] as const);
  const http = used.find(([tid]) => tid === pid)?.[1] ?? 0;
  const others = used
    .filter(([tid]) => tid !== pid)
    .map(([, micros]) => micros)
    .sort((a, b) => b - a);
  const writer = others[0] ?? 0;
  const other = others.slice(1).reduce((a, b) => a + b, 0);
  return { http: http / events, writer: writer / events, other: other / events };
}

/** Baseline 2: the same events into SQLite with a unique messageId, nothing else. */
function plainSqlite(dir: string, batches: string[]): { eventsPerSecond: number; cpuPerEvent: number } {
  const db = new Database(join(dir, 'plain.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, type TEXT, payload TEXT)');
  const insert = db.prepare('INSERT OR IGNORE INTO events (message_id, type, payload) VALUES (?, ?, ?)');
  const cpu = process.cpuUsage();
  const started = performance.now();
  let inTx = 0;
  db.exec('BEGIN');
  for (const body of batches) {
    for (const event of (JSON.parse(body) as { batch: Array<{ messageId: string; type: string }> }).batch) {
      insert.run(event.messageId, event.type, JSON.stringify(event));
      if (++inTx === 1000) {
        db.exec('COMMIT');
        db.exec('BEGIN');
        inTx = 0;
      }
    }
  }
  db.exec('COMMIT');
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  db.close();
  return { eventsPerSecond: (batches.length * BATCH) / seconds, cpuPerEvent: (used.user + used.system) / (batches.length * BATCH) };
}

async function main(): Promise<void> {
  const batches = buildBatches({ shoppers: SHOPPERS, batches: Math.ceil(EVENTS / BATCH), batchSize: BATCH });
  const dir = mkdtempSync(join(tmpdir(), 'kin-bench-'));
  process.stdout.write(
    `ingest bench: ${batches.length * BATCH} events in ${batches.length} batches of ${BATCH}, ${SHOPPERS} shoppers, ${CONCURRENCY} in flight\n`,
  );
  try {
    let ceiling: LoadResult = { eventsPerSecond: Number.NaN, p50: Number.NaN, p99: Number.NaN };
    let plain = Number.NaN;
    let plainCpu = Number.NaN;
    if (!KIN_ONLY) {
      const bare = await startChild(['--import', 'tsx', 'bench/bare-http-server.ts'], {}, /listening (http:\/\/\S+)/);
      ceiling = await load(bare.url, batches);
      await stopChild(bare.child);
      ({ eventsPerSecond: plain, cpuPerEvent: plainCpu } = plainSqlite(dir, batches));
    }

    const kin = await startChild(
      [
        ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []),
        'packages/server/bin/kin.js',
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--db',
        join(dir, 'kin.db'),
      ],
      { KIN_ADMIN_TOKEN: 'bench-admin-token-000000', KIN_WRITE_KEYS: `bench:${WRITE_KEY}` },
      /running on (http:\/\/\S+)/,
    );
    await settled(kin.child.pid!);
    const cpuBefore = cpuMicros(kin.child.pid!);
    const threadsBefore = threadCpuMicros(kin.child.pid!);
    const clientBefore = process.cpuUsage();
    const measured = await load(kin.url, batches);
    const client = process.cpuUsage(clientBefore);
    const threads = threadSplit(kin.child.pid!, threadsBefore, threadCpuMicros(kin.child.pid!), batches.length * BATCH);
    const cpuAfter = cpuMicros(kin.child.pid!);
    const kinUser = (cpuAfter.user - cpuBefore.user) / (batches.length * BATCH);
    const kinSystem = (cpuAfter.system - cpuBefore.system) / (batches.length * BATCH);
    const kinCpu = kinUser + kinSystem;
    const rss = rssMiB(kin.child.pid!);
    await stopChild(kin.child);

    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    const lines = [
      `baseline node:http + JSON.parse : ${f(ceiling.eventsPerSecond)} events/s  (p50 ${ceiling.p50.toFixed(1)} ms, p99 ${ceiling.p99.toFixed(1)} ms)`,
      `baseline plain SQLite + dedup   : ${f(plain)} events/s`,
      `Kin /v1/batch (resolve + store) : ${f(measured.eventsPerSecond)} events/s  (p50 ${measured.p50.toFixed(1)} ms, p99 ${measured.p99.toFixed(1)} ms)`,
      `ratio Kin / plain SQLite        : ${(measured.eventsPerSecond / plain).toFixed(2)}  (goal >= 0.50)`,
      `ratio Kin / node:http ceiling   : ${(measured.eventsPerSecond / ceiling.eventsPerSecond).toFixed(2)}`,
      `Kin RSS after ${f(batches.length * BATCH)} events : ${rss.toFixed(0)} MiB`,
      `CPU per event                   : Kin ${kinCpu.toFixed(1)} µs (server process; user ${kinUser.toFixed(1)}, system ${kinSystem.toFixed(1)}), plain SQLite ${plainCpu.toFixed(1)} µs; ratio ${(plainCpu / kinCpu).toFixed(2)}`,
      `Kin CPU per event by thread     : HTTP ${threads.http.toFixed(1)} µs, writer ${threads.writer.toFixed(1)} µs, others ${threads.other.toFixed(1)} µs; load generator ${((client.user + client.system) / (batches.length * BATCH)).toFixed(1)} µs (same machine)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
