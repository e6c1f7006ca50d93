/**
 * Collect mode answers poison items exactly as the embedded mode does (the same edge validation), so
 * nothing a store cannot keep ever reaches JetStream: a real collector + worker over PostgreSQL and NATS,
 * the shared poison batch of `testing/edge-cases.ts`, and every good item stored by the worker.
 */
import { describe, expect, it } from 'vitest';
import { EDGE_CASES, edgeBatchBody } from '../testing/edge-cases.ts';
import { until } from '../testing/nats-test-server.ts';
import { startPipelineKin } from '../testing/pipeline-kin.ts';
import { pipelineResources, pipelineServicesAvailable } from '../testing/pipeline-services.ts';

const WRITE_KEY = 'edge-pipeline-write-key-01';
const ADMIN = 'edge-pipeline-admin-token-0123';

if (await pipelineServicesAvailable('edge rejections in collect mode')) {
  describe('edge rejections in collect mode', () => {
    const resources = pipelineResources();

    it('rejects the poison items per item, publishes only the good ones, and the worker stores them all', async () => {
      const kin = await startPipelineKin({ adminToken: ADMIN, writeKey: WRITE_KEY, resources });

      const headers = { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64') };
      const res = await fetch(`${kin.url}/v1/batch`, {
        method: 'POST',
        body: JSON.stringify(edgeBatchBody('nats')),
        headers,
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number; code: string; field: string }> };
      expect(answer.rejected.map(({ index, code, field }) => ({ index, code, field }))).toEqual(
        EDGE_CASES.map((c, i) => ({ index: 2 * i + 1, code: c.code, field: `batch[${2 * i + 1}].${c.field}` })),
      );
      const good = EDGE_CASES.length + 1;
      expect(answer.accepted).toBe(good);
      await until(async () => (await kin.store.stats()).events === good);
      expect((await fetch(`${kin.url}/ready`)).status).toBe(200);

      // A trait named __proto__ survives JetStream, the worker and PostgreSQL, and is shown as a trait.
      const proto = await fetch(`${kin.url}/v1/identify`, {
        method: 'POST',
        body: '{"userId":"nats-proto","traits":{"__proto__":"x"}}',
        headers,
      });
      expect(proto.status).toBe(200);
      await until(async () => (await kin.store.stats()).events === good + 1);
      const profile = (await (
        await fetch(`${kin.url}/v1/profiles/user_id:nats-proto`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json()) as { traits: object };
      expect(Object.getOwnPropertyDescriptor(profile.traits, '__proto__')?.value).toBe('x');
    });
  });
}
