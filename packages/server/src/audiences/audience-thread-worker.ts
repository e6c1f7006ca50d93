/**
 * The body of the evaluator thread (see audience-thread.ts): `createAudienceEngine` over a store of its own
 * (a SQLite connection to the same file, or a small PostgreSQL pool), answering the HTTP thread's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../ports/clock.ts';
import { createJsonLogger } from '../ports/logger.ts';
import { isPostgresUrl, storeTuning } from '../storage/store-open.ts';
import type { Store } from '../storage/storage.ts';
import { threadData } from '../thread-start.ts';
import { createAudienceEngine } from './audience-engine.ts';
import type { AudienceThreadData, FromEvaluator, ToEvaluator } from './audience-thread.ts';

const port = parentPort!;
const data = threadData<AudienceThreadData>(workerData);

/** The store, already migrated by the starting thread. */
async function openEvaluatorStore(db: string): Promise<Store> {
  if (isPostgresUrl(db)) return (await import('../storage/postgres/postgres-store.ts')).createPostgresStore({ url: db, poolSize: 3 });
  return (await import('../storage/sqlite/sqlite-store.ts')).createSqliteStore({
    path: db,
    checkpoint: 'external',
    ...storeTuning(data.tuning),
  });
}

/**
 * Pause after a turn, as a share of its duration. Why less than on the HTTP thread: here a turn holds no
 * request's loop; the pause only leaves the cores to the HTTP and writer threads under a burst.
 */
const THREAD_DUTY_PAUSE = 0.25;

const store = await openEvaluatorStore(data.db);
const engine = createAudienceEngine({ store, clock: systemClock, logger: createJsonLogger(), dutyPause: THREAD_DUTY_PAUSE });
engine.start();

async function handle(message: ToEvaluator): Promise<void> {
  if (message.op === 'profilesChanged') return engine.profilesChanged(message.ids);
  if (message.op === 'definitionsChanged') return engine.definitionsChanged();
  if (message.op === 'drain') return engine.drain();
  await engine.stop();
  await store.close();
}

port.on('message', (message: ToEvaluator) => {
  handle(message).then(
    () => port.postMessage({ id: message.id, pending: engine.pending() } satisfies FromEvaluator),
    (error: unknown) =>
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies FromEvaluator),
  );
});
