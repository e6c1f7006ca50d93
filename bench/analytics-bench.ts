/**
 * Analytics benchmark: a 5-step funnel, a path query and a 7-model attribution with `compare` over seeded
 * journeys (about 1,000,000 events, 100,000 profiles by default), each timed on the store (SQL streaming of the
 * time range, then core's functions) next to a baseline measured in the same run: a plain script that reads the
 * same events exported as NDJSON (with each event's live profile) and computes the same answer in memory.
 * p50 of 5 runs each, Kin's and the baseline's alternating; both answers must be equal.
 *
 *   npm run bench:analytics -- [--shoppers 85000] [--extra-pages 12] [--db /tmp/kin-analytics-bench.db] [--reuse]
 *                              [--store sqlite|postgres|both] [--postgres [postgres://…/db]] [--runs 5]
 *                              [--queries funnel,paths,attribution]
 *
 * `--store postgres` (or `both`, or a bare `--postgres`) runs on a throwaway database of its own on the test server
 * (`KIN_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/postgres), dropped at the end; `--postgres URL`
 * uses (and keeps) that database instead, and with `--reuse` benches the events already in it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AnalyticsEvent, AnalyticsUnit, AttributionSpec, FunnelSpec, PathSpec } from '../packages/core/src/index.ts';
import {
  ATTRIBUTION_MODELS,
  attributionTotals,
  byTime,
  funnelCounts,
  funnelReach,
  pathDiagram,
  unitConversions,
  unitPaths,
} from '../packages/core/src/index.ts';
import { ingestJourneys } from '../packages/server/src/analytics/analytics-conformance.ts';
import type { AnalyticsDeps } from '../packages/server/src/analytics/analytics-run.ts';
import { runAttribution } from '../packages/server/src/analytics/analytics-attribution-run.ts';
import { runFunnel, runPaths } from '../packages/server/src/analytics/analytics-run.ts';
import type { EventKeep } from '../packages/server/src/analytics/analytics-units.ts';
import { eventOfRow } from '../packages/server/src/analytics/analytics-units.ts';
import { generateJourneys, JOURNEY_FUNNEL } from '../packages/server/src/demo/journey-data.ts';
import { createTestDatabase } from '../packages/server/src/storage/postgres/postgres-test-db.ts';
import { openStore } from '../packages/server/src/storage/store-open.ts';
import type { Store } from '../packages/server/src/storage/storage.ts';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const DAY = 86_400_000;
const shoppers = Number(arg('--shoppers', '85000'));
const extraPages = Number(arg('--extra-pages', '12'));
const runs = Number(arg('--runs', '5'));
const sqlitePath = arg('--db', '/tmp/kin-analytics-bench.db');
const postgresUrl = arg('--postgres', '').startsWith('postgres') ? arg('--postgres', '') : '';
const store = arg('--store', process.argv.includes('--postgres') ? 'both' : 'sqlite');
if (!['sqlite', 'postgres', 'both'].includes(store)) throw new Error(`--store: sqlite, postgres or both, not ${store}`);
const reuse = process.argv.includes('--reuse');
const queries = new Set(arg('--queries', 'funnel,paths,attribution').split(','));

/**
 * The seeded journeys: generated once, ingested, then let go before any timing. Why let go: they are gigabytes of
 * objects, and a heap that large made every collection during the timed questions (Kin's and the baseline's alike)
 * cost about as much as the question; a server answering a question holds no such heap.
 */
const generate = () => generateJourneys({ seed: 2026, shoppers, extraPages, start: new Date('2026-06-01T00:00:00.000Z'), days: 60 });
let journeys: ReturnType<typeof generateJourneys> | undefined = generate();
const fromMs = Date.parse(journeys.from);
const toMs = Date.parse(journeys.to);
const generatedEvents = journeys.events.length;
const stitchedProfiles = new Set(journeys.stitch.values()).size;

/** Lets the journeys go and collects them (under `node --expose-gc`) before the timed questions. */
function releaseJourneys(): void {
  journeys = undefined;
  (globalThis as { gc?: () => void }).gc?.();
}
const funnel: FunnelSpec = {
  steps: JOURNEY_FUNNEL.map((event) => ({ event })),
  windowMs: 14 * DAY,
  order: 'ordered',
  stepWindowsMs: [null, null, null, null],
  exclusions: [],
  fromMs,
  toMs,
};
const paths: PathSpec = {
  node: 'channel_event',
  steps: 5,
  acrossSessions: true,
  maxEdges: 50,
  exclude: new Set(['identify']),
  fromMs,
  toMs,
};
const attribution: AttributionSpec = {
  conversion: { event: 'Order Completed', value: 'properties.total' },
  touchEvents: new Set(),
  dimension: 'channel',
  models: ATTRIBUTION_MODELS,
  lookbackMs: 30 * DAY,
  halfLifeMs: 7 * DAY,
  fromMs,
  toMs,
};

/** One timed call: wall milliseconds, CPU milliseconds of this process, and the answer. */
async function timedRun<T>(fn: () => Promise<T> | T): Promise<{ ms: number; cpuMs: number; answer: T }> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const answer = await fn();
  const used = process.cpuUsage(cpuStart);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, answer };
}

const mid = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;

/**
 * `runs` timings of Kin's answer and of the baseline's, alternating (on a shared machine the load changes within a
 * minute; alternating gives both the same neighbours): the p50 of each one's wall and CPU time (the CPU time of this
 * process: on a shared machine the wall time mostly measures the neighbours) and each one's last answer.
 */
async function p50Pair<K, B>(
  kin: () => Promise<K> | K,
  base: () => Promise<B> | B,
): Promise<{ kin: { ms: number; cpuMs: number; answer: K }; base: { ms: number; cpuMs: number; answer: B } }> {
  const k: Array<{ ms: number; cpuMs: number; answer: K }> = [];
  const b: Array<{ ms: number; cpuMs: number; answer: B }> = [];
  for (let i = 0; i < runs; i++) {
    k.push(await timedRun(kin));
    b.push(await timedRun(base));
  }
  const summary = <T>(list: Array<{ ms: number; cpuMs: number; answer: T }>) => ({
    ms: mid(list.map((x) => x.ms)),
    cpuMs: mid(list.map((x) => x.cpuMs)),
    answer: (list[list.length - 1] as { answer: T }).answer,
  });
  return { kin: summary(k), base: summary(b) };
}

/** Exports every event with its source name and live profile, one JSON line each (what the baseline reads). */
async function exportNdjson(store: Store, file: string): Promise<number> {
  const analytics = store.analytics!;
  const live = await analytics.liveProfiles();
  const names = new Map((await store.listSources()).map((s) => [s.id, s.name]));
  const lines: string[] = [];
  await analytics.scanEvents({ fromMs: fromMs - 31 * DAY, toMs, identity: true, payload: true, deadline: Infinity }, (rows) => {
    for (const r of rows) {
      const profile = r.profileId === null ? `event:${r.seq}` : (live.get(r.profileId) ?? r.profileId);
      lines.push(
        `{"seq":${r.seq},"source":${JSON.stringify(names.get(r.sourceId) ?? '')},"profile":${JSON.stringify(profile)},"event":${r.payload}}`,
      );
    }
  });
  writeFileSync(file, lines.join('\n') + '\n');
  return lines.length;
}

/** The baseline's read: the whole NDJSON file, every line parsed, events filed per unit. */
function baselineSequences(
  file: string,
  units: AnalyticsUnit[],
  keep: EventKeep = { properties: true, context: 'slim' },
): Map<AnalyticsUnit, Map<string, AnalyticsEvent[]>> {
  const out = new Map<AnalyticsUnit, Map<string, AnalyticsEvent[]>>(units.map((u) => [u, new Map()]));
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as { seq: number; source: string; profile: string; event: Record<string, unknown> };
    const e = row.event;
    const event = eventOfRow(
      {
        seq: row.seq,
        messageId: String(e['messageId']),
        sourceId: row.source,
        profileId: row.profile,
        name: typeof e['event'] === 'string' ? e['event'] : String(e['type']),
        at: Date.parse(String(e['timestamp'])),
        payload: JSON.stringify(e),
      },
      (id) => id,
      keep,
    );
    for (const [unit, map] of out) {
      const key = unit === 'profile' ? row.profile : String(e['anonymousId'] ?? e['userId']);
      const list = map.get(key);
      if (list) list.push(event);
      else map.set(key, [event]);
    }
  }
  for (const map of out.values()) for (const list of map.values()) list.sort(byTime);
  return out;
}

async function benchStore(label: string, store: Store): Promise<void> {
  const file = `/tmp/kin-analytics-bench-${label}-${process.pid}.ndjson`;
  const exported = await exportNdjson(store, file);
  const deps: AnalyticsDeps = { store, timeoutMs: 600_000, nowMs: () => Date.now() };
  const rows: string[] = [];
  const report = (name: string, kin: { ms: number; cpuMs: number }, base: { ms: number; cpuMs: number }, same: boolean) =>
    rows.push(
      `${label.padEnd(8)} ${name.padEnd(32)} ${kin.ms.toFixed(0).padStart(7)} ms ${base.ms.toFixed(0).padStart(8)} ms ${(kin.ms / base.ms).toFixed(2).padStart(5)}  ` +
        `${kin.cpuMs.toFixed(0).padStart(7)} ms ${base.cpuMs.toFixed(0).padStart(8)} ms ${(kin.cpuMs / base.cpuMs).toFixed(2).padStart(5)}  ${same ? 'same answer' : 'ANSWERS DIFFER'}`,
    );

  const profileSequences = () => [...(baselineSequences(file, ['profile']).get('profile') ?? new Map<string, AnalyticsEvent[]>()).values()];
  const scanned: string[] = [];
  let funnelSteps = '';
  let direct = '';

  if (queries.has('funnel')) {
    const { kin, base } = await p50Pair(
      () => runFunnel(deps, { spec: funnel, unit: 'profile' }),
      () =>
        funnelCounts(
          funnel,
          profileSequences().map((ev) => funnelReach(funnel, ev)),
        ),
    );
    report('funnel (5 steps, profile)', kin, base, JSON.stringify(kin.answer.steps) === JSON.stringify(base.answer.steps));
    scanned.push(`funnel scanned ${kin.answer.meta.eventsScanned.toLocaleString('en-US')}`);
    funnelSteps = kin.answer.steps.map((s) => s.count).join(' → ');
  }

  if (queries.has('paths')) {
    const { kin, base } = await p50Pair(
      () => runPaths(deps, { spec: paths, unit: 'profile' }),
      () =>
        pathDiagram(
          paths,
          profileSequences().flatMap((ev) =>
            unitPaths(
              paths,
              ev.filter((x) => !paths.exclude.has(x.name)),
            ),
          ),
        ),
    );
    const same = JSON.stringify({ ...kin.answer, unit: undefined, meta: undefined }) === JSON.stringify(base.answer);
    report('paths (channel_event)', kin, base, same);
    scanned.push(`paths ${kin.answer.meta.eventsScanned.toLocaleString('en-US')}`);
  }

  if (queries.has('attribution')) {
    const { kin, base } = await p50Pair(
      () => runAttribution(deps, { spec: attribution, units: ['profile', 'anonymous_id'] }),
      () => {
        const sequences = baselineSequences(file, ['profile', 'anonymous_id']);
        const scope = (u: AnalyticsUnit) =>
          [...(sequences.get(u) ?? new Map<string, AnalyticsEvent[]>()).values()].flatMap((ev) =>
            unitConversions(
              attribution,
              ev.filter((x) => x.at >= fromMs - attribution.lookbackMs),
            ),
          );
        return {
          profile: attributionTotals(attribution, scope('profile')).models,
          anonymous_id: attributionTotals(attribution, scope('anonymous_id')).models,
        };
      },
    );
    report('attribution (7 models, compare)', kin, base, JSON.stringify(kin.answer.results) === JSON.stringify(base.answer));
    scanned.push(`attribution ${kin.answer.meta.eventsScanned.toLocaleString('en-US')}`);
    direct = `attribution direct ${JSON.stringify(kin.answer.direct)}, only stitching explains ${kin.answer.onlyStitchingExplains}`;
  }

  console.log(
    `\n${label}: ${exported.toLocaleString('en-US')} events exported; ${scanned.join(', ')}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log('store    query                            kin wall  base wall ratio  kin cpu   base cpu ratio  (p50 each)');
  for (const row of rows) console.log(row);
  console.log(`funnel stitched ${funnelSteps}; ${direct}`);
  rmSync(file, { force: true });
}

async function ingestTimed(store: Store, label: string): Promise<void> {
  const started = performance.now();
  await ingestJourneys(store, journeys ?? generate(), 1000, 3000);
  console.log(
    `${label}: ingested ${generatedEvents.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

console.log(
  `journeys: ${shoppers.toLocaleString('en-US')} shoppers, ${generatedEvents.toLocaleString('en-US')} events, ${stitchedProfiles.toLocaleString('en-US')} stitched profiles; p50 of ${runs}`,
);
if (store !== 'postgres') {
  const fresh = !(reuse && existsSync(sqlitePath));
  if (fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true });
  const sqlite = await openStore(sqlitePath, {});
  if (fresh) await ingestTimed(sqlite, 'sqlite');
  releaseJourneys();
  await benchStore('sqlite', sqlite);
  await sqlite.close();
}
if (store !== 'sqlite') {
  // A database of its own unless one is named: dropped at the end, also when the run fails.
  const throwaway = postgresUrl ? undefined : await createTestDatabase();
  try {
    const pg = await openStore(postgresUrl || (throwaway as { url: string }).url, {});
    if (!(reuse && postgresUrl)) await ingestTimed(pg, 'postgres');
    releaseJourneys();
    await benchStore('postgres', pg);
    await pg.close();
  } finally {
    await throwaway?.drop();
  }
}
