/**
 * Collect mode answers poison items exactly as the embedded mode does (the same edge validation), so
 * nothing a store cannot keep ever reaches JetStream: a real collector + worker over PostgreSQL and NATS,
 * the shared poison batch of `testing/edge-cases.ts`, and every good item stored by the worker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { EDGE_CASES, edgeBatchBody } from '../testing/edge-cases.ts';
import { testNatsStatus } from '../testing/nats-test-server.ts';
import { startPipelineKin } from '../testing/pipeline-kin.ts';

const [pgStatus, natsStatus] = await Promise.all([testPostgresStatus(), testNatsStatus()]);
const reason = !pgStatus.ok ? pgStatus.reason : !natsStatus.ok ? natsStatus.reason : undefined;
const WRITE_KEY = 'edge-pipeline-write-key-01';
const ADMIN = 'edge-pipeline-admin-token-0123';

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (reason && servicesRequired()) {
  describe('edge rejections in collect mode', () => {
    it('needs PostgreSQL and NATS (KIN_REQUIRE_SERVICES is set)', () => {
      throw new Error(reason);
    });
  });
} else if (reason) {
  describe.skip(`edge rejections in collect mode (skipped: ${reason})`, () => {
    it('needs PostgreSQL and NATS', () => undefined);
  });
} else {
  describe('edge rejections in collect mode', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    });

    it('rejects the poison items per item, publishes only the good ones, and the worker stores them all', async () => {
      const kin = await startPipelineKin({ adminToken: ADMIN, writeKey: WRITE_KEY, cleanups });

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
