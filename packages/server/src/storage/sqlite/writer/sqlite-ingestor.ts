/**
 * The SQLite store's ingestor factory. A database file gets the writer thread (ingest-thread.ts) unless
 * KIN_INGEST_THREAD is off; `:memory:` (a connection no other thread can open) and the switch off get group
 * commit on the HTTP thread.
 */
import type { IngestorFactory, IngestorOptions, StoreWritePath } from '../../store-ingestor.ts';
import { groupCommitWritePath } from '../../store-ingestor.ts';
import { startThreadIngestor } from './ingest-thread.ts';

/** Where the SQLite store lives and how its writer thread opens it. */
export interface SqliteWriterSettings {
  path: string;
  /** Write on a second thread beside the HTTP thread (KIN_INGEST_THREAD, default on). */
  ingestThread?: boolean;
  dedupMemory?: number;
  timelineTail?: number;
  /** KIN_PRIVACY_SECRET, for the writer thread's store (keyed tombstones). */
  privacySecret?: string;
}

/** The factory for the SQLite store at `settings.path`. */
export function sqliteIngestorFactory(settings: SqliteWriterSettings): IngestorFactory {
  return async (options: IngestorOptions): Promise<StoreWritePath> => {
    if (!settings.ingestThread || settings.path === ':memory:') return groupCommitWritePath(options);
    const thread = await startThreadIngestor({
      dbPath: settings.path,
      ...(settings.dedupMemory ? { dedupMemory: settings.dedupMemory } : {}),
      ...(settings.timelineTail ? { timelineTail: settings.timelineTail } : {}),
      ...(settings.privacySecret ? { privacySecret: settings.privacySecret } : {}),
      groupCommit: options.groupCommit,
      resolve: options.resolve,
      ...(options.onCommit ? { onCommit: options.onCommit } : {}),
      ...(options.onDeath ? { onDeath: options.onDeath } : {}),
    });
    return {
      ingestor: thread,
      ready: () => thread.ready(),
      offThread: true,
      planned: { kind: 'writer', writer: thread },
      linkHits: (hits) => thread.submitHits(hits),
    };
  };
}
