/**
 * The edge's rate limit and IP policy in pipeline mode: a real collector (with its worker) over PostgreSQL
 * and NATS JetStream counts a write key's events itself (per collector: docs/rate-limits.md) and publishes
 * only the events that fit, with `context.ip` already truncated, so the worker stores the cut address.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../ports/clock.ts';
import { until } from '../testing/nats-test-server.ts';
import { startPipelineKin } from '../testing/pipeline-kin.ts';
import { pipelineResources, pipelineServicesAvailable } from '../testing/pipeline-services.ts';

const WRITE_KEY = 'limits-pipeline-write-key-01';
const ADMIN = 'limits-pipeline-admin-token-0123';

if (await pipelineServicesAvailable('rate limits and IP policy in collect mode')) {
  describe('rate limits and IP policy in collect mode', () => {
    const resources = pipelineResources();

    it('the collector refuses the events over the limit per item, then whole requests with 429; stored events hold the truncated ip', async () => {
      // 10 events a second with a 1 s burst (a bucket of 10), and a clock that stands still: no token comes
      // back between the requests, however slow the publishes are.
      const kin = await startPipelineKin({
        adminToken: ADMIN,
        writeKey: WRITE_KEY,
        resources,
        env: { KIN_RATE_LIMIT_EVENTS_PER_SECOND: '10', KIN_RATE_LIMIT_BURST_SECONDS: '1' },
        clock: fixedClock(new Date()),
      });
      const headers = { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64') };
      const batch = Array.from({ length: 25 }, (_, i) => ({
        type: 'track',
        event: 'Viewed',
        anonymousId: 'pipe-anon',
        messageId: `pipe-${i}`,
        context: { ip: '192.0.2.201' },
      }));

      const res = await fetch(`${kin.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch }), headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"events";q=10;w=1');
      const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number; code: string }> };
      expect(answer.accepted).toBe(10);
      expect(answer.rejected.map((r) => r.code)).toEqual(Array<string>(15).fill('rate_limited'));
      expect(answer.rejected[0]?.index).toBe(10);

      const over = await fetch(`${kin.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch: batch.slice(10) }), headers });
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      // Every refused event is counted: 15 per item, 15 in the refused request.
      const metrics = await (await fetch(`${kin.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      expect(metrics).toContain('kin_rate_limited_total{limit="events"} 30');

      await until(async () => (await kin.store.stats()).events === 10);
      const events = (await (
        await fetch(`${kin.url}/v1/profiles/anonymous_id:pipe-anon/events?limit=50`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json()) as {
        data: Array<{ context?: { ip?: string } }>;
      };
      expect(events.data).toHaveLength(10);
      expect(new Set(events.data.map((e) => e.context?.ip))).toEqual(new Set(['192.0.2.0']));
    });
  });
}
