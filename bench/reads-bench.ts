/**
 * `npm run bench:reads`: tracking latency while the dashboard reads a large embedded store, next to the same
 * tracking load without readers (the baseline, measured in the same run on the same store).
 *
 * 1. Builds a SQLite store of `--events` events (default 1,000,000) through the store API (no HTTP, to save
 *    time): the ingest bench's shoppers plus one heavy profile holding `--heavy` of them (default 200,000).
 *    With `--db PATH` the store is kept there and reused by later runs (built only when the file is absent).
 * 2. Starts `kin serve` on it and sends single `/v1/track` events from `--clients` closed-loop clients
 *    (default 4) for `--seconds` (default 20): the baseline.
 * 3. The same again while `--readers` dashboard loops (default 1) read, as fast as they are answered (or
 *    every `--interval` ms): `/v1/overview`, `/v1/stats`, the heavy profile's first and second timeline page
 *    and its `/graph`.
 * Prints p50 / p99 / max tracking latency of both phases and their ratios, and each read's median.
 * `--kin DIR` runs another checkout's `kin serve` on the same store (before/after comparisons).
 * A multi-million-event store: `npm run bench:reads -- --events 3000000 --db /tmp/kin-3m.db` (the build
 * takes a few minutes; later runs reuse the file).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../packages/server/src/identity/policy-load.ts';
import { applyEventGroups } from '../packages/server/src/pipeline/event-apply.ts';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import { startChild, stopChild } from './bench-process.ts';
import { buildBatches } from './ingest-workload.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 1_000_000);
const HEAVY = Number(args.get('heavy') ?? 200_000);
const SECONDS = Number(args.get('seconds') ?? 20);
const CLIENTS = Number(args.get('clients') ?? 4);
const READERS = Number(args.get('readers') ?? 1);
const INTERVAL = Number(args.get('interval') ?? 0);
const KEEP = args.get('db');
/** Another checkout whose `kin serve` is measured instead (before/after comparisons on one store). */
const KIN_DIR = args.get('kin');
const WRITE_KEY = 'bench-write-key-0001';
const ADMIN = 'bench-admin-token-000000';
const HEAVY_USER = 'heavy-shopper';
const TX_EVENTS = 2000;

/** Builds the store through the store API: chunks of the shopper workload with the heavy profile's events mixed in. */
async function buildStore(path: string): Promise<void> {
  const store = await openSqliteStore({ path });
  const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
  const heavyEvery = HEAVY > 0 ? Math.max(1, Math.floor(EVENTS / HEAVY)) : Number.POSITIVE_INFINITY;
  const started = performance.now();
  let written = 0;
  let heavy = 0;
  for (let chunk = 0; written < EVENTS; chunk++) {
    const bodies = buildBatches({ shoppers: 100_000, batches: TX_EVENTS / 100, batchSize: 100, seed: 1000 + chunk });
    const receivedAt = new Date(Date.UTC(2026, 0, 1) + chunk * 60_000);
    const events: TrackingEvent[] = [];
    for (const body of bodies) {
      for (const raw of (JSON.parse(body) as { batch: unknown[] }).batch) {
        const item =
          written % heavyEvery === 0 && heavy < HEAVY
            ? { type: 'track', event: 'Viewed', userId: HEAVY_USER, messageId: `heavy-${heavy++}` }
            : raw;
        const result = validateEvent(item, { receivedAt, newMessageId: () => `gen-${written}` });
        if (result.ok) events.push(result.event);
        written++;
      }
    }
    await store.transaction((tx) => applyEventGroups(tx, [{ sourceId: 'bench-gen', events }], deps));
    if (chunk % 50 === 0)
      process.stdout.write(`  built ${written.toLocaleString('en-US')} events (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  await store.close();
}

/** Sends single `/v1/track` events from `CLIENTS` closed-loop clients until `until`; returns each latency (ms). */
async function track(url: string, until: number, tag: string): Promise<number[]> {
  const pool = new Pool(url, { connections: CLIENTS, keepAliveTimeout: 60_000 });
  const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
  const latencies: number[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const i = n++;
        const body = JSON.stringify({
          event: 'Viewed',
          anonymousId: `${tag}-anon-${i % 5000}`,
          messageId: `${tag}-${i}`,
          properties: { i },
        });
        const t = performance.now();
        const res = await pool.request({
          path: '/v1/track',
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: auth },
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`track answered ${res.statusCode}: ${text.slice(0, 200)}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  await pool.close();
  return latencies;
}

/** One dashboard loop: overview, stats, two timeline pages and the graph of the heavy profile, until `until`. */
async function read(url: string, until: number, timings: Map<string, number[]>): Promise<void> {
  const pool = new Pool(url, { connections: 1, keepAliveTimeout: 60_000 });
  const get = async (name: string, path: string): Promise<unknown> => {
    const t = performance.now();
    const res = await pool.request({ path, method: 'GET', headers: { authorization: `Bearer ${ADMIN}` } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    timings.set(name, [...(timings.get(name) ?? []), performance.now() - t]);
    return JSON.parse(text);
  };
  const ref = encodeURIComponent(`user_id:${HEAVY_USER}`);
  while (performance.now() < until) {
    const started = performance.now();
    await get('overview', '/v1/overview');
    await get('stats', '/v1/stats');
    const first = (await get('events page 1', `/v1/profiles/${ref}/events?limit=50`)) as { cursor?: { next: string | null } };
    if (first.cursor?.next)
      await get('events page 2', `/v1/profiles/${ref}/events?limit=50&cursor=${encodeURIComponent(first.cursor.next)}`);
    await get('graph', `/v1/profiles/${ref}/graph`);
    const rest = INTERVAL - (performance.now() - started);
    if (rest > 0) await new Promise((done) => setTimeout(done, Math.min(rest, Math.max(0, until - performance.now()))));
  }
  await pool.close();
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kin-reads-bench-'));
  const path = KEEP ?? join(dir, 'kin.db');
  try {
    if (!existsSync(path)) {
      process.stdout.write(
        `building a store of ${EVENTS.toLocaleString('en-US')} events (heavy profile: ${HEAVY.toLocaleString('en-US')}) at ${path}\n`,
      );
      await buildStore(path);
    }
    const kin = await startChild(
      ['packages/server/bin/kin.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--db', path],
      { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `bench:${WRITE_KEY}` },
      /running on (http:\/\/\S+)/,
      ...(KIN_DIR ? [KIN_DIR] : []),
    );
    try {
      const tag = `r${Date.now()}`;
      await track(kin.url, performance.now() + 2000, `${tag}-warm`);
      const baseline = (await track(kin.url, performance.now() + SECONDS * 1000, `${tag}-base`)).sort((a, b) => a - b);
      const timings = new Map<string, number[]>();
      const until = performance.now() + SECONDS * 1000;
      const [loaded] = await Promise.all([
        track(kin.url, until, `${tag}-read`),
        ...Array.from({ length: READERS }, () => read(kin.url, until, timings)),
      ]);
      loaded.sort((a, b) => a - b);
      const line = (name: string, l: number[]) =>
        `${name}: ${l.length.toLocaleString('en-US')} requests, p50 ${quantile(l, 0.5).toFixed(1)} ms, p99 ${quantile(l, 0.99).toFixed(1)} ms, max ${l.at(-1)!.toFixed(1)} ms`;
      const stats = (timings.get('stats') ?? []).length;
      const out = [
        `reads bench: ${path}${KIN_DIR ? ` (kin of ${KIN_DIR})` : ''}, ${CLIENTS} tracking clients, ${READERS} dashboard reader(s)${INTERVAL ? ` every ${INTERVAL} ms` : ' in a loop'}, ${SECONDS} s per phase`,
        line('tracking alone (baseline)  ', baseline),
        line('tracking beside the readers', loaded),
        `ratio with readers / baseline: p50 ${(quantile(loaded, 0.5) / quantile(baseline, 0.5)).toFixed(2)}, p99 ${(quantile(loaded, 0.99) / quantile(baseline, 0.99)).toFixed(2)}, throughput ${(loaded.length / baseline.length).toFixed(2)}`,
        `dashboard loops completed: ${stats}; median per read: ${[...timings]
          .map(
            ([name, l]) =>
              `${name} ${quantile(
                l.sort((a, b) => a - b),
                0.5,
              ).toFixed(1)} ms`,
          )
          .join(', ')}`,
      ];
      process.stdout.write(out.join('\n') + '\n');
    } finally {
      await stopChild(kin.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
