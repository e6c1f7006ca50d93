/**
 * `npm run bench:pipeline`: the scale-out pipeline against the embedded mode, measured in the same run on
 * the same events (the overlap workload: heavy identity overlap, 100-event batches, two sources).
 *   - embedded: one `kin serve` (SQLite, group commit); a 2xx means resolved and durable;
 *   - pipeline: 2 `kin collect` + N `kin worker` (N = 1, 2, 3) over the local NATS and a fresh PostgreSQL
 *     database; events/s counts until every event is resolved and committed in PostgreSQL.
 * For each run: events/s end to end, the collectors' accept rate, the highest consumer lag seen (sampled
 * every 500 ms), CPU seconds of the Kin processes (from /proc: the box may be shared and noisy), and the
 * ratio to embedded. Flags: --events N (default 200,000), --workers 1,2,3, --concurrency N per collector (8),
 * --batch N (KIN_WORKER_BATCH, default 500).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { openPostgresStore } from '../packages/server/src/storage/postgres/postgres-store.ts';
import { createTestDatabase } from '../packages/server/src/storage/postgres/postgres-test-db.ts';
import { deleteTestStream, testNatsUrl, testStreamNames } from '../packages/server/src/testing/nats-test-server.ts';
import { buildOverlapWorkload } from '../packages/server/src/testing/overlap-workload.ts';
import type { KinProcess } from '../packages/server/src/testing/pipeline-process.ts';
import { startKinProcess } from '../packages/server/src/testing/pipeline-process.ts';
import { sendBatches, toBatches } from '../packages/server/src/testing/workload-send.ts';
import { settled } from './bench-process.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 200_000);
const WORKERS = (args.get('workers') ?? '1,2,3').split(',').map(Number);
const CONCURRENCY = Number(args.get('concurrency') ?? 8);
const WORKER_BATCH = args.get('batch') ?? '500';
const ADMIN = 'bench-admin-token-0123456789';
const KEYS = { web: 'bench-web-key-0001', app: 'bench-app-key-0001' } as const;
const WRITE_KEYS = `web:${KEYS.web},app:${KEYS.app}`;

interface Run {
  name: string;
  eventsPerSecond: number;
  acceptPerSecond: number;
  maxLag: number | undefined;
  cpuSeconds: number;
}

/** utime + stime of a process, in seconds (Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const batches = toBatches(buildOverlapWorkload({ events: EVENTS, persons: Math.floor(EVENTS / 10), seed: 2026 }), 100);

async function embedded(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'kin-pipeline-bench-'));
  const kin = await startKinProcess('serve', ['--db', join(dir, 'kin.db')], { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: WRITE_KEYS });
  try {
    await settled(kin.child.pid!);
    const cpuBefore = cpuSecondsOf(kin.child.pid);
    const started = performance.now();
    await sendBatches({ urls: [kin.url], batches, writeKeys: KEYS, concurrency: CONCURRENCY * 2 });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSecondsOf(kin.child.pid) - cpuBefore;
    return {
      name: 'embedded (SQLite)',
      eventsPerSecond: EVENTS / seconds,
      acceptPerSecond: EVENTS / seconds,
      maxLag: undefined,
      cpuSeconds: cpu,
    };
  } finally {
    await kin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pipeline(workerCount: number): Promise<Run> {
  const db = await createTestDatabase();
  const names = testStreamNames();
  const env = {
    KIN_DB: db.url,
    KIN_PIPELINE: testNatsUrl(),
    KIN_ADMIN_TOKEN: ADMIN,
    KIN_WRITE_KEYS: WRITE_KEYS,
    ...names.env,
    KIN_WORKER_ACK_WAIT_SECONDS: '60',
    KIN_WORKER_BATCH: WORKER_BATCH,
  };
  const processes: KinProcess[] = [];
  const nc = await connect({ servers: testNatsUrl() });
  const store = await openPostgresStore({ url: db.url, poolSize: 1 });
  try {
    processes.push(await startKinProcess('collect', [], env));
    processes.push(await startKinProcess('collect', [], env));
    for (let i = 0; i < workerCount; i++) processes.push(await startKinProcess('worker', [], env));
    const jsm = await nc.jetstreamManager();
    let maxLag = 0;
    const sampler = setInterval(() => {
      jsm.consumers.info(names.nats.stream, names.nats.consumer).then(
        (info) => (maxLag = Math.max(maxLag, info.num_pending + info.num_ack_pending)),
        () => undefined,
      );
    }, 500);
    const cpuBefore = processes.reduce((sum, p) => sum + cpuSecondsOf(p.child.pid), 0);
    const started = performance.now();
    await sendBatches({ urls: processes.slice(0, 2).map((p) => p.url), batches, writeKeys: KEYS, concurrency: CONCURRENCY });
    const accepted = performance.now();
    for (;;) {
      const info = await jsm.consumers.info(names.nats.stream, names.nats.consumer);
      if (info.num_pending === 0 && info.num_ack_pending === 0 && (await store.stats()).events >= EVENTS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const resolved = performance.now();
    clearInterval(sampler);
    const cpu = processes.reduce((sum, p) => sum + cpuSecondsOf(p.child.pid), 0) - cpuBefore;
    return {
      name: `pipeline, ${workerCount} worker${workerCount === 1 ? '' : 's'}`,
      eventsPerSecond: EVENTS / ((resolved - started) / 1000),
      acceptPerSecond: EVENTS / ((accepted - started) / 1000),
      maxLag,
      cpuSeconds: cpu,
    };
  } finally {
    for (const p of processes) await p.stop();
    await store.close();
    await nc.close();
    await deleteTestStream(testNatsUrl(), names.nats.stream).catch(() => undefined);
    await db.drop();
  }
}

const runs: Run[] = [await embedded()];
for (const n of WORKERS) runs.push(await pipeline(n));

const base = runs[0]!.eventsPerSecond;
const n = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `pipeline bench: ${n(EVENTS)} events in ${n(batches.length)} requests, overlap workload, 2 collectors (${CONCURRENCY} requests in flight each), worker batches of ${WORKER_BATCH}`,
);
console.log('mode                     resolved ev/s   accepted ev/s   max lag   Kin CPU s   CPU µs/event   ratio to embedded');
for (const r of runs) {
  console.log(
    `${r.name.padEnd(24)} ${n(r.eventsPerSecond).padStart(13)}   ${n(r.acceptPerSecond).padStart(13)}   ${(r.maxLag === undefined ? '-' : n(r.maxLag)).padStart(7)}   ${r.cpuSeconds.toFixed(1).padStart(9)}   ${n((r.cpuSeconds * 1e6) / EVENTS).padStart(12)}   ${(r.eventsPerSecond / base).toFixed(2).padStart(17)}`,
  );
}
