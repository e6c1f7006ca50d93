/**
 * The body of the admin read thread (see admin-read-thread.ts): the heavy dashboard reads over a read-only
 * store of its own, answered as JSON text.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPolicy, normalizerFor } from '../identity/policy-load.ts';
import { systemClock } from '../ports/clock.ts';
import { createSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { threadData } from '../thread-start.ts';
import type { FromReader, ReadThreadData, ToReader } from './admin-read-thread.ts';
import { inlineAdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';

const port = parentPort!;
const data = threadData<ReadThreadData>(workerData);
const store = createSqliteStore({ path: data.dbPath, readOnly: true });
const reads = inlineAdminReads({ store, normalize: normalizerFor(loadPolicy(data.policyFile)), clock: systemClock });

function answer(request: ToReader): Promise<string> {
  if (request.read === 'overview') return reads.overview();
  if (request.read === 'profileEvents') return reads.profileEvents(request.ref, request.query);
  if (request.read === 'search') return reads.search(request.query);
  if (request.read === 'profileList') return reads.profileList(request.query);
  return request.read === 'profileGraph' ? reads.profileGraph(request.ref) : reads.profileSummary(request.ref);
}

port.on('message', (request: ToReader) => {
  answer(request).then(
    (text) => port.postMessage({ id: request.id, text } satisfies FromReader),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const api = e instanceof ApiError ? { code: e.code, ...(e.field !== undefined ? { field: e.field } : {}) } : {};
      port.postMessage({ id: request.id, error: { message: e.message, ...api } } satisfies FromReader);
    },
  );
});
