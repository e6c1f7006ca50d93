/**
 * The body of the admin read thread (see admin-read-thread.ts): the heavy dashboard reads over a store of its
 * own (read-only SQLite, or two PostgreSQL connections), answered as JSON text.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { normalizerFor } from '../identity/policy-load.ts';
import { systemClock } from '../ports/clock.ts';
import { openReadStore } from '../storage/store-open.ts';
import { threadData } from '../thread-start.ts';
import type { FromReader, ReadThreadData, ToReader } from './admin-read-thread.ts';
import { inlineAdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';

const port = parentPort!;
const data = threadData<ReadThreadData>(workerData);
// The store, already migrated by the starting thread: SQLite read-only, or a small PostgreSQL pool.
const store = await openReadStore(data.dbPath);
const reads = inlineAdminReads({
  store,
  normalize: normalizerFor(data.policy),
  clock: systemClock,
  ...(data.analyticsTimeoutMs !== undefined ? { analyticsTimeoutMs: data.analyticsTimeoutMs } : {}),
});

function answer(request: Exclude<ToReader, { close: true }>): Promise<string> {
  if (request.read === 'overview') return reads.overview();
  if (request.read === 'profileEvents') return reads.profileEvents(request.ref, request.query);
  if (request.read === 'search') return reads.search(request.query);
  if (request.read === 'profileList') return reads.profileList(request.query);
  if (request.read === 'analytics') return reads.analytics(request.ask);
  if (request.read === 'linkStats') return reads.linkStats(request.linkId);
  return request.read === 'profileGraph' ? reads.profileGraph(request.ref) : reads.profileSummary(request.ref);
}

port.on('message', (request: ToReader) => {
  if ('close' in request) {
    store.close().then(
      () => port.postMessage({ closed: true } satisfies FromReader),
      () => port.postMessage({ closed: true } satisfies FromReader),
    );
    return;
  }
  answer(request).then(
    (text) => port.postMessage({ id: request.id, text } satisfies FromReader),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const api = e instanceof ApiError ? { code: e.code, ...(e.field !== undefined ? { field: e.field } : {}) } : {};
      port.postMessage({ id: request.id, error: { message: e.message, ...api } } satisfies FromReader);
    },
  );
});
