/**
 * The JetStream pipeline in one process, over real sockets: `serve --pipeline` (collector + worker),
 * readiness and metrics, and backpressure: a collector answers 503 + Retry-After while its NATS is down,
 * loses nothing, and everything resumes when NATS is back (a private nats-server, never the shared one).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import type { RunningKin } from '../main.ts';
import { startKin } from '../main.ts';
import { memoryLogger } from '../ports/logger.ts';
import { natsServerAvailable, startNatsServer, testNatsUrl, testStreamNames, until } from '../testing/nats-test-server.ts';
import { pipelineResources, pipelineServicesAvailable } from '../testing/pipeline-services.ts';
import { startKinWorker } from './nats-worker-process.ts';

const ADMIN = 'pipeline-admin-token-0123456789';
const WRITE_KEY = 'pipeline-write-key-0001';
const METRICS = 'pipeline-metrics-token-01234';

const basic = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: basic },
  });
const batchOf = (prefix: string, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: i % 3 === 0 ? 'identify' : 'track',
    event: 'Viewed',
    messageId: `${prefix}-${i}`,
    anonymousId: `${prefix}-anon-${i % 7}`,
    ...(i % 3 === 0 ? { userId: `${prefix}-user-${i % 7}`, traits: { plan: 'pro' } } : {}),
    timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  })),
});

if (await pipelineServicesAvailable('nats pipeline')) {
  describe('nats pipeline', () => {
    const { cleanups, database, streams } = pipelineResources();
    const configFor = (db: string, pipeline: string, env: Record<string, string>) =>
      parseConfig({
        PORT: '0',
        KIN_HOST: '127.0.0.1',
        KIN_DB: db,
        KIN_ADMIN_TOKEN: ADMIN,
        KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
        KIN_PIPELINE: pipeline,
        KIN_METRICS_TOKEN: METRICS,
        ...env,
      });

    it('serve --pipeline: collects over JetStream, resolves in its worker; ready and metrics', async () => {
      const db = await database();
      const names = streams();
      const kin: RunningKin = await startKin({ config: configFor(db.url, testNatsUrl(), names.env), logger: memoryLogger() });
      cleanups.push(() => kin.close());

      const res = await post(kin.url, batchOf('serve', 30));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: 30, duplicates: 0 });
      // A retried request is dropped by JetStream's duplicate window (msgID = source:messageId).
      expect(await (await post(kin.url, batchOf('serve', 30))).json()).toMatchObject({ accepted: 30, duplicates: 30 });
      await until(async () => (await kin.store.stats()).events === 30);
      expect((await kin.store.stats()).profiles).toBe(7);

      expect((await fetch(`${kin.url}/health`)).status).toBe(200);
      expect((await fetch(`${kin.url}/ready`)).status).toBe(200);
      expect((await fetch(`${kin.url}/metrics`)).status).toBe(401);
      const metrics = await (await fetch(`${kin.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text();
      expect(metrics).toMatch(/kin_events_received_total 60/);
      expect(metrics).toMatch(/kin_events_accepted_total 30/);
      expect(metrics).toMatch(/kin_events_duplicates_total 30/);
      expect(metrics).toMatch(/kin_consumer_lag_messages 0/);
      expect(metrics).toMatch(/kin_resolution_latency_seconds_count 30/);
      expect((await fetch(`${kin.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    });

    it.runIf(natsServerAvailable())('NATS down: the collector answers 503 with Retry-After, loses nothing, and resumes', async () => {
      const db = await database();
      const nats = await startNatsServer();
      cleanups.push(() => nats.destroy());
      const names = testStreamNames();
      const config = configFor(db.url, nats.url, names.env);
      const collector = await startKin({ config, role: 'collector', logger: memoryLogger() });
      cleanups.push(() => collector.close());
      const worker = await startKinWorker({
        config: parseConfig({ PORT: '0', KIN_HOST: '127.0.0.1', KIN_DB: db.url, KIN_PIPELINE: nats.url, ...names.env }),
        logger: memoryLogger(),
      });
      cleanups.push(() => worker.close());

      expect((await post(collector.url, batchOf('before', 20))).status).toBe(200);
      await nats.stop();
      const refused = await post(collector.url, batchOf('during', 20));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
      expect((await fetch(`${collector.url}/ready`)).status).toBe(503);

      await nats.start();
      // The client retries, as SDKs do on 503, until the collector has reconnected.
      await until(async () => (await post(collector.url, batchOf('during', 20))).status === 200);
      expect((await post(collector.url, batchOf('after', 20))).status).toBe(200);
      await until(async () => (await collector.store.stats()).events === 60);
      expect((await collector.store.stats()).events).toBe(60);
      expect((await fetch(`${collector.url}/ready`)).status).toBe(200);
    });
  });
}
