/**
 * Scale-out, end to end, with real processes: 2 `kin collect` and 3 `kin worker` against the local NATS
 * (a stream of the test's own) and a fresh PostgreSQL database. The overlap workload is sent to both
 * collectors concurrently; one worker is killed with SIGKILL mid-run and started again. The final state
 * (each profile as its set of identifiers, its event count and its traits) must equal what the embedded
 * single process (SQLite) makes of the same events: nothing lost, nothing doubled.
 *
 * Why the comparison is fair although three workers apply events in another order than one process: the
 * workload (testing/overlap-workload.ts) only uses what the resolver promises is order independent — no
 * identifier shared between persons, at most one user_id and at most five identifiers of a type per
 * person (no limit is hit), no alias, and traits that are last-write-wins by event time with tombstones,
 * every event at its own time.
 *
 * Size: KIN_E2E_PIPELINE_EVENTS (default 20,000 for a quick local `npm test`; `.ci/run` sets 200,000, the
 * size the issue asks for, which takes about 3 minutes on a 2-core box).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { startKin } from '../main.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { deleteTestStream, testNatsStatus, testNatsUrl, testStreamNames } from '../testing/nats-test-server.ts';
import { buildOverlapWorkload } from '../testing/overlap-workload.ts';
import type { KinProcess } from '../testing/pipeline-process.ts';
import { startKinProcess } from '../testing/pipeline-process.ts';
import { storeState } from '../testing/store-state.ts';
import { sendBatches, toBatches } from '../testing/workload-send.ts';

const EVENTS = Number(process.env.KIN_E2E_PIPELINE_EVENTS ?? 20_000);
const ADMIN = 'scale-admin-token-0123456789';
const KEYS = { web: 'scale-web-key-0001', app: 'scale-app-key-0001' } as const;
const WRITE_KEYS = `web:${KEYS.web},app:${KEYS.app}`;

const [pgStatus, natsStatus] = await Promise.all([testPostgresStatus(), testNatsStatus()]);
const reason = !pgStatus.ok ? pgStatus.reason : !natsStatus.ok ? natsStatus.reason : undefined;

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

if (reason && servicesRequired()) {
  describe('scale-out e2e', () => {
    it('needs PostgreSQL and NATS (KIN_REQUIRE_SERVICES is set)', () => {
      throw new Error(reason);
    });
  });
} else if (reason) {
  describe.skip(`scale-out e2e (skipped: ${reason})`, () => {
    it('needs PostgreSQL and NATS', () => undefined);
  });
} else {
  describe('scale-out e2e', () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    });

    it(
      `2 collectors and 3 workers (one killed with SIGKILL and restarted) equal the embedded process on ${EVENTS} events`,
      { timeout: 900_000 },
      async () => {
        const batches = toBatches(
          buildOverlapWorkload({ events: EVENTS, persons: Math.max(50, Math.floor(EVENTS / 15)), seed: 2026 }),
          100,
        );

        // The reference: the embedded single process (SQLite, group commit) over HTTP.
        const dir = mkdtempSync(join(tmpdir(), 'kin-scale-'));
        cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
        const embedded = await startKin({
          config: parseConfig({
            PORT: '0',
            KIN_HOST: '127.0.0.1',
            KIN_DB: join(dir, 'kin.db'),
            KIN_ADMIN_TOKEN: ADMIN,
            KIN_WRITE_KEYS: WRITE_KEYS,
          }),
          logger: memoryLogger(),
        });
        await sendBatches({ urls: [embedded.url], batches, writeKeys: KEYS, concurrency: 4 });
        const expected = await storeState(embedded.store);
        await embedded.close();
        expect(expected.events).toBe(EVENTS);

        // The scale-out deployment.
        const db = await createTestDatabase();
        cleanups.push(() => db.drop());
        const names = testStreamNames();
        cleanups.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
        const env = { KIN_DB: db.url, KIN_PIPELINE: testNatsUrl(), KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: WRITE_KEYS, ...names.env };
        const processes: KinProcess[] = [];
        const start = async (command: 'collect' | 'worker') => {
          const p = await startKinProcess(command, [], env);
          processes.push(p);
          cleanups.push(() => p.kill());
          return p;
        };
        // One collector first: it migrates and declares the write keys; the others find them.
        const collectors = [await start('collect')];
        collectors.push(await start('collect'));
        const workers = await Promise.all([start('worker'), start('worker'), start('worker')]);

        let killed: Promise<void> | undefined;
        const { retries } = await sendBatches({
          urls: collectors.map((c) => c.url),
          batches,
          writeKeys: KEYS,
          concurrency: 4,
          onProgress: (sent) => {
            if (killed || sent < EVENTS * 0.4) return;
            // Mid-run: kill one worker outright (its batch in hand is neither committed nor acked), then restart it.
            killed = (async () => {
              expect(await workers[1]!.kill()).toBeNull();
              await new Promise((resolve) => setTimeout(resolve, 500));
              workers[1] = await start('worker');
            })();
          },
        });
        await killed;
        expect(retries).toBe(0);

        const store = await openPostgresStore({ url: db.url, poolSize: 2 });
        cleanups.push(() => store.close());
        // Redelivery of the killed worker's batch waits for the ack wait (10 s in tests). Fails early, with the
        // workers' logs, when nothing moves for 60 s.
        let last = -1;
        let movedAt = Date.now();
        await until(async () => {
          const events = (await store.stats()).events;
          if (events !== last) [last, movedAt] = [events, Date.now()];
          if (Date.now() - movedAt > 60_000) {
            throw new Error(
              `stalled at ${events} of ${EVENTS} events; workers said:\n${workers.map((w) => w.output().slice(-2000)).join('\n---\n')}`,
            );
          }
          return events >= EVENTS;
        }, 600_000);
        // Graceful stop of every process: each drains and exits 0.
        for (const p of [...collectors, ...workers]) expect(await p.stop()).toBe(0);

        const actual = await storeState(store);
        expect(actual.events).toBe(EVENTS);
        expect(actual.profiles.length).toBe(expected.profiles.length);
        expect(actual).toEqual(expected);
        // A killed worker, redeliveries and deadlocks are no event's fault: nothing was dead-lettered.
        expect((await store.listWarnings({ kind: 'dead_letter', limit: 1 })).data).toEqual([]);
      },
    );
  });
}
