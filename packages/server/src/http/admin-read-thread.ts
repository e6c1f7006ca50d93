/**
 * The dashboard's heavy reads on a thread of their own: search, the profile list, overview, timeline pages,
 * summaries, identity graphs and link stats (admin-reads.ts) run in admin-read-thread-worker.ts over its own read-only
 * SQLite connection (or two PostgreSQL connections), and come back as JSON text.
 *
 * Why: better-sqlite3 is synchronous, so a read on the HTTP thread holds its event loop for as long as it
 * runs; with the dashboard open, tracking requests waited behind timeline pages and graphs (eight /graph
 * calls made one /v1/track wait 13 s). With PostgreSQL the database works off the loop, but turning thousands
 * of rows into a graph or a summary does not. On this thread a read costs the HTTP thread one message each way.
 * The thread starts with the first read; one that dies is replaced by the next read (its reads answer 503).
 */
import type { IdentityPolicy } from '@kin/core';
import type { Worker } from 'node:worker_threads';
import { unavailable } from '../ops/service-unavailable.ts';
import type { ProfileOrder } from '../storage/storage.ts';
import { startThread } from '../thread-start.ts';
import type { AnalyticsAsk } from '../analytics/analytics-answer.ts';
import type { AdminReads, EventsQuery } from './admin-reads.ts';
import type { ErrorCode } from './error-catalog.ts';
import { ApiError } from './error-catalog.ts';

/** What the read thread is started with. */
export interface ReadThreadData {
  /** The SQLite file or the postgres:// URL (already migrated). */
  dbPath: string;
  /** The identity policy (refs are normalised as on ingestion), as the starting thread loaded it. */
  policy: IdentityPolicy;
  /** The time limit of one analytics question (`KIN_ANALYTICS_TIMEOUT_MS`). */
  analyticsTimeoutMs?: number;
}

/** A read the HTTP thread asks for. */
type ReadRequest =
  | { read: 'overview' }
  | { read: 'profileEvents'; ref: string; query: EventsQuery }
  | { read: 'profileGraph' | 'profileSummary'; ref: string }
  | { read: 'search'; query: { q: string; limit: number; offset: number } }
  | { read: 'profileList'; query: { order: ProfileOrder; limit: number; offset: number } }
  | { read: 'analytics'; ask: AnalyticsAsk }
  | { read: 'linkStats'; linkId: string };

/** HTTP thread -> read thread: a read, or `close` (the thread closes its store and answers `closed`). */
export type ToReader = (ReadRequest & { id: number }) | { close: true };

/** Read thread -> HTTP thread: the body, or the error (an `ApiError`'s code and field when it was one). */
export type FromReader =
  { closed: true } | { id: number; text: string } | { id: number; error: { message: string; code?: ErrorCode; field?: string } };

/** The reads on the read thread, and how to stop it. */
export interface AdminReadThread extends AdminReads {
  close(): Promise<void>;
}

/** Starts nothing yet: the thread starts with the first read. */
export function adminReadThread(data: ReadThreadData): AdminReadThread {
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;

  function thread(): Worker {
    if (worker) return worker;
    const started = startThread(new URL('./admin-read-thread-worker.ts', import.meta.url), data);
    // Reads never keep the process alive on their own.
    started.unref();
    const die = () => {
      if (worker !== started) return;
      worker = undefined;
      for (const w of waiting.values()) w.reject(unavailable('the admin read thread (restarting)'));
      waiting.clear();
    };
    started.on('message', (message: FromReader) => {
      if ('closed' in message) return;
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (!w) return;
      if ('text' in message) w.resolve(message.text);
      else
        w.reject(
          message.error.code
            ? new ApiError(message.error.code, message.error.message, message.error.field)
            : new Error(message.error.message),
        );
    });
    started.once('error', die);
    started.once('exit', die);
    worker = started;
    return started;
  }

  function ask(request: ReadRequest): Promise<string> {
    if (closed) return Promise.reject(unavailable('the admin read thread (closing)'));
    const id = nextId++;
    return new Promise<string>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      thread().postMessage({ ...request, id });
    });
  }

  return {
    overview: () => ask({ read: 'overview' }),
    profileEvents: (ref, query) => ask({ read: 'profileEvents', ref, query }),
    profileGraph: (ref) => ask({ read: 'profileGraph', ref }),
    profileSummary: (ref) => ask({ read: 'profileSummary', ref }),
    search: (query) => ask({ read: 'search', query }),
    profileList: (query) => ask({ read: 'profileList', query }),
    analytics: (question) => ask({ read: 'analytics', ask: question }),
    linkStats: (linkId) => ask({ read: 'linkStats', linkId }),
    async close() {
      closed = true;
      const running = worker;
      worker = undefined;
      for (const w of waiting.values()) w.reject(unavailable('the admin read thread (closing)'));
      waiting.clear();
      if (!running) return;
      // Reads only, nothing to flush: the thread closes its connections (PostgreSQL sees them go), and is
      // ended after a second whatever it answered.
      const closedStore = new Promise<void>((done) => {
        running.on('message', (message: FromReader) => 'closed' in message && done());
        running.once('exit', () => done());
        setTimeout(done, 1000).unref();
      });
      running.postMessage({ close: true } satisfies ToReader);
      await closedStore;
      await running.terminate();
    },
  };
}
