/** Starts a worker thread running a TypeScript module of this package (through thread-entry.mjs). */
import { Worker } from 'node:worker_threads';

/** What a thread started by `startThread` finds in `workerData`. */
export interface ThreadData<T> {
  module: string;
  data: T;
}

/** Starts `module` (a file URL) on a new thread with `data` as `workerData.data`. */
export function startThread<T>(module: URL, data: T): Worker {
  return new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: { module: module.href, data } satisfies ThreadData<T> });
}

/** The `data` a thread was started with. */
export function threadData<T>(workerData: unknown): T {
  return (workerData as ThreadData<T>).data;
}
