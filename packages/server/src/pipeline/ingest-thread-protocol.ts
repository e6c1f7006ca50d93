/**
 * The messages between the HTTP thread and the ingest writer thread (see ingest-thread.ts). Everything
 * here crosses `postMessage`, so it is plain data (structured clone).
 */
import type { NewWarning } from '../storage/storage.ts';
import type { ApplyOutcome } from './event-apply.ts';
import type { Submission } from './group-commit.ts';

/** What the writer thread is started with. */
export interface IngestThreadData {
  /** The SQLite file (already migrated by the starting thread). */
  dbPath: string;
  /** The identity policy file, loaded again in the thread; the default policy when absent. */
  policyFile?: string;
}

/** HTTP thread -> writer thread. */
export type ToWriter =
  | { kind: 'submit'; id: number; submission: Submission }
  | { kind: 'warn'; id: number; warnings: NewWarning[] }
  | { kind: 'close' };

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

/** Writer thread -> HTTP thread. */
export type FromWriter =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; outcome?: ApplyOutcome; merges: number }
  | { kind: 'failed'; id: number; error: ThreadError }
  | { kind: 'closed' };
