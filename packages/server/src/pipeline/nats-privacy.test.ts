/**
 * Privacy in pipeline mode (issue 18's proof): a suppression sent to one collector blocks the person's
 * anonymous-id-only events at another collector within 1 s, and a collector whose privacy list cannot be
 * read refuses events with 503 (fails closed), then comes back with the list whole.
 */
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import type { PrivacyRequest } from '@kin/core';
import { parseConfig } from '../config.ts';
import { startKin } from '../main.ts';
import { memoryLogger } from '../ports/logger.ts';
import { testNatsUrl, until } from '../testing/nats-test-server.ts';
import { pipelineResources, pipelineServicesAvailable } from '../testing/pipeline-services.ts';
import { privacyBucketOf } from './nats-privacy-list.ts';
import { startKinWorker } from './nats-worker-process.ts';

const ADMIN = 'privacy-admin-token-0123456789';
const WRITE_KEY = 'privacy-write-key-0001';
const basic = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
const track = (url: string, body: unknown) =>
  fetch(`${url}/v1/track`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: basic },
  });

if (await pipelineServicesAvailable('privacy in pipeline mode')) {
  describe('privacy in pipeline mode', () => {
    const { cleanups, kinEnv } = pipelineResources();
    /** The variables of a Kin of this suite, with the privacy secret, over a database and streams of its own. */
    const privacyEnv = async () => {
      const { names, env } = await kinEnv();
      return {
        names,
        env: { ...env, KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `web:${WRITE_KEY}`, KIN_PRIVACY_SECRET: 'privacy-secret-of-the-test-0123' },
      };
    };

    it('suppress on one collector blocks the person at another within 1 s; an unreadable list answers 503', async () => {
      const { names, env } = await privacyEnv();
      const bucket = privacyBucketOf(names.nats.stream);
      const config = parseConfig(env);
      const a = await startKin({ config, logger: memoryLogger() });
      cleanups.push(() => a.close());
      const bLog = memoryLogger();
      const b = await startKin({ config, role: 'collector', logger: bLog });
      cleanups.push(() => b.close());

      expect(
        (await track(a.url, { anonymousId: 'sup-anon', event: 'Signed up', context: { traits: { email: 'sup@example.com' } } })).status,
      ).toBe(200);
      await until(async () => (await a.store.findProfileIdByIdentifier({ type: 'email', value: 'sup@example.com' })) !== undefined);

      const res = await fetch(`${a.url}/v1/privacy/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'suppress', subject: { ref: 'email:sup@example.com' } }),
      });
      expect(res.status).toBe(202);
      const sent = Date.now();
      const { id } = (await res.json()) as PrivacyRequest;
      // The same person's anonymous-id-only events, at the other collector.
      let n = 0;
      await until(
        async () =>
          (
            (await (await track(b.url, { anonymousId: 'sup-anon', event: 'Viewed', messageId: `v-${++n}` })).json()) as {
              suppressed: number;
            }
          ).suppressed === 1,
        5_000,
      );
      const blockedAfter = Date.now() - sent;
      console.log(`privacy pipeline: suppression effective at the other collector after ${blockedAfter} ms`);
      expect(blockedAfter).toBeLessThan(1_000);
      const request = (await (
        await fetch(`${b.url}/v1/privacy/requests/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json()) as PrivacyRequest;
      expect(request.status).toBe('completed');
      // Someone else still gets through.
      expect(await (await track(b.url, { anonymousId: 'other-anon', event: 'Viewed' })).json()).toMatchObject({
        accepted: 1,
        suppressed: 0,
      });

      // The bucket goes away: the collectors cannot read the list and refuse events rather than guess.
      const nc = await connect({ servers: testNatsUrl() });
      cleanups.push(() => nc.close());
      await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`);
      let refused: Response | undefined;
      await until(async () => {
        refused = await track(b.url, { anonymousId: 'other-anon', event: 'Viewed' });
        return refused.status === 503;
      }, 5_000);
      expect(((await refused!.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'service_unavailable',
        message: expect.stringContaining('privacy list'),
      });
      expect(refused!.headers.get('retry-after')).toBe('5');

      // It comes back by itself, refilled from the store: the suppression still holds.
      await until(async () => (await track(b.url, { anonymousId: 'other-anon', event: 'Viewed' })).status === 200, 10_000);
      expect(await (await track(b.url, { anonymousId: 'sup-anon', event: 'Viewed' })).json()).toMatchObject({ accepted: 0, suppressed: 1 });
      expect(bLog.lines.join('\n')).not.toContain('sup@example.com');
    });

    it('a worker drops events published before their person was deleted', async () => {
      const { env } = await privacyEnv();
      // A collector alone: the events wait in the stream.
      const collector = await startKin({ config: parseConfig(env), role: 'collector', logger: memoryLogger() });
      cleanups.push(() => collector.close());
      expect(
        await (
          await track(collector.url, { anonymousId: 'race-anon', event: 'Viewed', context: { traits: { email: 'race@example.com' } } })
        ).json(),
      ).toMatchObject({ accepted: 1 });
      expect(await (await track(collector.url, { anonymousId: 'calm-anon', event: 'Viewed' })).json()).toMatchObject({ accepted: 1 });
      const res = await fetch(`${collector.url}/v1/privacy/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'delete', subject: { ref: 'email:race@example.com' } }),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as PrivacyRequest;
      await until(async () => (await collector.store.privacy!.findRequest(id))?.status === 'completed');

      const worker = await startKinWorker({ config: parseConfig({ ...env, KIN_ADMIN_TOKEN: '' }), logger: memoryLogger() });
      cleanups.push(() => worker.close());
      await until(
        async () => (await collector.store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'calm-anon' })) !== undefined,
      );
      expect(await collector.store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'race-anon' })).toBeUndefined();
      expect(await collector.store.findProfileIdByIdentifier({ type: 'email', value: 'race@example.com' })).toBeUndefined();
      expect(await collector.store.privacy!.suppressedEvents()).toBe(1);
      expect((await collector.store.stats()).events).toBe(1);
    });
  });
}
