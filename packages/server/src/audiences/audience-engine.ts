/**
 * The evaluator of computed traits and audiences in a running server. Off the ingest hot path: it follows
 * the committed events (the store's event feed, audience-feed.ts) and marks their profiles dirty; one loop
 * recomputes dirty profiles in batches (audience-recompute.ts), re-checks profiles whose window boundary has
 * passed (a sweep on the Clock port), backfills new definitions over all profiles with progress, and writes
 * the entries and exits (audience-change-writer.ts).
 *
 * Why one loop: two recomputes of one profile at once could both see it enter an audience and write two
 * `Audience Entered` events; a single loop needs no locks.
 */
import type { AudienceDefinition, ComputedTraitDefinition } from '@kin/core';
import { pathsRead, stableJson } from '@kin/core';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { createFollowerLoop } from '../pipeline/follower-loop.ts';
import type { DefinitionKind, StoredDefinition } from '../storage/audience-store.ts';
import type { Store } from '../storage/storage.ts';
import { createChangeWriter } from './audience-change-writer.ts';
import type { PlannedEventSink } from './audience-events.ts';
import { storeSink } from './audience-events.ts';
import { createFeedFollower } from './audience-feed.ts';
import type { Definitions } from './audience-recompute.ts';
import { namesRead, recomputeProfiles } from './audience-recompute.ts';
import { createEvaluationMemo } from './evaluation-memo.ts';
import type { TimelineCache } from './timeline-cache.ts';
import { createTimelineCache } from './timeline-cache.ts';

/** Tuning of the loop (defaults suit a server; tests drive it with `drain`). */
export interface AudienceEngineOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /**
   * Pause between loop turns when idle, in ms. Why 250: a profile's events within one pause cost one
   * recompute (under load most shoppers send several), and the latency stays well inside the 1 s promise.
   */
  pollMs?: number;
  /** How often profiles due for a window re-check are looked up, in ms (window expiry lag). */
  sweepMs?: number;
  /** Profiles recomputed per batch. */
  batch?: number;
  /** Pause after a turn as a multiple of its duration (default `DUTY_PAUSE`; less on a thread of its own). */
  dutyPause?: number;
  /**
   * Where the `Audience Entered` / `Exited` events are written (default: a transaction of `store`). A SQLite
   * file's evaluator thread hands them to the ingest writer thread (see `PlannedEventWriter`).
   */
  writeEvents?: PlannedEventSink;
}

/** The running evaluator. */
export interface AudienceEngine {
  /** Marks profiles for recompute (undo, split, matching merges: changes that add no event). */
  profilesChanged(ids: Iterable<string>): void;
  /** Reloads definitions and queues their backfill (after a create or delete). */
  definitionsChanged(): Promise<void>;
  /** Runs the loop until nothing is left to do: feed read, sweep, dirty profiles, backfills (tests). */
  drain(): Promise<void>;
  /** Starts the background loop. */
  start(): void;
  /** Stops the loop and waits for the running turn. */
  stop(): Promise<void>;
  /** Number of profiles waiting for a recompute (metrics, tests). */
  pending(): number;
}

/**
 * Pause after a turn, as a multiple of the turn's duration (at most `MAX_PAUSE_MS`). Why: the evaluator shares
 * the HTTP thread (and the two cores) with ingestion; pausing as long as it worked caps it near half the
 * thread, so a burst of traffic slows the evaluator (more events coalesce per recompute) rather than the
 * ingest, and the cap keeps the real-time promise in sight.
 */
const DUTY_PAUSE = 1;
const MAX_PAUSE_MS = 500;

/** Marks dropped per turn while nothing is defined (a later definition's backfill covers every profile). */
const MARKS_PER_TURN = 10_000;

/** How often the lease holder re-reads the definitions (another process's API may have changed them), in ms. */
const DEFINITIONS_REREAD_MS = 5000;

/**
 * Batches of queued profiles recomputed per turn at most. Why more than one: under ingest the queue holds about
 * every active shopper; taking them all in one turn leaves nothing waiting, so the loop pauses `pollMs` and the
 * next turn finds several events per profile (one recompute each). Taking one batch left work waiting, and the
 * loop ran turn after turn with only the duty pause: a core's worth of recomputes of one or two events each,
 * taken from ingest.
 */
const DIRTY_BATCHES_PER_TURN = 4;

/** Feed pages (of `FEED_PAGE` events) read per turn at most. */
const FEED_PAGES_PER_TURN = 10;

/** Creates the evaluator (not started). */
export function createAudienceEngine(options: AudienceEngineOptions): AudienceEngine {
  const { store, clock, logger } = options;
  const port = store.audiences;
  const pollMs = options.pollMs ?? 250;
  const sweepMs = options.sweepMs ?? 10_000;
  const batch = options.batch ?? 500;
  const dutyPause = options.dutyPause ?? DUTY_PAUSE;
  const changes = createChangeWriter({ store, clock, logger, sink: options.writeEvents ?? storeSink(store) });
  const dirty = new Set<string>();
  let definitions: Definitions = { traits: [], audiences: [] };
  let backfill: { traits: string[]; audiences: string[]; offset: number; total: number } | undefined;
  const feed = createFeedFollower(port);
  // Without a recorded feed position the feed starts at the end of what is committed when the engine is
  // made: earlier events are covered by backfills (a definition's backfill evaluated every profile once).
  const startSeq = port.lastEventSeq().catch(() => 0);
  const lease = port.evaluatorLease();
  let holding = false;
  /** True once a try found the lease taken (a takeover is then worth a log line). */
  let waited = false;
  let definitionsReadAt = -Infinity;
  let timelines = eventMemory();
  const memo = createEvaluationMemo();
  let lastSweep = -Infinity;

  /** A memory of timelines that keeps the events the current definitions read. */
  function eventMemory(): TimelineCache {
    return createTimelineCache(port, { names: namesRead(definitions), paths: pathsRead(definitions.traits, definitions.audiences) });
  }

  async function loadDefinitions(): Promise<void> {
    const [traits, audiences] = await Promise.all([port.listDefinitions('trait'), port.listDefinitions('audience')]);
    definitionsReadAt = performance.now();
    const read = { traits: traits.map((t) => t.definition), audiences: audiences.map((a) => a.definition) };
    // Other definitions make every remembered evaluation stale (a deleted one's values are gone from the store),
    // and may read events the memory of timelines did not keep.
    const changed = stableJson(read) !== stableJson(definitions);
    definitions = read;
    if (changed) {
      memo.clear();
      timelines = eventMemory();
    }
    const waiting = (list: Array<StoredDefinition<ComputedTraitDefinition | AudienceDefinition>>): string[] =>
      list.filter((d) => d.status === 'backfilling').map((d) => d.definition.key);
    const traitKeys = waiting(traits);
    const audienceKeys = waiting(audiences);
    // A new definition restarts the pass: every profile must be evaluated with it. The same waiting ones
    // (a periodic re-read) keep their pass going.
    if (traitKeys.length + audienceKeys.length === 0) return;
    if (backfill && backfill.traits.join() === traitKeys.join() && backfill.audiences.join() === audienceKeys.join()) return;
    backfill = { traits: traitKeys, audiences: audienceKeys, offset: 0, total: (await store.stats()).profiles };
  }

  /**
   * True while this engine holds the lease. Taking it over resumes the feed where the last holder recorded
   * it and re-reads the definitions (another process may have made some); losing it drops what was queued.
   * Re-evaluating what the last holder did is harmless: a recompute compares with the stored state, so an
   * entry or exit already stored is not recorded again.
   */
  async function holdLease(): Promise<boolean> {
    const held = await lease.hold();
    if (held && !holding) {
      feed.resumeAt((await port.readFeedCursor()) ?? (await startSeq));
      timelines = eventMemory();
      memo.clear();
      backfill = undefined;
      await loadDefinitions();
      if (waited) logger.info('audience evaluator: took the lease over', { feedSeq: feed.position() });
    } else if (!held && holding) {
      dirty.clear();
      backfill = undefined;
      logger.warn('audience evaluator: lost the lease; another process evaluates');
    }
    holding = held;
    if (!held) waited = true;
    return held;
  }

  /** Records the feed position while holding the lease (see `FeedFollower.record`). */
  async function recordCursor(force: boolean): Promise<void> {
    if (holding) await feed.record(force);
  }

  async function recompute(ids: string[]): Promise<void> {
    const result = await recomputeProfiles(store, definitions, ids, clock.now(), { readEvents: timelines.read, memo });
    changes.add(result.changes);
  }

  async function backfillStep(): Promise<void> {
    // The pass this step works on: a definition change while it awaits starts a new pass (from offset 0),
    // which this step must neither advance nor end.
    const pass = backfill;
    if (!pass) return;
    const ids = await store.listProfileIds({ order: 'oldest', limit: batch, offset: pass.offset });
    await recompute(ids);
    pass.offset += ids.length;
    const done = ids.length < batch;
    const progress = done ? 1 : Math.min(0.99, pass.offset / Math.max(1, pass.total));
    const status = done ? 'live' : 'backfilling';
    if (backfill !== pass) return;
    for (const [kind, keys] of [
      ['trait', pass.traits],
      ['audience', pass.audiences],
    ] as Array<[DefinitionKind, string[]]>) {
      if (keys.length > 0) await port.setStatus(kind, keys, status, progress);
    }
    if (done && backfill === pass) backfill = undefined;
  }

  /** One turn; true when more work is waiting. */
  async function turn(): Promise<boolean> {
    // A standby does nothing but try the lease; the holder re-reads definitions made by other processes.
    if (!(await holdLease())) return false;
    if (performance.now() - definitionsReadAt >= DEFINITIONS_REREAD_MS) await loadDefinitions();
    if (definitions.traits.length + definitions.audiences.length === 0 && !backfill) {
      // Nothing to evaluate: skip the events (a new definition's backfill covers them), parse none of them.
      feed.skipTo(await port.lastEventSeq());
      dirty.clear();
      const marks = await port.recomputeMarks(MARKS_PER_TURN);
      await port.clearRecomputeMarks(marks.map((m) => m.id));
      await changes.flush(true);
      return marks.length === MARKS_PER_TURN;
    }
    // The feed is read to its end (up to FEED_PAGES_PER_TURN pages): parsing an event costs far less than a
    // recompute, and a profile whose event waits unread in the feed is not even queued.
    const target = { timelines: () => timelines, dirty, names: namesRead(definitions) };
    let moreFeed = await feed.readPage(target);
    for (let page = 1; moreFeed && page < FEED_PAGES_PER_TURN; page++) moreFeed = await feed.readPage(target);
    await recordCursor(false);
    const now = clock.now().getTime();
    if (now - lastSweep >= sweepMs) {
      lastSweep = now;
      for (const id of await port.dueProfiles(new Date(now).toISOString(), 10_000)) dirty.add(id);
    }
    // Marked profiles first (changes without events: a matching merge, a replay), then the feed's.
    const marks = await port.recomputeMarks(batch);
    if (marks.length > 0) {
      const ids = [...new Set(marks.map((m) => m.profileId))];
      timelines.forget(ids);
      memo.forget(ids);
      for (const id of ids) dirty.delete(id);
      await recompute(ids);
      await port.clearRecomputeMarks(marks.map((m) => m.id));
    } else if (dirty.size > 0) {
      const ids = [...dirty].slice(0, batch * DIRTY_BATCHES_PER_TURN);
      for (const id of ids) dirty.delete(id);
      await recompute(ids);
    } else if (backfill) {
      await backfillStep();
    }
    await changes.flush(false);
    return moreFeed || marks.length > 0 || dirty.size > 0 || backfill !== undefined;
  }

  // The duty cycle: after a turn of t ms, dutyPause * t ms (capped) for the ingest path on this thread.
  const loop = createFollowerLoop({
    turn,
    pollMs,
    dutyPause,
    maxPauseMs: MAX_PAUSE_MS,
    errorPauseMs: pollMs * 10,
    onError: (error) => logger.error('audience evaluator turn failed', { error: error instanceof Error ? error.name : 'unknown' }),
  });

  return {
    profilesChanged(ids) {
      const list = [...ids];
      timelines.forget(list);
      memo.forget(list);
      for (const id of list) dirty.add(id);
    },
    async definitionsChanged() {
      await loadDefinitions();
    },
    async drain() {
      await loop.drain({
        before: () => {
          lastSweep = -Infinity;
        },
      });
      await changes.flush(true);
    },
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await changes.flush(true).catch(() => logger.warn('audience events were not written at stop'));
      await recordCursor(true).catch(() => logger.warn('the audience feed position was not recorded at stop'));
      holding = false;
      await lease.release();
    },
    pending: () => dirty.size,
  };
}
