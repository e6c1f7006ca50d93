/**
 * The sending side of the PostgreSQL write transaction: what is buffered (partitions to make sure of, merges of
 * stored profiles, recompute marks, the write buffer's rows) goes to the database in a few statements, in the
 * order the flush statement relies on. Why a file of its own: the write path (postgres-writes.ts) decides what
 * to buffer, this file decides when and in which order it is sent, including the early flushes a merge needs.
 */
import type { QueryResultRow } from 'pg';
import type { PlannedMerge } from '@kin/core';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';
import { RECOMPUTE_MARKS_STATEMENT } from './postgres-audiences.ts';
import { FLUSH_STATEMENT, type OverflowingHistory } from './postgres-flush-statement.ts';
import type { TxGraphCache } from './postgres-graph-cache.ts';
import { ENSURE_PARTITION_STATEMENT } from './postgres-partitions.ts';
import { PRUNE_TRAIT_HISTORY } from './postgres-trait-order.ts';
import type { WriteBuffer } from './postgres-write-buffer.ts';
import { WRITE_STATEMENTS as SQL } from './postgres-write-statements.ts';
import type { WriteDeps } from './postgres-writes.ts';

/** Runs one named statement on the transaction's client. */
export type RunStatement = <R extends QueryResultRow>(name: string, text: string, values: unknown[]) => Promise<{ rows: R[] }>;

/** What the sending side shares with the rest of the transaction. */
export interface TxFlushState {
  deps: WriteDeps;
  run: RunStatement;
  cache: TxGraphCache;
  buffer: WriteBuffer;
  /** Months of buffered events, made sure of (their partition) before the flush statement. */
  bufferedMonths: Set<string>;
}

/** The sending side of one transaction. */
export interface TxFlush {
  /** Sends every buffered write. */
  flush(): Promise<void>;
  /** Buffers a merge (see `createTxFlush`). */
  applyMerge(merge: PlannedMerge, messageId: string, sourceId: string, at: string, consent: 'latest' | 'most_restrictive'): Promise<void>;
  /** Marks profiles for recompute at the next flush (one statement; a replay marks once per event). */
  mark(profileIds: Iterable<string>): void;
}

/**
 * The sending side of one transaction. A merge is applied in memory when the absorbed profile was created by
 * this transaction (all its rows are still in the buffer), else as the merge statement; the buffer is flushed
 * first only when the statement would miss buffered rows it must see (see `WriteBuffer.needsFlushBeforeMerge`).
 */
export function createTxFlush(state: TxFlushState): TxFlush {
  const { deps, run, cache, buffer, bufferedMonths } = state;
  /** Merges of stored profiles, in order, not yet sent (see `applyMerge`). */
  const pendingMerges: Array<Record<string, unknown>> = [];
  /** Profiles to mark for recompute, written at the next flush. */
  const pendingMarks = new Set<string>();

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

  function mark(profileIds: Iterable<string>): void {
    for (const id of profileIds) pendingMarks.add(id);
  }

  return { flush, applyMerge, mark };
}
