/**
 * The body of the ingest writer thread: its own SQLite connection, graph cache and group commit. It takes
 * validated submissions from the HTTP thread and answers each once it is durable (see ingest-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { normalizerFor } from '../../../identity/policy-load.ts';
import { observeTransactions } from '../../../ops/kin-metrics.ts';
import { startCheckpointer } from '../sqlite-checkpointer.ts';
import { createSqliteStore } from '../sqlite-store.ts';
import { storeTuning } from '../../store-open.ts';
import { threadData } from '../../../thread-start.ts';
import { createGroupCommitIngestor } from '../../../pipeline/group-commit.ts';
import type { FromWriter, IngestThreadData, ThreadError, ToWriter } from './ingest-thread-protocol.ts';
import { fromWire } from './ingest-thread-protocol.ts';
import type { LinkHit } from '../../../links/link-events.ts';
import { decodeHits } from '../../../links/link-hit-wire.ts';
import type { Submission } from '../../../pipeline/ingest-port.ts';

const port = parentPort!;
const data = threadData<IngestThreadData>(workerData);
const policy = data.policy;
const normalize = normalizerFor(policy);
let merges = 0;
const checkpointer = await startCheckpointer(data.dbPath);
const sqlite = createSqliteStore({
  path: data.dbPath,
  checkpoint: 'external',
  ...storeTuning(data),
  ...(data.privacySecret ? { privacySecret: data.privacySecret } : {}),
});
const store = observeTransactions(sqlite, (applied) => {
  merges += applied.merges;
});
const ingestor = createGroupCommitIngestor({
  store,
  policy,
  normalize,
  ...(data.groupCommit ? { groupWaitMs: data.groupCommit.waitMs, minGroupEvents: data.groupCommit.minEvents } : {}),
});

/** The submission of link hits (links/link-prepare.ts), made once the first hits arrive. */
let linkSubmission: ((hits: LinkHit[]) => Submission) | undefined;
const send = (message: FromWriter) => port.postMessage(message);
const toThreadError = (error: unknown): ThreadError => {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
};
/** Merges applied since the last answer travel with the next one (the metrics live in the HTTP thread). */
const takeMerges = () => {
  const n = merges;
  merges = 0;
  return n;
};

port.on('message', (message: ToWriter) => {
  if (message.kind === 'submit') {
    // Only the id is kept for the answer: the callbacks wait for the sync, and the submission's texts need
    // not live that long (see answersOf in group-commit.ts).
    const { id } = message;
    const { submission, keys } = fromWire(message.submission);
    sqlite.primeMessageKeys(submission.sourceId, submission.events, keys);
    ingestor.submit(submission).then(
      (outcome) => send({ kind: 'done', id, outcome, merges: takeMerges() }),
      (error: unknown) => send({ kind: 'failed', id, error: toThreadError(error) }),
    );
  } else if (message.kind === 'planned') {
    // The evaluator's audience events (see PlannedEventWriter): applied in the next group, answered once durable.
    ingestor.applyPlanned(message.events).then(
      () => send({ kind: 'done', id: message.id, merges: takeMerges() }),
      (error: unknown) => send({ kind: 'failed', id: message.id, error: toThreadError(error) }),
    );
  } else if (message.kind === 'hits') {
    const { id, hits } = message;
    // Link hits arrive as they are and become their events here (ingest-thread.ts `submitHits`), with the
    // preparer loaded on the first hits. Not primed: the store hashes unprimed messageId keys itself.
    void import('../../../links/link-prepare.ts')
      .then((m) => {
        linkSubmission ??= m.hitSubmission(m.createClickPreparer({ policy, normalize }));
        return ingestor.submit(linkSubmission(decodeHits(hits)));
      })
      .then(
        // Without the profile ids: nothing reads them for hits (StoreWritePath.linkHits), and a thousand ids
        // would cross back for every thousand hits.
        ({ accepted, duplicates }) => send({ kind: 'done', id, outcome: { accepted, duplicates, profileIds: [] }, merges: takeMerges() }),
        (error: unknown) => send({ kind: 'failed', id, error: toThreadError(error) }),
      );
  } else if (message.kind === 'warn') {
    store.addWarnings(message.warnings).then(
      () => send({ kind: 'done', id: message.id, merges: takeMerges() }),
      (error: unknown) => send({ kind: 'failed', id: message.id, error: toThreadError(error) }),
    );
  } else {
    void (async () => {
      await ingestor.close();
      await store.close();
      await checkpointer.close();
      send({ kind: 'closed' });
      port.close();
    })();
  }
});
send({ kind: 'ready' });
