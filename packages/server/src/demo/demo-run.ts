/**
 * `kin demo`: a fresh Kin with the dashboard, six sources and the synthetic shop ingested through the
 * real HTTP API (500-event batches, so validation, de-duplication, resolution and warnings all run as
 * in production). Then a trickle of live events keeps the overview moving until `stop()`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseConfig } from '../config.ts';
import { ensureDashboardBuilt, mountWebAssets } from '../http/web-assets.ts';
import { newSecret } from '../http/secret-compare.ts';
import type { RunningKin } from '../main.ts';
import { startKin } from '../main.ts';
import type { Logger } from '../ports/logger.ts';
import type { DemoEvent, DemoSource } from './demo-data.ts';
import { DEMO_POLICY, DEMO_SOURCES, generateDemoData } from './demo-data.ts';
import { generateLiveEvents } from './demo-data-live.ts';
import { generateJourneys } from './journey-data.ts';

/** Options of `runDemo`. */
export interface DemoRunOptions {
  port: number;
  host?: string;
  db: string;
  seed: number;
  shoppers: number;
  /** Milliseconds between live ticks; 0 turns live events off. */
  liveEveryMs: number;
  logger?: Logger;
  progress?: (line: string) => void;
}

/** A running demo. */
export interface RunningDemo {
  kin: RunningKin;
  adminToken: string;
  /** The file holding the admin token and the write keys (see `demoCredentialsPath`). */
  credentialsFile: string;
  writeKeys: Record<DemoSource, string>;
  accepted: number;
  rejected: number;
  stop(): Promise<void>;
}

const BATCH = 500;

/** Where the demo keeps its admin token and write keys (mode 0600): beside its database. */
export function demoCredentialsPath(db: string): string {
  return `${resolve(db)}.credentials.json`;
}

/** Starts the demo (fresh database at `db`) and ingests the data set. */
export async function runDemo(options: DemoRunOptions): Promise<RunningDemo> {
  const progress = options.progress ?? (() => undefined);
  const db = resolve(options.db);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(db + suffix, { force: true });
  mkdirSync(dirname(db), { recursive: true });
  const adminToken = newSecret('kin_admin_');
  const config = parseConfig({ KIN_HOST: options.host ?? '0.0.0.0' }, { port: String(options.port), db });
  const dashboard = ensureDashboardBuilt({ log: progress });
  // The demo's policy ranks trait sources: a CRM row with a mistyped email never replaces the login email.
  const policyFile = `${db}.policy.json`;
  writeFileSync(policyFile, `${JSON.stringify(DEMO_POLICY, null, 2)}\n`);
  // Why a file of its own: the sign-in page says where the token is kept, and the demo must not overwrite the
  // credentials of a Kin that runs on ./.kin/kin.db beside it.
  const credentialsFile = demoCredentialsPath(db);
  const kin = await startKin({
    config: { ...config, adminToken, policyFile },
    extra: mountWebAssets,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(kin.url + path, {
      ...init,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });

  const writeKeys = {} as Record<DemoSource, string>;
  for (const name of DEMO_SOURCES) {
    const res = await api('/v1/sources', { method: 'POST', body: JSON.stringify({ name }) });
    if (res.status !== 201) throw new Error(`creating source ${name} answered ${res.status}`);
    writeKeys[name] = ((await res.json()) as { writeKey: string }).writeKey;
  }
  writeFileSync(credentialsFile, `${JSON.stringify({ adminToken, writeKeys }, null, 2)}\n`, { mode: 0o600 });
  const send = async (source: DemoSource, batch: Array<Record<string, unknown>>) => {
    const res = await fetch(kin.url + '/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${writeKeys[source]}:`).toString('base64') },
      body: JSON.stringify({ batch }),
    });
    const body = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: unknown[] };
    if (res.status >= 500) throw new Error(`ingestion answered ${res.status}`);
    return { accepted: body.accepted ?? 0, rejected: body.rejected?.length ?? batch.length };
  };

  const data = generateDemoData({ seed: options.seed, shoppers: options.shoppers, now: new Date() });
  // Journeys for the Journeys pages (campaigns, web browsing, app purchases; docs/analytics.md), ending well before now.
  const journeys = generateJourneys({
    seed: options.seed,
    shoppers: Math.ceil(options.shoppers / 2),
    start: new Date(Date.now() - 45 * 86_400_000),
    days: 20,
  });
  data.events = [...data.events, ...journeys.events.map(({ source, event }) => ({ source, event }))].sort((a, b) =>
    String(a.event['timestamp']).localeCompare(String(b.event['timestamp'])),
  );
  progress(
    `Ingesting ${data.events.length.toLocaleString('en-US')} events from ${data.shoppers.toLocaleString('en-US')} shoppers across ${DEMO_SOURCES.join(', ')}…`,
  );
  let accepted = 0;
  let rejected = 0;
  // Why windows in time order: resolution depends on arrival order; each 500-event window goes out per source.
  for (let i = 0; i < data.events.length; i += BATCH) {
    const bySource = new Map<DemoSource, Array<Record<string, unknown>>>();
    for (const { source, event } of data.events.slice(i, i + BATCH) as DemoEvent[])
      bySource.set(source, [...(bySource.get(source) ?? []), event]);
    for (const [source, batch] of bySource) {
      const r = await send(source, batch);
      accepted += r.accepted;
      rejected += r.rejected;
    }
  }
  await dashboard.catch((error: unknown) =>
    progress(`The dashboard could not be built: ${error instanceof Error ? error.message : String(error)}`),
  );

  let tick = 0;
  const live =
    options.liveEveryMs > 0
      ? setInterval(() => {
          const events = generateLiveEvents({ seed: options.seed, tick: tick++, shoppers: data.shoppers, now: new Date() });
          const bySource = new Map<DemoSource, Array<Record<string, unknown>>>();
          for (const { source, event } of events) bySource.set(source, [...(bySource.get(source) ?? []), event]);
          for (const [source, batch] of bySource) send(source, batch).catch(() => undefined);
        }, options.liveEveryMs)
      : undefined;

  return {
    kin,
    adminToken,
    credentialsFile,
    writeKeys,
    accepted,
    rejected,
    async stop() {
      if (live) clearInterval(live);
      await kin.close();
    },
  };
}
