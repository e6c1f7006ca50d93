/**
 * `kin replay`: rebuilds every identity and profile from the stored event log under the current policy.
 * The graph is emptied (tombstones, do-not-link rules and undo/split entries stay), then every event is
 * re-resolved in seq order, in batches of one transaction each. Run it with Kin stopped: between batches
 * the graph is partly rebuilt.
 */
import type { Store } from '../storage/storage.ts';
import type { ResolveDeps } from './event-apply.ts';
import type { ReplayState } from './event-replay.ts';
import { finishReplay, replayEvents, startReplay } from './event-replay.ts';

/** What a replay changed, from the identifier partition before and after. */
export interface ReplayReport {
  events: number;
  profilesBefore: number;
  profilesAfter: number;
  /** Profiles whose identifiers now lie in more than one profile. */
  profilesSplit: number;
  /** Profiles that now hold identifiers of more than one former profile. */
  profilesMerged: number;
  /** Identifiers linked before and not now (refused under the current policy), first 100. */
  identifiersDropped: string[];
  identifiersDroppedCount: number;
  identifiersAddedCount: number;
  refused: ReplayState['refused'];
}

/** Options of `replayAll`. */
export interface ReplayAllOptions extends ResolveDeps {
  store: Store;
  at: string;
  /** Events per transaction (default 5,000). */
  batchSize?: number;
  /** Called after each batch with events done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Rebuilds the whole graph from the event log and reports what changed. */
export async function replayAll(options: ReplayAllOptions): Promise<ReplayReport> {
  const { store } = options;
  const batchSize = options.batchSize ?? 5000;
  const before = await store.identifierPartition();
  const total = (await store.stats()).events;
  const detached = await store.transaction((tx) => tx.resetGraph());
  const state = startReplay(detached);
  let after = 0;
  for (;;) {
    const done = await store.transaction(async (tx) => {
      const events = await tx.listReplayEvents(after, batchSize);
      await replayEvents(tx, events, options, state);
      const last = events.at(-1);
      if (last) after = last.seq;
      return events.length < batchSize;
    });
    options.onProgress?.(state.events, total);
    if (done) break;
  }
  await store.transaction((tx) => finishReplay(tx, detached, state, options.at));
  return { ...comparePartitions(before, await store.identifierPartition()), events: state.events, refused: state.refused };
}

/** Compares two identifier partitions (each a list of `type:value` lists). */
export function comparePartitions(before: string[][], after: string[][]): Omit<ReplayReport, 'events' | 'refused'> {
  const owner = (parts: string[][]) => {
    const map = new Map<string, number>();
    parts.forEach((part, index) => part.forEach((key) => map.set(key, index)));
    return map;
  };
  const beforeOf = owner(before);
  const afterOf = owner(after);
  let profilesSplit = 0;
  for (const part of before) {
    const targets = new Set(part.flatMap((key) => (afterOf.has(key) ? [afterOf.get(key)] : [])));
    if (targets.size > 1) profilesSplit++;
  }
  let profilesMerged = 0;
  for (const part of after) {
    const sources = new Set(part.flatMap((key) => (beforeOf.has(key) ? [beforeOf.get(key)] : [])));
    if (sources.size > 1) profilesMerged++;
  }
  const dropped = [...beforeOf.keys()].filter((key) => !afterOf.has(key)).sort();
  const added = [...afterOf.keys()].filter((key) => !beforeOf.has(key));
  return {
    profilesBefore: before.length,
    profilesAfter: after.length,
    profilesSplit,
    profilesMerged,
    identifiersDropped: dropped.slice(0, 100),
    identifiersDroppedCount: dropped.length,
    identifiersAddedCount: added.length,
  };
}
