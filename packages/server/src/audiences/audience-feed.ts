/**
 * The evaluator's follower of the store's event feed (by seq): it queues the profile of every committed event,
 * hands the events a definition reads to the memory of timelines, and records its position for a next lease
 * holder. Why a feed instead of a hook in the write path: the writer thread (embedded) and the NATS workers
 * (scale-out) commit elsewhere, and the feed sees every commit of every writer without slowing any of them.
 */
import type { TrackingEvent } from '@kin/core';
import type { AudienceStore } from '../storage/audience-store.ts';
import { isRecordedAudienceEvent } from './audience-events.ts';
import type { TimelineCache } from './timeline-cache.ts';

/** Events per feed page. */
export const FEED_PAGE = 5000;

/** Where a feed page goes: the memory of timelines and the set of profiles to recompute. */
export interface FeedTarget {
  /** The current memory (a definition change while a page is read replaces it). */
  timelines: () => TimelineCache;
  dirty: Set<string>;
  /** The names a definition reads (`undefined`: every name). */
  names: ReadonlySet<string> | undefined;
}

/** The feed position and its reads. */
export interface FeedFollower {
  /** The last seq read (`undefined` before `resumeAt`). */
  position(): number | undefined;
  /** Continues after `seq`, recorded there (a lease taken), forgetting what was read. */
  resumeAt(seq: number): void;
  /** Skips to `seq` (nothing defined: the feed's end), forgetting what was read; recorded at the next `record`. */
  skipTo(seq: number): void;
  /** Reads one page into `target`; true when a full page of new events suggests more are waiting. */
  readPage(target: FeedTarget): Promise<boolean>;
  /** Records the position (at most once a second unless `force`), where a next holder resumes. */
  record(force: boolean): Promise<void>;
}

/** Creates a follower that has not resumed yet. */
export function createFeedFollower(port: AudienceStore): FeedFollower {
  const overlap = port.feedOverlap;
  let feedSeq: number | undefined;
  let written: { seq: number; at: number } | undefined;
  const recentSeqs = new Set<number>();
  return {
    position: () => feedSeq,
    resumeAt(seq) {
      feedSeq = seq;
      written = { seq, at: performance.now() };
      recentSeqs.clear();
    },
    skipTo(seq) {
      feedSeq = seq;
      recentSeqs.clear();
    },
    async readPage({ timelines, dirty, names }) {
      if (feedSeq === undefined) return false;
      const rows = await port.eventsAfter(Math.max(0, feedSeq - overlap), FEED_PAGE, names);
      let fresh = false;
      for (const row of rows) {
        if (recentSeqs.has(row.seq) || row.seq <= feedSeq - overlap) continue;
        recentSeqs.add(row.seq);
        fresh = true;
        if (row.profileId) {
          // Only an event a definition reads is parsed and kept. Every event queues its profile (it may have changed
          // its traits, consent or identity) but the entries and exits the evaluator wrote, which change none of these.
          const read = names === undefined || names.has(row.event ?? '');
          if (read) {
            const event = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as TrackingEvent;
            timelines().add(row.profileId, row.seq, event);
          }
          if (read || !isRecordedAudienceEvent({ ...(row.event !== null ? { event: row.event } : {}), messageId: row.messageId }))
            dirty.add(row.profileId);
        }
        if (row.seq > feedSeq) feedSeq = row.seq;
      }
      for (const seq of recentSeqs) if (seq <= feedSeq - overlap) recentSeqs.delete(seq);
      return fresh && rows.length >= FEED_PAGE;
    },
    async record(force) {
      if (feedSeq === undefined || feedSeq === written?.seq) return;
      const at = performance.now();
      if (!force && written && at - written.at < 1000) return;
      written = { seq: feedSeq, at };
      await port.writeFeedCursor(feedSeq);
    },
  };
}
