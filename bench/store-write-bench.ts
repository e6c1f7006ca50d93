/**
 * `npm run bench:store`: the write path of each store without HTTP: the overlapping event stream applied
 * with `applyEventGroups` in batches, one transaction per batch, to a SQLite file (synchronous=FULL, as
 * Kin runs) and to a fresh PostgreSQL database. Prints events/s (wall) and the process CPU per event
 * (user+system, which a noisy shared machine distorts less), and the PostgreSQL/SQLite ratio.
 * Flags: --events N (default 50,000), --persons N (default events/10), --batch N (default 500),
 * --writers N (concurrent PostgreSQL transactions, default 1), --traits stable (each identify re-sends its
 * person's same name and email traits, as SDKs that identify on every page load do, instead of random ones),
 * --store sqlite|postgres|both (default both; the ratio needs both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../packages/server/src/identity/policy-load.ts';
import type { EventGroup } from '../packages/server/src/pipeline/event-apply.ts';
import { applyEventGroups } from '../packages/server/src/pipeline/event-apply.ts';
import { openPostgresStore } from '../packages/server/src/storage/postgres/postgres-store.ts';
import { createTestDatabase } from '../packages/server/src/storage/postgres/postgres-test-db.ts';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../packages/server/src/storage/storage.ts';
import { buildOverlapWorkload } from '../packages/server/src/testing/overlap-workload.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 50_000);
const PERSONS = Number(args.get('persons') ?? Math.max(10, Math.floor(EVENTS / 10)));
const BATCH = Number(args.get('batch') ?? 500);
const WRITERS = Number(args.get('writers') ?? 1);
const STABLE_TRAITS = args.get('traits') === 'stable';
const STORE = args.get('store') ?? 'both';
if (!['sqlite', 'postgres', 'both'].includes(STORE)) throw new Error(`--store ${STORE}: sqlite, postgres or both`);
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };

function batches(): EventGroup[][] {
  const receivedAt = new Date();
  const events = buildOverlapWorkload({ events: EVENTS, persons: PERSONS }).map(({ source, event }) => {
    if (STABLE_TRAITS && event.type === 'identify') event = { ...event, traits: stableTraits(String(event.anonymousId)) };
    const result = validateEvent(event, { receivedAt, newMessageId: () => 'unused' });
    if (!result.ok) throw new Error(result.message);
    return { sourceId: `src-${source}`, event: result.event };
  });
  const out: EventGroup[][] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const bySource = new Map<string, TrackingEvent[]>();
    for (const { sourceId, event } of events.slice(i, i + BATCH)) bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), event]);
    out.push([...bySource].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sourceId, evs]) => ({ sourceId, events: evs })));
  }
  return out;
}

/** One person's traits, the same on every identify: the person index is the one in its anonymous id. */
function stableTraits(anonymousId: string): Record<string, string> {
  const person = anonymousId.split('-')[1];
  return {
    firstName: `Ann${person}`,
    lastName: `Lee${person}`,
    name: `Ann${person} Lee${person}`,
    email: `p${person}.0@example.com`,
    plan: 'pro',
  };
}

interface Result {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
}

async function run(store: Store, all: EventGroup[][], writers: number): Promise<Result> {
  const queue = [...all].reverse();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let batch = queue.pop(); batch; batch = queue.pop()) {
        const b = batch;
        await store.transaction((tx) => applyEventGroups(tx, b, deps));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { eventsPerSecond: EVENTS / seconds, cpuMicrosPerEvent: (used.user + used.system) / EVENTS };
}

const all = batches();

async function runSqlite(): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'kin-store-bench-'));
  try {
    const sqlite = await openSqliteStore({ path: join(dir, 'kin.db') });
    const result = await run(sqlite, all, 1);
    await sqlite.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres(): Promise<Result> {
  const db = await createTestDatabase();
  try {
    const pg = await openPostgresStore({ url: db.url, poolSize: Math.max(2, WRITERS + 1) });
    const result = await run(pg, all, WRITERS);
    await pg.close();
    return result;
  } finally {
    await db.drop();
  }
}

const sqliteResult = STORE === 'postgres' ? undefined : await runSqlite();
const pgResult = STORE === 'sqlite' ? undefined : await runPostgres();

const fmt = (r: Result) =>
  `${Math.round(r.eventsPerSecond).toLocaleString('en-US').padStart(8)} events/s  ${r.cpuMicrosPerEvent.toFixed(0).padStart(5)} µs CPU/event (this process)`;
console.log(`store write path: ${EVENTS.toLocaleString('en-US')} events, ${PERSONS.toLocaleString('en-US')} persons, batches of ${BATCH}`);
if (sqliteResult) console.log(`  SQLite (file, synchronous=FULL)     ${fmt(sqliteResult)}`);
if (pgResult) console.log(`  PostgreSQL (${WRITERS} writer${WRITERS === 1 ? '' : 's'})             ${fmt(pgResult)}`);
if (sqliteResult && pgResult)
  console.log(`  ratio PostgreSQL / SQLite: ${(pgResult.eventsPerSecond / sqliteResult.eventsPerSecond).toFixed(2)}`);
