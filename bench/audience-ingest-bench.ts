/**
 * `npm run bench:audiences`: /v1/batch ingest into the embedded store with 20 live computed traits and 20
 * live audiences, next to the same ingest without them (the baseline), measured in the same run on the same
 * payloads (each run on a fresh database). Goal: ratio >= 0.80. While the loaded run sends, a probe sends
 * one `Probe` event at a time and polls its profile until the `probes` computed trait counts it: the
 * real-time latency under load (goal p95 <= 1 s). It also prints Kin's CPU per event (all its threads, from
 * /proc; and per thread, in the order they started), counted until the evaluator has caught up (a last probe is
 * counted): the figure the machine's load moves least.
 * Flags: --events N (default 200,000), --shoppers N (default 20,000), --concurrency N (default 16),
 * --cpu-prof DIR (Kin's threads write V8 CPU profiles there, one file per thread and run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { cpuTotalMicros, startChild, stopChild, threadCpuMicros } from './bench-process.ts';
import { buildBatches } from './ingest-workload.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 200_000);
const SHOPPERS = Number(args.get('shoppers') ?? 20_000);
const CONCURRENCY = Number(args.get('concurrency') ?? 16);
const CPU_PROF = args.get('cpu-prof');
const BATCH = 100;
const WRITE_KEY = 'bench-write-key-0001';
const ADMIN = 'bench-admin-token-000000';
const TRACK_AUTH = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');

const EVENT_NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

/** 20 computed traits (every type, windows and filters) and 20 audiences (every kind of condition). */
function definitions(): { traits: unknown[]; audiences: unknown[] } {
  const traits: unknown[] = [{ key: 'probes', type: 'event_counter', event: 'Probe' }];
  const types = ['event_counter', 'aggregation', 'first', 'last', 'most_frequent', 'unique_list', 'unique_count', 'exists', 'time_since'];
  for (let i = 0; traits.length < 20; i++) {
    const type = types[i % types.length]!;
    traits.push({
      key: `t${i}`,
      type,
      event: EVENT_NAMES[i % EVENT_NAMES.length],
      ...(type === 'aggregation' ? { agg: ['sum', 'avg', 'min', 'max'][i % 4], property: 'properties.price' } : {}),
      ...(['most_frequent', 'unique_list', 'unique_count', 'first', 'last'].includes(type) ? { property: 'properties.sku' } : {}),
      ...(i % 3 === 0 ? { where: { path: 'properties.price', op: 'gte', value: 20 } } : {}),
      ...(i % 2 === 0 ? { window: { days: 30 } } : {}),
    });
  }
  const audiences: unknown[] = [];
  for (let i = 0; audiences.length < 20; i++) {
    const event = EVENT_NAMES[i % EVENT_NAMES.length];
    const kind = i % 5;
    const where =
      kind === 0
        ? { performed: { event, within: { days: 7 }, count: 2 } }
        : kind === 1
          ? { trait: { key: `t${i % 19}`, op: 'exists' } }
          : kind === 2
            ? { all: [{ performed: { event } }, { not: { performed: { event: 'Order Completed', within: { days: 1 } } } }] }
            : kind === 3
              ? { any: [{ trait: { key: 'plan', op: 'eq', value: 'pro' } }, { consent: { category: 'marketing', is: true } }] }
              : {
                  all: [
                    { audience: `a${i - 4}` },
                    { performed: { event: 'Page Viewed', where: { path: 'properties.path', op: 'exists' } } },
                  ],
                };
    audiences.push({ key: `a${i}`, where });
  }
  return { traits, audiences };
}

async function admin(url: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function load(url: string, batches: string[]): Promise<number> {
  const pool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const res = await pool.request({
          path: '/v1/batch',
          method: 'POST',
          body: batches[next++]!,
          headers: { 'content-type': 'application/json', authorization: TRACK_AUTH },
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return (batches.length * BATCH) / seconds;
}

/** Sends probes one after the other until `done()`; each one's latency from the 200 to the counted value. */
async function probe(url: string, done: () => boolean, counted = 0): Promise<number[]> {
  const latencies: number[] = [];
  for (let n = 1; !done(); n++) {
    const res = await fetch(`${url}/v1/track`, {
      method: 'POST',
      headers: { authorization: TRACK_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'probe-1', event: 'Probe' }),
    });
    if (res.status !== 200) throw new Error(`probe: ${res.status}`);
    const sent = performance.now();
    for (;;) {
      const profile = (await admin(url, '/v1/profiles/user_id:probe-1')) as { computedTraits?: Record<string, unknown> };
      if (profile.computedTraits?.probes === counted + n) break;
      if (performance.now() - sent > 30_000) throw new Error('a probe was not counted within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    latencies.push(performance.now() - sent);
    await new Promise((r) => setTimeout(r, 100));
  }
  return latencies;
}

/** Kin's threads' CPU per event in µs, in the order they started (tid order), those under 1 µs left out. */
function perThread(before: Map<number, number>, after: Map<number, number>, events: number): string {
  return [...after]
    .sort(([a], [b]) => a - b)
    .map(([tid, us], i) => [i, (us - (before.get(tid) ?? 0)) / events] as const)
    .filter(([, us]) => us >= 1)
    .map(([i, us]) => `#${i} ${us.toFixed(0)}`)
    .join(', ');
}

async function run(
  dir: string,
  name: string,
  batches: string[],
  withDefinitions: boolean,
): Promise<{ eventsPerSecond: number; probes: number[]; cpuMicrosPerEvent: number; threads: string }> {
  const serve = ['packages/server/bin/kin.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--db', join(dir, `${name}.db`)];
  const kin = await startChild(
    CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF, ...serve] : serve,
    { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `bench:${WRITE_KEY}` },
    /running on (http:\/\/\S+)/,
  );
  try {
    const pid = kin.child.pid!;
    const events = batches.length * BATCH;
    if (!withDefinitions) {
      const cpu = cpuTotalMicros(pid);
      const threads = threadCpuMicros(pid);
      const eventsPerSecond = await load(kin.url, batches);
      return {
        eventsPerSecond,
        probes: [],
        cpuMicrosPerEvent: (cpuTotalMicros(pid) - cpu) / events,
        threads: perThread(threads, threadCpuMicros(pid), events),
      };
    }
    const { traits, audiences } = definitions();
    for (const t of traits) await admin(kin.url, '/v1/computed-traits', t);
    for (const a of audiences) await admin(kin.url, '/v1/audiences', a);
    let finished = false;
    const cpu = cpuTotalMicros(pid);
    const threads = threadCpuMicros(pid);
    const probing = probe(kin.url, () => finished);
    // Awaited after the load; handled now too, so that a probe failing during the load does not end this process
    // before `finally` stops Kin (an unhandled rejection would leave the server running).
    probing.catch(() => undefined);
    const eventsPerSecond = await load(kin.url, batches);
    finished = true;
    const probes = await probing;
    // One more probe: counted once the evaluator has worked through everything sent before it.
    let sent = 0;
    await probe(kin.url, () => sent++ > 0, probes.length);
    return {
      eventsPerSecond,
      probes,
      cpuMicrosPerEvent: (cpuTotalMicros(pid) - cpu) / events,
      threads: perThread(threads, threadCpuMicros(pid), events),
    };
  } finally {
    await stopChild(kin.child);
  }
}

async function main(): Promise<void> {
  const batches = buildBatches({ shoppers: SHOPPERS, batches: Math.ceil(EVENTS / BATCH), batchSize: BATCH });
  const dir = mkdtempSync(join(tmpdir(), 'kin-audience-bench-'));
  process.stdout.write(
    `audience ingest bench: ${batches.length * BATCH} events in batches of ${BATCH}, ${SHOPPERS} shoppers, ${CONCURRENCY} in flight\n`,
  );
  try {
    const baseline = await run(dir, 'plain', batches, false);
    const loaded = await run(dir, 'audiences', batches, true);
    const sorted = [...loaded.probes].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    process.stdout.write(
      [
        `baseline: ingest without definitions        : ${f(baseline.eventsPerSecond)} events/s`,
        `ingest with 20 computed traits + 20 audiences: ${f(loaded.eventsPerSecond)} events/s`,
        `ratio with / without                         : ${(loaded.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}  (goal >= 0.80)`,
        `Kin CPU per event (all threads)              : ${baseline.cpuMicrosPerEvent.toFixed(0)} µs without, ${loaded.cpuMicrosPerEvent.toFixed(0)} µs with (ratio ${(baseline.cpuMicrosPerEvent / loaded.cpuMicrosPerEvent).toFixed(2)})`,
        `Kin CPU per event by thread (start order), µs : without ${baseline.threads}; with ${loaded.threads}`,
        `real-time latency under load (${sorted.length} probes)   : p50 ${f(at(0.5))} ms, p95 ${f(at(0.95))} ms, max ${f(at(1))} ms  (goal p95 <= 1,000 ms)`,
      ].join('\n') + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
