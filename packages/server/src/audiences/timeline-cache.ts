/**
 * The evaluator's memory of recently recomputed profiles' events, so a profile that gets one more event costs
 * one parsed event, not a re-read of its whole timeline. Events arrive from the feed (`add`) and join their
 * profile's entry at its next read; an entry is read again from the store when the profile's composition
 * (itself and the profiles merged into it) changed, when an undo or split rebuilt it (`forget`), or when it is
 * older than a minute (a safety net for changes that add no event, such as an erasure).
 *
 * Why it stays exact: entries are keyed by seq, so an event both read from the store and delivered by the
 * feed counts once, and the feed delivers every committed event (audience-feed.ts). It keeps only the
 * events of the names a definition reads (the others change no value); a cache made for other definitions is
 * replaced, not reused. Each entry is kept in evaluation order (`compareEvents`), so the evaluator need not
 * sort it again.
 */
import type { TrackingEvent } from '@kin/core';
import { compareEvents, projectEvent } from '@kin/core';
import type { AudienceStore, SeqEvent } from '../storage/audience-store.ts';
import type { TimelineReader } from './audience-recompute.ts';

/** Profiles whose events are kept (least recently used ones are dropped first). */
const MAX_PROFILES = 20_000;
/** Age after which an entry is read again from the store, in ms. */
const MAX_AGE_MS = 60_000;
/** Feed events waiting for their profile's next recompute; past this many all are dropped and entries re-read. */
const MAX_WAITING = 200_000;

interface Entry {
  key: string;
  events: Map<number, TrackingEvent>;
  readAt: number;
}

/** The cache with its reader. */
export interface TimelineCache {
  /** An event the feed delivered for the profile it was assigned to. */
  add(profileId: string, seq: number, event: TrackingEvent): void;
  /** Drops what is known about these profiles (and any entry that holds their events). */
  forget(profileIds: Iterable<string>): void;
  read: TimelineReader;
}

/**
 * Creates an empty cache over the store's port, of the events of `names` (all without), each kept as its
 * projection on `paths` (`pathsRead`: what the definitions read; the whole event without); `now` is a
 * monotonic time in ms.
 */
export function createTimelineCache(
  port: AudienceStore,
  keep: { names?: ReadonlySet<string> | undefined; paths?: ReadonlyArray<readonly string[]> } = {},
  now: () => number = () => performance.now(),
): TimelineCache {
  const { names, paths } = keep;
  const project = (event: TrackingEvent): TrackingEvent => (paths ? projectEvent(event, paths) : event);
  const keeps = (event: TrackingEvent): boolean => names === undefined || names.has(event.event ?? '');
  const entries = new Map<string, Entry>();
  const waiting = new Map<string, Map<number, TrackingEvent>>();
  let waitingCount = 0;
  const clearWaiting = (): void => {
    waiting.clear();
    waitingCount = 0;
  };
  return {
    add(profileId, seq, event) {
      if (!keeps(event)) return;
      if (waitingCount >= MAX_WAITING) {
        entries.clear();
        clearWaiting();
      }
      let list = waiting.get(profileId);
      if (!list) waiting.set(profileId, (list = new Map()));
      list.set(seq, project(event));
      waitingCount += 1;
    },
    forget(profileIds) {
      const ids = new Set(profileIds);
      for (const [live, entry] of entries) if (entry.key.split('\u0000').some((id) => ids.has(id))) entries.delete(live);
      for (const id of ids) entries.delete(id);
    },
    async read(groups) {
      const out = new Map<string, SeqEvent[]>();
      const missing = new Map<string, readonly string[]>();
      const at = now();
      for (const [live, ids] of groups) {
        const entry = entries.get(live);
        if (!entry || entry.key !== ids.join('\u0000') || at - entry.readAt > MAX_AGE_MS) {
          missing.set(live, ids);
          continue;
        }
        let added = false;
        for (const id of ids) {
          const list = waiting.get(id);
          if (!list) continue;
          for (const [seq, event] of list) entry.events.set(seq, event);
          added = true;
          waitingCount -= list.size;
          waiting.delete(id);
        }
        entries.delete(live);
        entries.set(live, entry);
        const list = Array.from(entry.events, ([seq, event]) => ({ seq, event }));
        const sorted = added ? inOrder(list) : list;
        if (sorted !== list) entry.events = new Map(sorted.map((x) => [x.seq, x.event]));
        out.set(live, sorted);
      }
      if (missing.size === 0) return out;
      // Dropped before the read: the read holds every event the feed delivered so far (they were committed).
      // Handed to it, so that it need not read and parse them again (payloads never change).
      const held = new Map<number, TrackingEvent>();
      for (const ids of missing.values()) {
        for (const id of ids) {
          const list = waiting.get(id);
          if (!list) continue;
          for (const [seq, event] of list) held.set(seq, event);
          waitingCount -= list.size;
          waiting.delete(id);
        }
      }
      const read = await port.eventsOfProfiles(missing, names, held);
      for (const [live, whole] of read) {
        // The events handed in are kept as they came (projected when the feed added them).
        const list = inOrder(whole.map((x) => (held.get(x.seq) === x.event ? x : { seq: x.seq, event: project(x.event) })));
        entries.delete(live);
        entries.set(live, { key: missing.get(live)!.join('\u0000'), events: new Map(list.map((x) => [x.seq, x.event])), readAt: at });
        out.set(live, list);
      }
      for (const live of entries.keys()) {
        if (entries.size <= MAX_PROFILES) break;
        entries.delete(live);
      }
      return out;
    },
  };
}

/**
 * The events in evaluation order (`compareEvents`): `list` itself when already so, else a sorted copy. Why:
 * an entry kept in that order lets the evaluator skip its sort (`inEventOrder`); events mostly arrive in
 * order, so an entry is sorted again only when one arrives late.
 */
function inOrder(list: SeqEvent[]): SeqEvent[] {
  for (let i = 1; i < list.length; i++)
    if (compareEvents(list[i - 1]!.event, list[i]!.event) > 0) return [...list].sort((a, b) => compareEvents(a.event, b.event));
  return list;
}
