/**
 * The embedded ingestor on two cores: the HTTP thread parses, authenticates and validates; a writer thread
 * (ingest-thread-worker.ts) claims messageIds, resolves identities and commits. Why: one Node thread did
 * both, and the write path alone keeps a core busy; now JSON, validation and HTTP run beside it.
 *
 * The writer thread opens its own connection to the same SQLite file. The HTTP thread keeps its store for
 * reads and for rare admin writes; SQLite's lock orders the two writers, and each connection's graph cache
 * forgets what it holds when the other commits (`PRAGMA data_version`, see sqlite-store.ts). An answer
 * arrives only once the writer thread's commit is on disk, so a 2xx means durable as before.
 */
import { startThread } from '../thread-start.ts';
import type { NewWarning } from '../storage/storage.ts';
import type { ApplyOutcome, ResolveDeps } from './event-apply.ts';
import { prepareSubmission } from './event-apply.ts';
import type { Ingestor, Submission } from './group-commit.ts';
import type { FromWriter, IngestThreadData, ThreadError, ToWriter, WireSubmission } from './ingest-thread-protocol.ts';
import { toWire } from './ingest-thread-protocol.ts';

/** Raised for a submission the writer thread could not apply; `code` is the original error's, when it had one. */
export class IngestThreadError extends Error {
  readonly code: string;
  constructor(error: ThreadError) {
    super(error.message);
    this.name = error.name;
    this.code = error.code ?? 'ingest_failed';
  }
}

/** What the HTTP thread learns of each committed submission, for its metrics. */
export interface ThreadCommit {
  merges: number;
}

/** Options of the threaded ingestor. */
export interface ThreadIngestorOptions extends IngestThreadData {
  /** The same policy the writer thread loads: identifiers are extracted here, off the writer. */
  resolve: ResolveDeps;
  /** Called once per answered submission with what the writer applied (merges since the last answer). */
  onCommit?: (commit: ThreadCommit) => void;
}

/** An ingestor whose writes happen on a writer thread; it also takes rejected-event warnings. */
export interface ThreadIngestor extends Ingestor {
  warn(warnings: NewWarning[]): Promise<void>;
}

interface Waiting {
  resolve: (outcome: ApplyOutcome | undefined) => void;
  reject: (error: unknown) => void;
}

/** Starts the writer thread; resolves once it has opened the database. */
export async function startThreadIngestor(options: ThreadIngestorOptions): Promise<ThreadIngestor> {
  const data: IngestThreadData = { dbPath: options.dbPath, ...(options.policyFile ? { policyFile: options.policyFile } : {}) };
  const worker = startThread(new URL('./ingest-thread-worker.ts', import.meta.url), data);
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let closing: Promise<void> | undefined;
  let failure: Error | undefined;
  let closed: () => void = () => {};
  const closedSignal = new Promise<void>((done) => (closed = done));

  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    closed();
  };
  await new Promise<void>((ready, broken) => {
    worker.on('message', (message: FromWriter) => {
      if (message.kind === 'ready') ready();
      else if (message.kind === 'closed') closed();
      else {
        const w = waiting.get(message.id);
        waiting.delete(message.id);
        if (!w) return;
        if (message.kind === 'done') {
          options.onCommit?.({ merges: message.merges });
          w.resolve(message.outcome);
        } else w.reject(new IngestThreadError(message.error));
      }
    });
    worker.once('error', (error) => {
      fail(error);
      broken(error);
    });
    worker.once('exit', (code) => {
      if (closing) return;
      const error = new Error(`the ingest writer thread exited (code ${code})`);
      fail(error);
      broken(error);
    });
  });

  type Request = { kind: 'submit'; submission: WireSubmission } | { kind: 'warn'; warnings: NewWarning[] };
  const inFlight = new Set<Promise<unknown>>();
  function call(request: Request): Promise<ApplyOutcome | undefined> {
    if (closing) return Promise.reject(new Error('ingestor is closed'));
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    const answer = new Promise<ApplyOutcome | undefined>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...request, id } satisfies ToWriter);
    });
    inFlight.add(answer);
    void answer.catch(() => undefined).finally(() => inFlight.delete(answer));
    return answer;
  }

  return {
    async submit(submission: Submission) {
      // Why here: extraction, normalisation and serialisation need no store, and this thread has time.
      const prepared = submission.prepared ?? prepareSubmission(submission.sourceId, submission.events, options.resolve, submission.unverified);
      return (await call({ kind: 'submit', submission: toWire(submission, prepared) }))!;
    },
    async warn(warnings: NewWarning[]) {
      if (warnings.length > 0) await call({ kind: 'warn', warnings });
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...inFlight]);
        if (!failure) {
          worker.postMessage({ kind: 'close' } satisfies ToWriter);
          await closedSignal;
        }
        await worker.terminate();
      })();
      return closing;
    },
  };
}
