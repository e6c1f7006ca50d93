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
import type { Worker } from 'node:worker_threads';
import { unavailable } from '../../../ops/service-unavailable.ts';
import { startThread } from '../../../thread-start.ts';
import type { NewWarning } from '../../storage.ts';
import type { ResolveDeps } from '../../../pipeline/event-apply.ts';
import { prepareSubmission } from '../../../pipeline/event-apply.ts';
import type { ApplyOutcome, Ingestor, PlannedEvent, PlannedEventWriter, Submission } from '../../../pipeline/ingest-port.ts';
import type { LinkHit } from '../../../links/link-events.ts';
import type { HitWire } from '../../../links/link-hit-wire.ts';
import { encodeHits } from '../../../links/link-hit-wire.ts';
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
export interface ThreadIngestorOptions extends Omit<IngestThreadData, 'policy'> {
  /** The policy, loaded once by the starting thread and handed to the writer thread: identifiers are extracted here, off the writer. */
  resolve: ResolveDeps;
  /** Called once per answered submission with what the writer applied (merges since the last answer). */
  onCommit?: (commit: ThreadCommit) => void;
  /** Called when a writer thread dies (for the log): its error and how many died in a row. */
  onDeath?: (error: Error, deathsInARow: number) => void;
}

/** An ingestor whose writes happen on a writer thread; it also takes rejected-event warnings. */
export interface ThreadIngestor extends Ingestor, PlannedEventWriter {
  warn(warnings: NewWarning[]): Promise<void>;
  /** The writer thread now running, if any (diagnostics and tests). */
  writerThread(): Worker | undefined;
  /** True while a writer thread is running and has opened the database (for `/ready`). */
  ready(): boolean;
  /** Submits link hits whose events the writer thread makes (store-ingestor.ts `StoreWritePath.linkHits`). */
  submitHits(hits: LinkHit[]): Promise<ApplyOutcome>;
}

/** The answer while no writer thread runs: 503 with Retry-After, which SDKs retry. */
const restarting = () => unavailable('the ingest writer (restarting)');

/**
 * How long after the n-th death in a row a new writer thread is started: at once after one death, then
 * 100 ms doubling up to 5 s. Why: a thread that dies at start (an unreadable database or policy) would
 * otherwise be started again by every request.
 */
export function writerBackoffMs(deathsInARow: number): number {
  return deathsInARow <= 1 ? 0 : Math.min(5_000, 100 * 2 ** (deathsInARow - 2));
}

interface Waiting {
  resolve: (outcome: ApplyOutcome | undefined) => void;
  reject: (error: unknown) => void;
}

/** One writer thread: settles `ready` once it has opened the database, `closed` once it is gone. */
interface WriterThread {
  worker: Worker;
  ready: Promise<void>;
  closed: Promise<void>;
  failure: Error | undefined;
}

/**
 * Starts the writer thread; resolves once it has opened the database. Why a thread that dies is replaced:
 * the requests it held are answered with an error (their clients retry, and the messageId claim makes a
 * retry of something already committed a duplicate), and the ones after it must not all fail until Kin is
 * restarted. It is replaced on the next request or when its back-off ends (`writerBackoffMs`), whichever
 * comes first; during the back-off requests get 503 with Retry-After, and `ready()` is false.
 */
export async function startThreadIngestor(options: ThreadIngestorOptions): Promise<ThreadIngestor> {
  const data: IngestThreadData = {
    dbPath: options.dbPath,
    policy: options.resolve.policy,
    ...(options.dedupMemory ? { dedupMemory: options.dedupMemory } : {}),
    ...(options.timelineTail ? { timelineTail: options.timelineTail } : {}),
    ...(options.groupCommit ? { groupCommit: options.groupCommit } : {}),
    ...(options.privacySecret ? { privacySecret: options.privacySecret } : {}),
  };
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let closing: Promise<void> | undefined;
  let current: WriterThread | undefined;
  let up = false;
  let deaths = 0;
  let retryAt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function start(): WriterThread {
    clearTimeout(retryTimer);
    const thread = spawn();
    current = thread;
    thread.ready.then(
      () => {
        deaths = 0;
        up = current === thread;
      },
      () => undefined,
    );
    return thread;
  }

  function spawn(): WriterThread {
    const worker = startThread(new URL('./ingest-thread-worker.ts', import.meta.url), data);
    let gone: () => void = () => {};
    const thread: WriterThread = {
      worker,
      ready: Promise.resolve(),
      closed: new Promise<void>((done) => (gone = done)),
      failure: undefined,
    };
    thread.ready = new Promise<void>((ready, broken) => {
      const die = (error: Error) => {
        if (thread.failure) return;
        thread.failure = error;
        // Only this thread's requests are waiting: a new one is started after this, never beside it.
        for (const w of waiting.values()) w.reject(restarting());
        waiting.clear();
        if (current === thread) {
          current = undefined;
          up = false;
          if (!closing) {
            deaths++;
            options.onDeath?.(error, deaths);
            const wait = writerBackoffMs(deaths);
            retryAt = Date.now() + wait;
            retryTimer = setTimeout(() => {
              if (!current && !closing) start();
            }, wait);
            retryTimer.unref();
          }
        }
        gone();
        broken(error);
      };
      worker.on('message', (message: FromWriter) => {
        if (message.kind === 'ready') ready();
        else if (message.kind === 'closed') gone();
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
      worker.once('error', die);
      worker.once('exit', (code) => (closing ? gone() : die(new Error(`the ingest writer thread exited (code ${code})`))));
    });
    thread.ready.catch(() => undefined);
    return thread;
  }

  await start().ready;

  type Request =
    | { kind: 'submit'; submission: WireSubmission }
    | { kind: 'hits'; hits: HitWire }
    | { kind: 'warn'; warnings: NewWarning[] }
    | { kind: 'planned'; events: PlannedEvent[] };
  const inFlight = new Set<Promise<unknown>>();
  function call(request: Request): Promise<ApplyOutcome | undefined> {
    if (closing) return Promise.reject(new Error('ingestor is closed'));
    if (!current && Date.now() < retryAt) return Promise.reject(restarting());
    const thread = current ?? start();
    const answer = thread.ready.then(
      () =>
        new Promise<ApplyOutcome | undefined>((resolve, reject) => {
          if (thread.failure) return reject(restarting());
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          thread.worker.postMessage({ ...request, id } satisfies ToWriter);
        }),
      () => Promise.reject(restarting()),
    );
    inFlight.add(answer);
    void answer.catch(() => undefined).finally(() => inFlight.delete(answer));
    return answer;
  }

  // Why here: extraction, normalisation and serialisation need no store, and this thread has time.
  // Why not async: a suspended async function keeps its arguments alive until the answer, and the
  // events are not needed once they are on the wire.
  const submitPrepared = (submission: Submission): Promise<ApplyOutcome> => {
    const prepared =
      submission.prepared ?? prepareSubmission(submission.sourceId, submission.events, options.resolve, submission.unverified);
    return call({ kind: 'submit', submission: toWire(submission, prepared) }).then((outcome) => outcome!);
  };

  return {
    submit(submission: Submission) {
      // A source created after start: its phone region is read from the store before preparing.
      const reading = submission.prepared ? undefined : options.resolve.sourceRegions?.ensure([submission.sourceId]);
      return reading ? reading.then(() => submitPrepared(submission)) : submitPrepared(submission);
    },
    // Hits cross as columns (link-hit-wire.ts); the writer thread makes their events, stored texts and
    // prepared forms.
    submitHits: (hits) => call({ kind: 'hits', hits: encodeHits(hits) }).then((outcome) => outcome!),
    async warn(warnings: NewWarning[]) {
      if (warnings.length > 0) await call({ kind: 'warn', warnings });
    },
    async applyPlanned(events: PlannedEvent[]) {
      if (events.length > 0) await call({ kind: 'planned', events });
    },
    writerThread: () => current?.worker,
    ready: () => up,
    close() {
      closing ??= (async () => {
        clearTimeout(retryTimer);
        await Promise.allSettled([...inFlight]);
        const thread = current;
        if (!thread) return;
        if (!thread.failure) {
          thread.worker.postMessage({ kind: 'close' } satisfies ToWriter);
          await thread.closed;
        }
        await thread.worker.terminate();
      })();
      return closing;
    },
  };
}
