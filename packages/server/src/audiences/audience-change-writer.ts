/**
 * The evaluator's writer of `Audience Entered` / `Exited` events: entries and exits wait here and are written
 * at most once a second, one write after the other, in the background.
 *
 * Why batched: each write is a commit to the events by a second writer (which costs the ingest writer its
 * cache and a wait for the lock) or a round trip to the writer thread and a share of its next group;
 * memberships are stored at once, their timeline events follow within a second. Why in the background: a turn
 * does not wait for the ingest writer's queue and sync (seconds under load), which would hold every recompute
 * behind it; `force` (drain, stop) waits.
 */
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import type { AudienceChange, PlannedEventSink } from './audience-events.ts';
import { audienceSourceId, recordAudienceChanges } from './audience-events.ts';

/** Entries and exits waiting past this many are written without waiting for the second to pass. */
const FLUSH_AT = 5000;

/** The waiting entries and exits and their writes. */
export interface ChangeWriter {
  /** Queues entries and exits. */
  add(changes: readonly AudienceChange[]): void;
  /** Writes what waits (at most once a second unless `force`, which also waits for the writes in flight). */
  flush(force: boolean): Promise<void>;
}

/** Creates a writer of audience events through `sink`. */
export function createChangeWriter(options: { store: Store; clock: Clock; logger: Logger; sink: PlannedEventSink }): ChangeWriter {
  const { store, clock, logger, sink } = options;
  const pending: AudienceChange[] = [];
  let lastFlush = -Infinity;
  let flushing: Promise<void> = Promise.resolve();
  let sourceId: string | undefined;
  return {
    add(changes) {
      pending.push(...changes);
    },
    async flush(force) {
      const now = clock.now();
      if (pending.length === 0 || (!force && now.getTime() - lastFlush < 1000 && pending.length < FLUSH_AT)) {
        if (force) await flushing;
        return;
      }
      lastFlush = now.getTime();
      const changes = pending.splice(0);
      const source = (sourceId ??= await audienceSourceId(store, now.toISOString()));
      // A write that fails (the writer thread restarting, the disk full) puts its entries back in front, for the
      // next flush: nothing was committed, and their messageIds are the same when written again.
      flushing = flushing.then(() =>
        recordAudienceChanges(sink, source, changes).catch((error: unknown) => {
          pending.unshift(...changes);
          logger.warn('audience events not written yet; retrying', { error: error instanceof Error ? error.name : 'unknown' });
        }),
      );
      if (force) await flushing;
    },
  };
}
