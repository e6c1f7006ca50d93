/**
 * The write path of the PostgreSQL store: the `StoreTx` operations over one pooled client inside an open
 * transaction. A batch costs a handful of round trips, whatever its size: one statement claims its message
 * ids, two (`prefetch`: `kin_lock_snapshot`, then the trust read of `postgres-trust-cache.ts`) lock and read
 * the identities of all its events into the transaction's caches, and one (`kin_flush_v7`) writes every
 * profile, identifier, trait, trait history value, consent, refusal, event, device/user pair and warning
 * before commit (a trait history past its limit is pruned in one more, only then); the batch's merges of
 * stored profiles go in one `kin_merge_batch_v3` call before it. Replays (undo, split,
 * `kin replay`) take the same path, assigning stored event rows instead of inserting them. All statements
 * are named: each connection parses and plans them once. A followed plan becomes buffered rows in
 * postgres-plan-rows.ts; the statements are in postgres-write-statements.ts; the reads are in
 * postgres-tx-reads.ts, the sending in postgres-tx-flush.ts.
 */
import type { QueryConfig, QueryResultRow } from 'pg';
import { snapshotKeys } from '@kin/core';
import type { Identifier } from '@kin/core';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { ApplyInput, NewWarning, StoreTx } from '../storage.ts';
import { insertMatchLink } from './postgres-matching-store.ts';
import { postgresLinkClickTx } from './postgres-links.ts';
import { postgresIdentityTx } from './postgres-identity-ops.ts';
import { TxGraphCache } from './postgres-graph-cache.ts';
import { TrustCache } from './postgres-trust-cache.ts';
import { toMillis } from './postgres-write-values.ts';
import { WriteBuffer } from './postgres-write-buffer.ts';
import { MatchIndexChanges, rekeyPostgres } from './postgres-match-index.ts';
import { bufferPlanRows, type PlanRowsState } from './postgres-plan-rows.ts';
import { followable, UnfollowablePlanError } from './postgres-plan-follow.ts';
import { createTxFlush, type RunStatement } from './postgres-tx-flush.ts';
import { createTxReads } from './postgres-tx-reads.ts';

/** What the write operations of one transaction need from the store. */
export interface WriteDeps {
  ids: IdGenerator;
  clock: Clock;
  /** Months whose events partition is known to exist (committed). */
  knownMonths: ReadonlySet<string>;
  /** Months whose partition this transaction made sure of; the store adds them to `knownMonths` after commit. */
  ensuredMonths: Set<string>;
  /** The keyed digest a tombstone keeps of an identifier (postgres-tombstone-keys.ts). */
  digest: (identifier: Identifier) => string;
  /** Runs one statement on the transaction's client. */
  query<R extends QueryResultRow>(config: QueryConfig): Promise<{ rows: R[] }>;
  /** Incremental matching is switched on (read with BEGIN): only then does the transaction keep the match index. */
  matchIndexOn: boolean;
}

/** The operations of one open transaction, plus `flush`, which the store calls before COMMIT. */
export interface PostgresTx extends StoreTx {
  /** Sends every buffered write. */
  flush(): Promise<void>;
  /** Before COMMIT: sends every buffered write, then re-keys the profiles whose person traits changed (postgres-match-index.ts). */
  beforeCommit(): Promise<void>;
}

/**
 * The operations of one open transaction. Snapshots come from the transaction's graph cache (filled by
 * `prefetch` for a whole batch, or per event on a miss: postgres-tx-reads.ts); plans the cache can follow are
 * buffered (postgres-plan-rows.ts) and flushed in bulk (postgres-tx-flush.ts). A plan naming profiles the
 * transaction never locked is read into the cache first; one it still cannot follow (written by hand: linking a
 * stored identifier, naming a missing profile) is refused with `UnfollowablePlanError` (postgres-plan-follow.ts).
 */
export function createPostgresTx(deps: WriteDeps): PostgresTx {
  const run: RunStatement = (name, text, values) => deps.query({ name, text, values });
  const cache = new TxGraphCache();
  const trust = new TrustCache();
  const buffer = new WriteBuffer();
  const bufferedMonths = new Set<string>();
  const matchIndex = new MatchIndexChanges(deps.matchIndexOn);
  const links = postgresLinkClickTx(deps.query);
  const planRows: PlanRowsState = { deps, buffer, cache, trust, matchIndex, bufferedMonths };
  const { flush, applyMerge, mark } = createTxFlush({ deps, run, cache, buffer, bufferedMonths });
  const reads = createTxReads({ deps, run, cache, trust, flush });

  /** Forgets the graph and trust caches (after a write they cannot follow, or an admin rewrite). */
  function clearCaches(): void {
    cache.clear();
    trust.clear();
  }

  async function applyEvent(input: ApplyInput): Promise<{ profileId: string | undefined }> {
    if (!followable(cache, input)) {
      await flush();
      await reads.loadFor(input);
      if (!followable(cache, input)) {
        // Every plan Kin makes comes from `resolve` over a snapshot this transaction loaded (decide-apply.ts),
        // so it is followable; a plan linking a stored identifier or naming a missing profile was written by
        // hand and is refused (the transaction rolls back) rather than written without its trust records.
        throw new UnfollowablePlanError(input.replay ? `replayed event ${input.replay.seq}` : `event ${input.event.messageId}`);
      }
    }
    const { event, sourceId, plan, replay } = input;
    const at = toMillis(event.receivedAt);
    const time = toMillis(event.timestamp);
    const profileId =
      plan.target.kind === 'new'
        ? (replay?.profileIdForNew ?? deps.ids.profileId())
        : plan.target.kind === 'existing'
          ? plan.target.profileId
          : undefined;
    const consentMode = plan.consent?.onMerge === 'latest' ? 'latest' : 'most_restrictive';
    for (const merge of plan.merges) {
      await applyMerge(merge, event.messageId, sourceId, at, consentMode);
      cache.merge(merge.survivorId, merge.absorbedId);
      matchIndex.changed(merge.survivorId, !replay);
      matchIndex.changed(merge.absorbedId, false);
    }
    bufferPlanRows(planRows, input, profileId, at, time);
    return { profileId };
  }

  async function addWarnings(warnings: NewWarning[]): Promise<void> {
    buffer.addWarnings(warnings);
  }

  return {
    sourceName: reads.sourceName,
    claimMessageIds: reads.claimMessageIds,
    prefetch: (events) => reads.prefetch(events.flatMap(snapshotKeys)),
    recordMatchLink: (link) => insertMatchLink(deps.query, link),
    markForRecompute: async (profileIds) => {
      mark(profileIds);
    },
    links,
    loadSnapshot: reads.loadSnapshot,
    applyEvent,
    addWarnings,
    flush,
    async beforeCommit() {
      await flush();
      await links.beforeCommit();
      await rekeyPostgres(deps.query, matchIndex.take(), deps.clock.now().getTime());
    },
    ...postgresIdentityTx({
      ids: deps.ids,
      digest: deps.digest,
      query: async (text, values) => {
        await flush();
        return deps.query<Record<string, unknown>>({ text, values });
      },
      clear: clearCaches,
    }),
  };
}
