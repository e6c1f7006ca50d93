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
 * postgres-plan-rows.ts; the statements are in postgres-write-statements.ts.
 */
import type { QueryConfig, QueryResultRow } from 'pg';
import { snapshotKeys } from '@kin/core';
import type { Identifier, IdentitySnapshot, PlannedMerge } from '@kin/core';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { ApplyInput, NewWarning, StoreTx } from '../storage.ts';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';
import { PRUNE_TRAIT_HISTORY } from './postgres-trait-order.ts';
import type { LockedSnapshotRow } from './postgres-graph-cache.ts';
import { insertMatchLink } from './postgres-matching-store.ts';
import { RECOMPUTE_MARKS_STATEMENT } from './postgres-audiences.ts';
import { postgresLinkClickTx } from './postgres-links.ts';
import { postgresIdentityTx } from './postgres-identity-ops.ts';
import { TxGraphCache } from './postgres-graph-cache.ts';
import type { TrustRow } from './postgres-trust-cache.ts';
import { TRUST_STATEMENT, TrustCache } from './postgres-trust-cache.ts';
import { ENSURE_PARTITION_STATEMENT } from './postgres-partitions.ts';
import { toMillis } from './postgres-write-values.ts';
import { FLUSH_STATEMENT, type OverflowingHistory } from './postgres-flush-statement.ts';
import { WriteBuffer } from './postgres-write-buffer.ts';
import { MatchIndexChanges, rekeyPostgres } from './postgres-match-index.ts';

import { WRITE_STATEMENTS as SQL } from './postgres-write-statements.ts';
import { bufferPlanRows, type PlanRowsState } from './postgres-plan-rows.ts';

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
 * `prefetch` for a whole batch, or per event on a miss); plans the cache can follow are buffered and flushed
 * in bulk. A plan naming profiles the transaction never locked is read into the cache first; one it still
 * cannot follow (written by hand: linking a stored identifier, naming a missing profile) is refused with
 * `UnfollowablePlanError`.
 */
/** A plan the store cannot follow: it links an identifier already stored or names a missing profile. */
export class UnfollowablePlanError extends Error {
  readonly code = 'unfollowable_plan';
  constructor(what: string) {
    super(
      `${what}: the plan links an identifier already stored or names a missing profile (plans come from resolve over this transaction's snapshot)`,
    );
    this.name = 'UnfollowablePlanError';
  }
}

export function createPostgresTx(deps: WriteDeps): PostgresTx {
  const run = <R extends QueryResultRow>(name: string, text: string, values: unknown[]) => deps.query<R>({ name, text, values });
  const cache = new TxGraphCache();
  const trust = new TrustCache();
  const buffer = new WriteBuffer();
  const bufferedMonths = new Set<string>();
  /** Merges of stored profiles, in order, not yet sent (see `applyMerge`). */
  const pendingMerges: Array<Record<string, unknown>> = [];
  const matchIndex = new MatchIndexChanges(deps.matchIndexOn);
  /** Profiles to mark for recompute, written at the next flush (one statement; a replay marks once per event). */
  const pendingMarks = new Set<string>();
  const links = postgresLinkClickTx(deps.query);
  const planRows: PlanRowsState = { deps, buffer, cache, trust, matchIndex, bufferedMonths };

  async function claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]> {
    if (messageIds.length === 0) return [];
    // Sorted and unique: two transactions claiming overlapping batches lock index entries in one order.
    const unique = [...new Set(messageIds)].sort();
    const { rows } = await run<{ message_id: string }>(SQL.claim.name, SQL.claim.text, [sourceId, unique, deps.clock.now().toISOString()]);
    const fresh = new Set(rows.map((r) => r.message_id));
    // The first occurrence of a fresh id in the request claims it; repeats within the request are duplicates.
    return messageIds.map((id) => fresh.delete(id));
  }

  /** Locks and reads these identifiers (and the profiles they reach) into the cache: one round trip. */
  async function lookup(identifiers: Identifier[]): Promise<void> {
    // The database must hold what the cache holds before the cache takes the database's answer.
    await flush();
    const { rows } = await run<LockedSnapshotRow>(SQL.lockSnapshot.name, SQL.lockSnapshot.text, [
      identifiers.map((i) => i.type),
      identifiers.map((i) => i.value),
    ]);
    cache.load(identifiers, rows);
    await loadTrust(identifiers, rows);
  }

  /** Tombstones, rules and device users of these identifiers; rules of every identifier of the rows' profiles. */
  async function loadTrust(identifiers: Identifier[], rows: LockedSnapshotRow[]): Promise<void> {
    const held = rows.flatMap((r) => (r.type === null || r.value === null ? [] : [{ type: r.type, value: r.value }]));
    const request = trust.request(identifiers, held);
    if (!request) return;
    const { full, rulesOnly } = request;
    const { rows: trustRows } = await run<TrustRow>(TRUST_STATEMENT.name, TRUST_STATEMENT.text, [
      full.map((i) => i.type),
      full.map((i) => i.value),
      rulesOnly.map((i) => i.type),
      rulesOnly.map((i) => i.value),
      full.map(deps.digest),
    ]);
    trust.load(full, rulesOnly, trustRows);
  }

  /** Locks and reads what a hand-written plan names and the cache does not hold (profiles, identifiers). */
  async function loadFor({ plan }: ApplyInput): Promise<void> {
    const identifiers = [...plan.links.map((l) => l.identifier), ...plan.touches].filter((i) => !cache.covers(i));
    if (identifiers.length > 0) await lookup(identifiers);
    const named = [
      ...(plan.target.kind === 'existing' ? [plan.target.profileId] : []),
      ...plan.merges.flatMap((m) => [m.survivorId, m.absorbedId]),
    ];
    const profiles = [...new Set(named)].filter((id) => !cache.hasProfile(id));
    if (profiles.length === 0) return;
    await flush();
    await run(SQL.lockProfiles.name, SQL.lockProfiles.text, [profiles]);
    const { rows } = await run<LockedSnapshotRow>(SQL.readProfiles.name, SQL.readProfiles.text, [profiles]);
    cache.load([], rows);
    await loadTrust([], rows);
  }

  /** Forgets the graph and trust caches (after a write they cannot follow, or an admin rewrite). */
  function clearCaches(): void {
    cache.clear();
    trust.clear();
  }

  async function prefetch(identifiers: Identifier[]): Promise<void> {
    const missing = identifiers.filter((i) => !cache.covers(i));
    if (missing.length > 0) await lookup(missing);
    // An identifier the graph cache holds only because a reached profile holds it has its rules loaded, not
    // its tombstone or device users (rare: a batch's prefetch asks for all its identifiers at once).
    await loadTrust(identifiers, []);
  }

  async function loadSnapshot(
    identifiers: Identifier[],
    options: { beforeSeq?: number; deviceTypes?: readonly string[] } = {},
  ): Promise<IdentitySnapshot> {
    if (identifiers.length === 0) return { known: [], profiles: new Map() };
    await prefetch(identifiers);
    return trust.extend(identifiers, cache.snapshot(identifiers), options.beforeSeq, options.deviceTypes);
  }

  /** True when every profile and identifier the plan names is in the cache (the resolver's plans always are). */
  function followable({ plan }: ApplyInput): boolean {
    if (plan.target.kind === 'existing' && !cache.hasProfile(plan.target.profileId)) return false;
    if (plan.merges.some((m) => !cache.hasProfile(m.survivorId) || !cache.hasProfile(m.absorbedId))) return false;
    if (plan.touches.some((t) => !cache.identifier(t))) return false;
    return plan.links.every((l) => !cache.identifier(l.identifier));
  }

  async function applyEvent(input: ApplyInput): Promise<{ profileId: string | undefined }> {
    if (!followable(input)) {
      await flush();
      await loadFor(input);
      if (!followable(input)) {
        // Every plan Kin makes comes from `resolve` over a snapshot this transaction loaded (decide-apply.ts),
        // so it is followable; a plan linking a stored identifier or naming a missing profile was written by
        // hand and is refused (the transaction rolls back) rather than written without its trust records.
        throw new UnfollowablePlanError(input.replay ? `replayed event ${input.replay.seq}` : `event ${input.event.messageId}`);
      }
    }
    const { event, sourceId, plan, replay } = input;
    const at = toMillis(event.receivedAt);
    const time = toMillis(event.timestamp);
    const newId = () => replay?.profileIdForNew ?? deps.ids.profileId();
    const profileId = plan.target.kind === 'new' ? newId() : plan.target.kind === 'existing' ? plan.target.profileId : undefined;
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

  async function flushMonths(): Promise<void> {
    for (const month of bufferedMonths) {
      if (!deps.ensuredMonths.has(month)) await run(ENSURE_PARTITION_STATEMENT.name, ENSURE_PARTITION_STATEMENT.text, [month]);
      deps.ensuredMonths.add(month);
    }
    bufferedMonths.clear();
  }

  async function flush(): Promise<void> {
    await flushMonths();
    if (pendingMerges.length > 0) {
      const merges = JSON.stringify(pendingMerges);
      pendingMerges.length = 0;
      await run(SQL.mergeBatch.name, SQL.mergeBatch.text, [merges]);
    }
    if (pendingMarks.size > 0) {
      const marks = [...pendingMarks].sort();
      pendingMarks.clear();
      await run(RECOMPUTE_MARKS_STATEMENT.name, RECOMPUTE_MARKS_STATEMENT.text, [marks]);
    }
    if (buffer.empty) return;
    const { rows: overflowing } = await run<OverflowingHistory>(FLUSH_STATEMENT.name, FLUSH_STATEMENT.text, buffer.take());
    if (overflowing.length > 0)
      await run(PRUNE_TRAIT_HISTORY.name, PRUNE_TRAIT_HISTORY.text, [
        overflowing.map((r) => r.profile_id),
        overflowing.map((r) => r.key),
        TRAIT_HISTORY_KEPT,
      ]);
  }

  /**
   * A merge, in memory when the absorbed profile was created by this transaction (all its rows are still in
   * the buffer), else as the merge statement; the buffer is flushed first only when the statement would miss
   * buffered rows it must see (see `WriteBuffer.needsFlushBeforeMerge`).
   */
  async function applyMerge(
    merge: PlannedMerge,
    messageId: string,
    sourceId: string,
    at: string,
    consent: 'latest' | 'most_restrictive',
  ): Promise<void> {
    const sides = { survivor: cache.identifiersOf(merge.survivorId), absorbed: cache.identifiersOf(merge.absorbedId) };
    // Consent merges in SQL only (kin_merge_batch_v2): buffered consent of either side is stored first.
    if (buffer.hasConsent(merge.survivorId) || buffer.hasConsent(merge.absorbedId)) await flush();
    if (buffer.isNew(merge.absorbedId)) {
      buffer.absorbNew({
        ...merge,
        id: deps.ids.rowId(),
        via: merge.via,
        message_id: messageId,
        source_id: sourceId,
        created_at: at,
        sides,
      });
      return;
    }
    if (buffer.needsFlushBeforeMerge(merge.survivorId, merge.absorbedId)) await flush();
    buffer.beforeMergeStatement(merge.survivorId, merge.absorbedId);
    // Deferred to the next flush, which runs pending merges before the buffered writes: what is buffered now
    // does not touch these two profiles' rows (or it was just flushed), and everything buffered later comes
    // after the merge anyway.
    pendingMerges.push({
      survivor_id: merge.survivorId,
      absorbed_id: merge.absorbedId,
      at,
      id: deps.ids.rowId(),
      rule: merge.rule,
      via: merge.via,
      message_id: messageId,
      source_id: sourceId,
      sides,
      consent,
    });
  }

  async function addWarnings(warnings: NewWarning[]): Promise<void> {
    buffer.addWarnings(warnings);
  }

  // Per transaction: a source id never changes its name.
  const sourceNames = new Map<string, string | undefined>();
  async function sourceName(sourceId: string): Promise<string | undefined> {
    if (!sourceNames.has(sourceId)) {
      const { rows } = await deps.query<{ name: string }>({
        name: 'kin_source_name_v1',
        text: 'SELECT name FROM sources WHERE id = $1',
        values: [sourceId],
      });
      sourceNames.set(sourceId, rows[0]?.name);
    }
    return sourceNames.get(sourceId);
  }

  return {
    sourceName,
    claimMessageIds,
    prefetch: (events) => prefetch(events.flatMap(snapshotKeys)),
    recordMatchLink: (link) => insertMatchLink(deps.query, link),
    markForRecompute: async (profileIds) => {
      for (const id of profileIds) pendingMarks.add(id);
    },
    links,
    loadSnapshot: (identifiers, options) => loadSnapshot(identifiers, options),
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
