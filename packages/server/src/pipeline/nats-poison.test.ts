/**
 * Poison events in the scale-out pipeline, over a real collector, a real worker, NATS and PostgreSQL.
 * Events PostgreSQL refuses (NUL, a lone surrogate, a timestamp out of its range) share worker batches
 * with good ones: every good event lands exactly once, each bad one is accounted for (rejected at the
 * edge with a code, or dead-lettered with a warning and the counter), the worker's `/ready` and lag show
 * the stuck event meanwhile, and nothing stays stuck.
 *
 * The crafted messages are published straight into the stream, bypassing the collector's validation, so
 * the worker's side is proven whatever the edge lets through.
 */
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { startKin } from '../main.ts';
import { memoryLogger } from '../ports/logger.ts';
import { testNatsUrl, until } from '../testing/nats-test-server.ts';
import { pipelineResources, pipelineServicesAvailable } from '../testing/pipeline-services.ts';
import type { EventMessage } from './nats-stream.ts';
import { subjectOf } from './nats-stream.ts';
import { startKinWorker } from './nats-worker-process.ts';
import { startTcpProxy } from '../testing/tcp-proxy.ts';

const ADMIN = 'poison-admin-token-0123456789';
const WRITE_KEY = 'poison-write-key-0001';
const METRICS = 'poison-metrics-token-01234';
const MAX_DELIVERIES = 3;

const basic = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
const post = (url: string, batch: unknown[]) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify({ batch }),
    headers: { 'content-type': 'application/json', authorization: basic },
  });
const goodEvents = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: i % 3 === 0 ? 'identify' : 'track',
    event: 'Viewed',
    messageId: `${prefix}-${i}`,
    anonymousId: `${prefix}-anon-${i % 5}`,
    ...(i % 3 === 0 ? { userId: `${prefix}-user-${i % 5}`, traits: { plan: 'pro' } } : {}),
    timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  }));

if (await pipelineServicesAvailable('pipeline poison events')) {
  describe('pipeline poison events', () => {
    const { cleanups, database, streams, kinEnv } = pipelineResources();

    it('bisects a batch, applies every good event once, dead-letters each bad one with a warning and the counter; /ready and lag show it meanwhile', async () => {
      const kin = await kinEnv();
      const names = kin.names;
      const env = { ...kin.env, KIN_METRICS_TOKEN: METRICS };
      const collector = await startKin({
        config: parseConfig({ ...env, KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `web:${WRITE_KEY}` }),
        role: 'collector',
        logger: memoryLogger(),
      });
      cleanups.push(() => collector.close());

      // Good events before the poison, so that the worker meets both in its first batch.
      const before = goodEvents('before', 40);
      expect((await post(collector.url, before)).status).toBe(200);

      // Crafted poison, straight into the stream: shaped like what the collector publishes.
      const nc = await connect({ servers: testNatsUrl() });
      cleanups.push(() => nc.close());
      const js = nc.jetstream();
      const jsm = await nc.jetstreamManager();
      const template = JSON.parse(
        new TextDecoder().decode((await jsm.streams.getMessage(names.nats.stream, { seq: 1 })).data),
      ) as EventMessage;
      const sourceId = template.sourceId;
      const crafted: Array<EventMessage['event']> = [
        { ...template.event, type: 'identify', messageId: 'poison-nul', userId: 'before-user-0', traits: { 'nick\u0000name': 'x' } },
        { ...template.event, type: 'track', event: 'Viewed', messageId: 'poison-surrogate', properties: { label: 'broken \ud800 half' } },
        { ...template.event, type: 'track', event: 'Viewed', messageId: 'poison-time', timestamp: '-271821-04-20T00:00:00.000Z' },
      ];
      for (const event of crafted) await js.publish(subjectOf(names.nats, sourceId), JSON.stringify({ sourceId, event }));
      await js.publish(subjectOf(names.nats, sourceId), 'not json at all');
      // A repeat of a good event in the same batch, past JetStream's duplicate window (another msgID): the
      // messageId claims must keep it from being applied twice, however the batch is split.
      const repeated = (await jsm.streams.getMessage(names.nats.stream, { seq: 6 })).data;
      await js.publish(subjectOf(names.nats, sourceId), repeated, { msgID: 'repeat-of-seq-6' });

      // More good events after them, and poison through the HTTP edge (rejected there, or dead-lettered).
      const after = goodEvents('after', 40);
      expect((await post(collector.url, after)).status).toBe(200);
      const edgePoison = [
        { type: 'identify', messageId: 'edge-nul', userId: 'edge\u0000user', traits: { plan: 'free' } },
        { type: 'track', event: 'Viewed', messageId: 'edge-surrogate', anonymousId: 'edge-anon', properties: { label: '\udc00 alone' } },
        { type: 'track', event: 'Viewed', messageId: 'edge-time', anonymousId: 'edge-anon', timestamp: -8.64e15 },
      ];
      const edgeGood = goodEvents('edge-good', 6);
      const mixed = await post(collector.url, [...edgeGood.slice(0, 3), ...edgePoison, ...edgeGood.slice(3)]);
      expect(mixed.status).toBe(200);
      const mixedBody = (await mixed.json()) as { accepted: number; rejected?: Array<{ index: number; code: string }> };
      const rejectedAtEdge = new Set((mixedBody.rejected ?? []).map((r) => edgePoison[r.index - 3]?.messageId));
      for (const r of mixedBody.rejected ?? []) expect(r.code).toMatch(/^[a-z_]+$/);
      expect([...rejectedAtEdge].every((id) => id !== undefined)).toBe(true);

      // The worker starts with all of it waiting: one batch holds good and bad events.
      const logger = memoryLogger();
      const worker = await startKinWorker({ config: parseConfig({ ...env, KIN_WORKER_MAX_DELIVERIES: String(MAX_DELIVERIES) }), logger });
      cleanups.push(() => worker.close());
      const scrape = async () => (await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text();
      const good = before.length + after.length + edgeGood.length;
      const seenWhileStuck: Array<{ reason: string; lag: number | undefined }> = [];
      await until(async () => {
        const ready = await fetch(`${worker.url}/ready`);
        if (ready.status === 503)
          seenWhileStuck.push({ reason: ((await ready.json()) as { reason: string }).reason, lag: await worker.pipeline.worker!.lag() });
        return (
          (await collector.store.stats()).events === good &&
          (await jsm.streams.info(names.nats.dlqStream)).state.messages >= 4 &&
          ready.status === 200
        );
      }, 60_000);

      // Every good event landed exactly once, the good ones sharing a profile with a bad one included.
      expect((await collector.store.stats()).events).toBe(good);
      const profileId = await collector.store.findProfileIdByIdentifier({ type: 'user_id', value: 'before-user-0' });
      const timeline = await collector.store.listProfileEvents(profileId!, { limit: 100 });
      expect(timeline.data.map((e) => e.messageId).sort()).toEqual(
        before
          .filter((e) => e.anonymousId === 'before-anon-0')
          .map((e) => e.messageId)
          .sort(),
      );

      // Each bad event is accounted for: rejected at the edge, or parked with its code, a warning and the counter.
      const dlq = await jsm.streams.info(names.nats.dlqStream);
      const parked: Array<{ messageId: string | undefined; code: string; deliveries: string }> = [];
      for (let seq = dlq.state.first_seq; seq <= dlq.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(names.nats.dlqStream, { seq });
        let messageId: string | undefined;
        try {
          messageId = m.json<EventMessage>().event.messageId;
        } catch {
          messageId = undefined;
        }
        parked.push({ messageId, code: m.header.get('Kin-Error-Code'), deliveries: m.header.get('Kin-Deliveries') });
      }
      const expectedParked = [
        'poison-nul',
        'poison-surrogate',
        'poison-time',
        ...edgePoison.map((e) => e.messageId).filter((id) => !rejectedAtEdge.has(id)),
      ];
      expect(parked.map((p) => p.messageId ?? 'undecodable').sort()).toEqual([...expectedParked, 'undecodable'].sort());
      for (const p of parked) {
        if (p.messageId) {
          expect(p.code, p.messageId).toMatch(/^22/);
          expect(p.deliveries).toBe(String(MAX_DELIVERIES));
        } else expect(p.code).toBe('undecodable');
      }
      const warnings = (await collector.store.listWarnings({ kind: 'dead_letter', limit: 100 })).data;
      expect(warnings.map((w) => w.messageId ?? 'undecodable').sort()).toEqual([...expectedParked, 'undecodable'].sort());
      expect(warnings.every((w) => w.sourceId === undefined || w.sourceId === sourceId)).toBe(true);

      const metrics = await scrape();
      const count = (outcome: string) =>
        [...metrics.matchAll(new RegExp(`^kin_worker_failed_events_total\\{code="([^"]+)",outcome="${outcome}"\\} (\\d+)`, 'gm'))].reduce(
          (sum, m) => sum + Number(m[2]),
          0,
        );
      expect(count('dead_lettered')).toBe(expectedParked.length + 1);
      // Each refused event was redelivered MAX_DELIVERIES - 1 times before it was parked.
      expect(count('redelivered')).toBe(expectedParked.length * (MAX_DELIVERIES - 1));

      // While stuck: /ready said why, and the lag counted the unacknowledged event.
      expect(seenWhileStuck.length).toBeGreaterThan(0);
      expect(seenWhileStuck[0]!.reason).toMatch(/refused by the store .*dead-lettered after 3 deliveries/);
      expect(seenWhileStuck.some((s) => (s.lag ?? 0) > 0)).toBe(true);
      // Nothing stuck now: ready, no lag; no value of a poison event reached the log.
      expect(await worker.pipeline.worker!.lag()).toBe(0);
      expect((await fetch(`${worker.url}/ready`)).status).toBe(200);
      const logged = logger.lines.join('\n');
      expect(logged).not.toContain('nick');
      expect(logged).not.toContain('broken');
      expect(logged).toContain('an event was dead-lettered');
    });

    it("PostgreSQL lost mid-stream is no event's fault: the whole batch is retried, nothing is dead-lettered, everything lands", async () => {
      const db = await database();
      const names = streams();
      const target = new URL(db.url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(db.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const env = { PORT: '0', KIN_HOST: '127.0.0.1', KIN_PIPELINE: testNatsUrl(), KIN_METRICS_TOKEN: METRICS, ...names.env };
      const collector = await startKin({
        config: parseConfig({ ...env, KIN_DB: db.url, KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `web:${WRITE_KEY}` }),
        role: 'collector',
        logger: memoryLogger(),
      });
      cleanups.push(() => collector.close());
      // One delivery allowed: an event blamed for a failure would be parked at once.
      const workerLog = memoryLogger();
      const worker = await startKinWorker({
        config: parseConfig({ ...env, KIN_DB: viaProxy.toString(), KIN_WORKER_MAX_DELIVERIES: '1' }),
        logger: workerLog,
      });
      cleanups.push(() => worker.close());

      await proxy.cut();
      const events = goodEvents('cut', 60);
      expect((await post(collector.url, events)).status).toBe(200);
      let notReady = '';
      await until(async () => {
        const ready = await fetch(`${worker.url}/ready`);
        if (ready.status === 503) notReady = ((await ready.json()) as { reason: string }).reason;
        return notReady !== '' && ((await worker.pipeline.worker!.lag()) ?? 0) > 0;
      });
      expect(notReady).toBe('the store does not answer');
      // The worker fails batches against the cut store (twice: redelivered ones too) before it comes back.
      await until(async () => workerLog.lines.filter((line) => line.includes('applying a batch failed')).length >= 2);
      await proxy.restore();
      await until(async () => (await collector.store.stats()).events === events.length);

      expect((await collector.store.stats()).events).toBe(events.length);
      expect((await collector.store.listWarnings({ kind: 'dead_letter', limit: 10 })).data).toEqual([]);
      const nc = await connect({ servers: testNatsUrl() });
      cleanups.push(() => nc.close());
      expect((await (await nc.jetstreamManager()).streams.info(names.nats.dlqStream)).state.messages).toBe(0);
      const metrics = await (await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text();
      expect(metrics).not.toMatch(/^kin_worker_failed_events_total\{/m);
      await until(async () => (await fetch(`${worker.url}/ready`)).status === 200);
    });
  });
}
