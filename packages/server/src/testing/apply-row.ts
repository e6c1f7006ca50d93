/**
 * Store tests write plans straight through `tx.applyEvent`, as decide-apply.ts does: a new event row carries
 * its payload (the event as JSON text), a replayed one does not.
 */
import type { TrackingEvent } from '@kin/core';
import type { ApplyCommon, ReplayedEventRow, StoreTx } from '../storage/storage.ts';

/** What a test hands in: a whole event, and `replay` for a replayed row. */
export type RowInput = Omit<ApplyCommon, 'event'> & { event: TrackingEvent; replay?: ReplayedEventRow['replay']; payload?: string };

/** Applies one plan in `tx`, adding the payload of a new event row. */
export function applyRow(tx: StoreTx, input: RowInput): ReturnType<StoreTx['applyEvent']> {
  const { replay, payload, ...common } = input;
  return tx.applyEvent(replay ? { ...common, replay } : { ...common, payload: payload ?? JSON.stringify(input.event) });
}
