/**
 * The computed-trait and audience evaluator on a thread of its own (audience-thread-worker.ts runs
 * `createAudienceEngine` over a store of its own), behind the same `AudienceEngine` interface.
 *
 * Why: the evaluator parses events, evaluates every definition per profile and reads and writes state; on
 * the HTTP thread every turn held the event loop that also parses and answers tracking requests (and, with
 * PostgreSQL, hands batches to the writer), so it had to pause as long as it worked, and under load it fell
 * seconds behind (bench:audiences, docs/benchmarks.md). On its own thread it costs the HTTP thread one
 * message per undo, split or definition change, and a relay of its audience events to the ingest writer
 * (at most once a second). The thread starts with the server; one that dies is started
 * again (marks and the recorded feed position make it resume where the last one stopped).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../ports/logger.ts';
import type { PlannedEvent, PlannedEventRoute } from '../pipeline/ingest-port.ts';
import type { SqliteTuning } from '../storage/store-open.ts';
import { startThread } from '../thread-start.ts';
import type { AudienceEngine } from './audience-engine.ts';

/** What the evaluator thread is started with. */
export interface AudienceThreadData {
  /** The SQLite file or the postgres:// URL (already migrated). */
  db: string;
  tuning: SqliteTuning;
  /** True when the audience events go through the HTTP thread to the ingest writer (`PlannedEventWriter`). */
  viaWriter?: boolean;
}

/** HTTP thread -> evaluator thread: a request, or the answer to its `applyPlanned`. */
export type ToEvaluator = (EvaluatorRequest & { id: number }) | { op: 'planned'; id: number; error?: string };

/** A request without its id. */
type EvaluatorRequest = { op: 'definitionsChanged' | 'drain' | 'stop' } | { op: 'profilesChanged'; ids: string[] };

/**
 * Evaluator thread -> HTTP thread: the request done, with the number of profiles waiting; or a failure; or
 * audience events for the ingest writer (answered with `planned`).
 */
export type FromEvaluator =
  { id: number; pending: number } | { id: number; error: string } | { op: 'applyPlanned'; id: number; events: PlannedEvent[] };

/** Delay before a dead evaluator thread is started again, in ms. */
const RESTART_MS = 1000;

/**
 * Starts the evaluator thread; `stop` ends it after its last turn. With a `writer` route, its audience events
 * are committed by the ingest writer (a message each way per flush, at most one a second); with `own`, by the
 * evaluator thread's store.
 */
export function audienceThread(data: AudienceThreadData, logger: Logger, planned: PlannedEventRoute): AudienceEngine {
  const writer = planned.kind === 'writer' ? planned.writer : undefined;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let worker: Worker | undefined;
  let nextId = 1;
  let pending = 0;
  let stopped = true;
  let restart: ReturnType<typeof setTimeout> | undefined;

  function launch(): void {
    const started = startThread(new URL('./audience-thread-worker.ts', import.meta.url), { ...data, viaWriter: writer !== undefined });
    started.on('message', (message: FromEvaluator) => {
      if ('op' in message) {
        const answer = (error?: string): void =>
          started.postMessage({ op: 'planned', id: message.id, ...(error ? { error } : {}) } satisfies ToEvaluator);
        if (!writer) return answer('no ingest writer');
        writer.applyPlanned(message.events).then(
          () => answer(),
          (error: unknown) => answer(error instanceof Error ? error.message : String(error)),
        );
        return;
      }
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if ('pending' in message) pending = message.pending;
      if (!w) return;
      if ('error' in message) w.reject(new Error(message.error));
      else w.resolve();
    });
    const die = (error?: Error): void => {
      if (worker !== started) return;
      worker = undefined;
      for (const w of waiting.values()) w.reject(new Error('the audience evaluator thread stopped'));
      waiting.clear();
      if (stopped) return;
      logger.error('the audience evaluator thread died; starting another', { error: error ? `${error.name}: ${error.message}` : 'exit' });
      restart = setTimeout(launch, RESTART_MS);
    };
    started.once('error', die);
    started.once('exit', () => die());
    worker = started;
  }

  function ask(message: EvaluatorRequest): Promise<void> {
    const running = worker;
    if (!running) return Promise.resolve();
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      running.postMessage({ ...message, id } satisfies ToEvaluator);
    });
  }

  return {
    profilesChanged(ids) {
      ask({ op: 'profilesChanged', ids: [...ids] }).catch(() => logger.warn('the audience evaluator thread missed changed profiles'));
    },
    definitionsChanged: () => ask({ op: 'definitionsChanged' }),
    drain: () => ask({ op: 'drain' }),
    start() {
      if (!stopped) return;
      stopped = false;
      launch();
    },
    async stop() {
      stopped = true;
      if (restart) clearTimeout(restart);
      const running = worker;
      if (!running) return;
      await ask({ op: 'stop' }).catch(() => undefined);
      worker = undefined;
      await running.terminate();
    },
    pending: () => pending,
  };
}
