/**
 * The set-up of the pipeline suites (collector + worker over PostgreSQL and NATS JetStream), tests only: the
 * availability check and the databases and streams each suite removes after its tests. A module of its own
 * because it registers suites and hooks (vitest), which the benchmarks that share nats-test-server.ts must not import.
 */
import { afterAll } from 'vitest';
import { servicesAvailable } from '../storage/postgres/postgres-test-store.ts';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { createTestDatabase, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { deleteTestStream, testNatsStatus, testNatsUrl, testStreamNames } from './nats-test-server.ts';

/** Whether PostgreSQL and NATS JetStream both answer; see `servicesAvailable`. */
export function pipelineServicesAvailable(title: string): Promise<boolean> {
  return servicesAvailable(title, 'PostgreSQL and NATS', [testPostgresStatus(), testNatsStatus()]);
}

/** What a pipeline suite created (databases, streams, servers), undone in reverse order after its tests. */
export interface PipelineResources {
  /** Undone after the suite's tests, last first (startPipelineKin pushes its own here). */
  cleanups: Array<() => Promise<void>>;
  /** A fresh PostgreSQL database, dropped after the tests. */
  database: () => Promise<TestDatabase>;
  /** Stream, subject and consumer names of one's own; the stream is deleted after the tests. */
  streams: () => ReturnType<typeof testStreamNames>;
  /**
   * A fresh database and streams, and the variables every Kin of the suite starts from: port 0 on loopback,
   * that database, the shared NATS and those streams.
   */
  kinEnv: () => Promise<{ db: TestDatabase; names: ReturnType<typeof testStreamNames>; env: Record<string, string> }>;
}

/** Call inside a `describe`: registers the `afterAll` that undoes what the suite created. */
export function pipelineResources(): PipelineResources {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  const database = async (): Promise<TestDatabase> => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    return db;
  };
  const streams = (): ReturnType<typeof testStreamNames> => {
    const names = testStreamNames();
    cleanups.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
    return names;
  };
  return {
    cleanups,
    database,
    streams,
    kinEnv: async () => {
      const db = await database();
      const names = streams();
      return { db, names, env: { PORT: '0', KIN_HOST: '127.0.0.1', KIN_DB: db.url, KIN_PIPELINE: testNatsUrl(), ...names.env } };
    },
  };
}
