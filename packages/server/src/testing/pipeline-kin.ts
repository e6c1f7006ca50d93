/**
 * A Kin in collect mode for service tests: collector and worker over a fresh PostgreSQL database and
 * JetStream stream names of its own, with a known admin token and one write key (`web`). The caller runs
 * the returned cleanups (the server, the stream, the database) in reverse order.
 */
import { parseConfig } from '../config.ts';
import type { RunningKin } from '../main.ts';
import { startKin } from '../main.ts';
import type { Clock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import { createTestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { deleteTestStream, testNatsUrl, testStreamNames } from './nats-test-server.ts';

/** Starts collector + worker; pushes a cleanup for each thing it created onto `cleanups`. */
export async function startPipelineKin(options: {
  adminToken: string;
  writeKey: string;
  cleanups: Array<() => Promise<void>>;
  env?: Record<string, string>;
  clock?: Clock;
}): Promise<RunningKin> {
  const { cleanups } = options;
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const names = testStreamNames();
  cleanups.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
  const config = parseConfig({
    PORT: '0',
    KIN_HOST: '127.0.0.1',
    KIN_DB: db.url,
    KIN_ADMIN_TOKEN: options.adminToken,
    KIN_WRITE_KEYS: `web:${options.writeKey}`,
    KIN_PIPELINE: testNatsUrl(),
    ...names.env,
    ...options.env,
  });
  const kin = await startKin({ config, logger: memoryLogger(), ...(options.clock ? { clock: options.clock } : {}) });
  cleanups.push(() => kin.close());
  return kin;
}
