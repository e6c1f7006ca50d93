/**
 * The write path a store offers the composition root: each opened store builds its own ingestor, so
 * `main.ts` never asks which database it has. SQLite: the writer thread for a file (KIN_INGEST_THREAD on),
 * else group commit on this thread; PostgreSQL: group commit.
 */
import type { ResolveDeps } from '../pipeline/event-apply.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import type { ApplyOutcome, Ingestor, PlannedEventRoute } from '../pipeline/ingest-port.ts';
import type { LinkHit } from '../links/link-events.ts';
import { createClickPreparer, hitSubmission } from '../links/link-prepare.ts';
import type { Store } from './storage.ts';

/** The kind of store a `--db` value names (for start lines and logs). */
export type StoreKind = 'sqlite' | 'postgres';

/** What the composition root hands a store's ingestor factory. */
export interface IngestorOptions {
  /** The store as the app sees it (decorated with metrics and availability): in-process commits go through it. */
  store: Store;
  resolve: ResolveDeps;
  /** Gathering of the group commit (KIN_GROUP_WAIT_MS, KIN_GROUP_MIN_EVENTS). */
  groupCommit: { waitMs: number; minEvents: number };
  /** Called once per answered submission with the merges applied, when commits happen off this thread. */
  onCommit?: (commit: { merges: number }) => void;
  /** Called when a writer thread dies (for the log): its error and how many died in a row. */
  onDeath?: (error: Error, deathsInARow: number) => void;
}

/** A store's write path: the ingestor, and what the app's readiness and metrics need to know of it. */
export interface StoreWritePath {
  ingestor: Ingestor;
  /** False while the write path cannot take work (a writer thread restarting); for `/ready`. */
  ready(): boolean;
  /**
   * True when commits happen off this thread. Why the metrics care: then the store decorator here sees no
   * ingest transaction, so resolution latency and rejected events are counted at the ingestor.
   */
  offThread: boolean;
  /**
   * Where another thread's writes to the events commit: with the ingest (a SQLite file's writer thread), or in
   * that thread's own transactions where a second writer costs the ingest nothing (PostgreSQL, a store on this
   * thread).
   */
  planned: PlannedEventRoute;
  /**
   * Writes link hits: a writer thread makes their events there; on this thread they become a submission
   * (links/link-prepare.ts `hitSubmission`). Why a writer thread takes hits as they are: making and encoding a
   * hit's event was a quarter of the redirect thread's CPU per redirect (bench:links), and a hit crosses the
   * thread boundary in a tenth of that. The answer's `profileIds` may be empty: nothing reads them for hits.
   */
  linkHits: (hits: LinkHit[]) => Promise<ApplyOutcome>;
}

/** Builds a store's write path; `openStoreWithIngestor` returns one beside each store. */
export type IngestorFactory = (options: IngestorOptions) => Promise<StoreWritePath>;

/** The write path on this thread: group commit through the (decorated) store. */
export function groupCommitWritePath(options: IngestorOptions): StoreWritePath {
  const { store, resolve, groupCommit } = options;
  const ingestor = createGroupCommitIngestor({ store, ...resolve, groupWaitMs: groupCommit.waitMs, minGroupEvents: groupCommit.minEvents });
  return sameThreadWritePath(ingestor, resolve);
}

/**
 * A write path whose commits this thread makes or sees (group commit, the NATS collector): always ready, link
 * hits made into one submission here, another thread's planned events committed in its own transactions.
 */
export function sameThreadWritePath(ingestor: Ingestor, resolve: ResolveDeps): StoreWritePath {
  const submission = hitSubmission(createClickPreparer(resolve));
  return {
    ingestor,
    ready: () => true,
    offThread: false,
    planned: { kind: 'own' },
    linkHits: (hits) => ingestor.submit(submission(hits)),
  };
}
