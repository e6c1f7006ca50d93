/**
 * A second process on one SQLite file: `kin analytics` (a child process, the real bin) answers questions from the
 * file of a serving Kin while that Kin ingests over a real socket. It must neither block nor break ingest (it opens
 * the file read-only, a WAL reader), nor see anything half-written: during ingest every batch is answered 2xx and
 * every question answers; after it, the second process's answers equal the generator's truth and the server's own
 * answers, and the file passes SQLite's integrity check while the server still writes it.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunnelResponse, PathsResponse } from '@kin/core';
import { ATTRIBUTION_MODELS } from '@kin/core';
import { attributionSpec, funnelSpec } from '../analytics/analytics-conformance.ts';
import { generateJourneys, JOURNEY_FUNNEL } from '../demo/journey-data.ts';
import type { JourneySource } from '../demo/journey-data.ts';
import { truthAttribution, truthFunnel, truthPaths } from '../demo/journey-truth.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { runKin } from '../testing/kin-process.ts';

const DAY = 86_400_000;
const journeys = generateJourneys({ seed: 31, shoppers: 400, extraPages: 2, start: new Date(Date.now() - 40 * DAY), days: 20 });
const range = { from: journeys.from, to: journeys.to };
const funnel = { steps: JOURNEY_FUNNEL.map((event) => ({ event })), ...range };
const paths = { node: 'channel_event', steps: 5, exclude: ['identify'], ...range };
const attribution = {
  conversion: { event: 'Order Completed', value: 'properties.total' },
  touchpoints: { dimension: 'channel' },
  models: ATTRIBUTION_MODELS,
  compare: { units: ['profile', 'anonymous_id'] },
  ...range,
};
const KEYS: Record<JourneySource, string> = {
  web: 'second-web-key-0123456',
  ios: 'second-ios-key-0123456',
  email: 'second-email-key-01234',
};

let kin: TestKin;
afterAll(() => kin?.close());

/** `kin analytics KIND --db FILE --body JSON` in a child process: its answer, and how long it took. */
async function askOtherProcess(kind: string, body: unknown): Promise<{ answer: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const result = await runKin(['analytics', kind, '--db', kin.dbPath, '--body', JSON.stringify(body)]);
  if (result.code !== 0) throw new Error(`kin analytics ${kind} exited ${result.code}: ${result.stderr}`);
  return { answer: JSON.parse(result.stdout) as Record<string, unknown>, ms: Date.now() - started };
}

/** POSTs a batch with the source's write key. */
function send(source: JourneySource, events: Array<Record<string, unknown>>): Promise<Response> {
  return fetch(`${kin.url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify({ batch: events }),
    headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${KEYS[source]}:`).toString('base64') },
  });
}

const withoutMeta = (answer: Record<string, unknown>) => ({ ...answer, meta: undefined });

async function ask(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('a second process on the serving SQLite file', () => {
  it('kin analytics answers beside ingest, without blocking it; afterwards the same answers as the server and the truth', async () => {
    kin = await startTestKin({
      env: {
        KIN_WRITE_KEYS: Object.entries(KEYS)
          .map(([name, key]) => `${name}:${key}`)
          .join(','),
      },
    });

    // Batches of up to 100 consecutive events of one source, sent one after the other while questions run beside.
    const batches: Array<{ source: JourneySource; events: Array<Record<string, unknown>> }> = [];
    for (const { source, event } of journeys.events) {
      const last = batches[batches.length - 1];
      if (last && last.source === source && last.events.length < 100) last.events.push(event);
      else batches.push({ source, events: [event] });
    }
    let ingesting = true;
    const latencies: number[] = [];
    const ingest = (async () => {
      try {
        for (const batch of batches) {
          const started = Date.now();
          const res = await send(batch.source, batch.events);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          latencies.push(Date.now() - started);
        }
      } finally {
        ingesting = false;
      }
    })();
    const during: number[] = [];
    while (ingesting) {
      const { answer } = await askOtherProcess('funnel', funnel);
      if (ingesting) during.push((answer as unknown as FunnelResponse).steps[0]?.count ?? -1);
    }
    await ingest;

    // Questions ran while events arrived, and each answered (never an error or a locked file).
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.every((count) => count > 0)).toBe(true);
    // A write blocked by the other process would wait out the 10 s busy timeout (or fail with SQLITE_BUSY).
    expect(Math.max(...latencies)).toBeLessThan(5_000);

    const stitchedFunnel = truthFunnel(journeys, funnelSpec(journeys), 'profile');
    const other = await askOtherProcess('funnel', funnel);
    expect((other.answer as unknown as FunnelResponse).steps).toEqual(stitchedFunnel.steps);
    expect(withoutMeta(other.answer)).toEqual(withoutMeta(await ask('/v1/analytics/funnel', funnel)));

    const otherPaths = (await askOtherProcess('paths', paths)).answer as unknown as PathsResponse;
    const truth = truthPaths(
      journeys,
      { node: 'channel_event', steps: 5, acrossSessions: true, maxEdges: 50, exclude: new Set(['identify']), ...specRange() },
      'profile',
    );
    expect(otherPaths.edges).toEqual(truth.edges);
    expect(withoutMeta(otherPaths as unknown as Record<string, unknown>)).toEqual(withoutMeta(await ask('/v1/analytics/paths', paths)));

    const otherAttribution = (await askOtherProcess('attribution', attribution)).answer;
    const attributionTruth = truthAttribution(journeys, attributionSpec(journeys), 'profile');
    expect((otherAttribution['results'] as Record<string, unknown>)['profile']).toEqual(attributionTruth.models);
    expect(withoutMeta(otherAttribution)).toEqual(withoutMeta(await ask('/v1/analytics/attribution', attribution)));

    // The file is whole while the server still has it open, and the server still takes events afterwards.
    const check = new Database(kin.dbPath, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
    expect((await send('web', [{ type: 'track', event: 'After', anonymousId: 'after-1' }])).status).toBe(200);
  }, 600_000);
});

function specRange() {
  return { fromMs: Date.parse(journeys.from), toMs: Date.parse(journeys.to) };
}
