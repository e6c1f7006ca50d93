/**
 * The body of the evaluator thread (see audience-thread.ts): `createAudienceEngine` over a store of its own
 * (a SQLite connection to the same file, or a small PostgreSQL pool), answering the HTTP thread's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PlannedEvent } from '../pipeline/ingest-port.ts';
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

/** `applyPlanned` calls waiting for the HTTP thread's answer. */
const planned = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextPlanned = 1;

/** Hands audience events to the ingest writer through the HTTP thread (see `AudienceThreadData.viaWriter`). */
function viaWriter(events: PlannedEvent[]): Promise<void> {
  const id = nextPlanned++;
  return new Promise<void>((resolve, reject) => {
    planned.set(id, { resolve, reject });
    port.postMessage({ op: 'applyPlanned', id, events } satisfies FromEvaluator);
  });
}

const store = await openEvaluatorStore(data.db);
const engine = createAudienceEngine({
  store,
  clock: systemClock,
  logger: createJsonLogger(),
  dutyPause: THREAD_DUTY_PAUSE,
  ...(data.viaWriter ? { writeEvents: viaWriter } : {}),
});
engine.start();

async function handle(message: Exclude<ToEvaluator, { op: 'planned' }>): Promise<void> {
  if (message.op === 'profilesChanged') return engine.profilesChanged(message.ids);
  if (message.op === 'definitionsChanged') return engine.definitionsChanged();
  if (message.op === 'drain') return engine.drain();
  await engine.stop();
  await store.close();
}

port.on('message', (message: ToEvaluator) => {
  if (message.op === 'planned') {
    const waiting = planned.get(message.id);
    planned.delete(message.id);
    if (message.error === undefined) waiting?.resolve();
    else waiting?.reject(new Error(message.error));
    return;
  }
  handle(message).then(
    () => port.postMessage({ id: message.id, pending: engine.pending() } satisfies FromEvaluator),
    (error: unknown) =>
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies FromEvaluator),
  );
});
