/**
 * Store tests write plans straight through `tx.applyEvent`, as decide-apply.ts does: a new event row carries
 * its payload (the event as JSON text), a replayed one does not.
 */
import type { ApplyTarget } from '../pipeline/decide-apply.ts';
import type { ApplyInput, StoreTx } from '../storage/storage.ts';

/** Applies one plan in `tx`, adding the payload of a new event row. */
export function applyRow(tx: StoreTx, input: ApplyTarget & { plan: ApplyInput['plan'] }): ReturnType<StoreTx['applyEvent']> {
  const { replay, payload, ...common } = input;
  return tx.applyEvent(replay ? { ...common, replay } : { ...common, payload: payload ?? JSON.stringify(input.event) });
}
