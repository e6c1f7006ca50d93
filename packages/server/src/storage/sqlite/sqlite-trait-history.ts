/**
 * Per-trait history on the SQLite write path: each value a trait receives is kept (the newest
 * `TRAIT_HISTORY_KEPT` by event time); a repeat of the newest value only moves its time.
 *
 * Why the heads are cached: deciding "repeat or new value" needs the newest entry and the number kept, and
 * reading them for every trait write was the largest part of the history's cost (an identify-heavy stream
 * writes new values most of the time). The writer is the only one writing `trait_history`, so it keeps the
 * newest entry of each (profile, key) it has seen in the graph cache (`GraphCache.traitHeads`), cleared
 * with it (a rolled-back transaction, another process's commit, a detach or reset). A profile created by
 * this writer has no history, so its traits are written without any read at all.
 */
import type Database from 'better-sqlite3';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';
import type { GraphCache, ProfileTraitHeads, TraitHead } from './sqlite-graph-cache.ts';

/**
 * Trait heads the writer keeps before it forgets them all (about 150 bytes each plus the value's text: some
 * 40 MB). Why a count of heads and not of profiles: a profile may hold any number of traits.
 */
export const MAX_TRAIT_HEADS = 250_000;

/**
 * Migration 48: the history's index without the time. Why: a repeated value moves its entry's `ts` (about one
 * trait write in four on an identify-heavy stream), and with `ts` in the index each move also rewrote an index
 * entry and dirtied its page (half the cost of the move, measured). Every query reads one profile's entries, or
 * one trait's (at most `TRAIT_HISTORY_KEPT` and a few more), and sorts those few by time.
 */
export const SQLITE_TRAIT_HISTORY_KEY_MIGRATION = {
  version: 48,
  name: 'trait history index without the time',
  sql: `
    DROP INDEX trait_history_key;
    CREATE INDEX trait_history_key ON trait_history (profile_id, key);
  `,
};

/** One write of a trait, as the history records it (`value` is JSON text, `null` for an unset). */
export interface TraitHistoryEntry {
  profileId: string;
  key: string;
  value: string | null;
  ts: string;
  sourceId: string;
  trust: number;
}

/** The history writer of one store (see the file comment). */
export function createSqliteTraitHistory(db: Database.Database, cache: GraphCache, maxHeads = MAX_TRAIT_HEADS) {
  const add = db.prepare('INSERT INTO trait_history (profile_id, key, value, ts, source_id, trust) VALUES (?, ?, ?, ?, ?, ?)');
  // The newest value of a trait's history, with the number of values kept (an index range of at most a few more than TRAIT_HISTORY_KEPT).
  const newest = db.prepare(
    `SELECT seq, value, source_id, trust, ts, (SELECT count(*) FROM trait_history WHERE profile_id = @profileId AND key = @key) AS n
     FROM trait_history WHERE profile_id = @profileId AND key = @key ORDER BY ts DESC, seq DESC LIMIT 1`,
  );
  const retime = db.prepare('UPDATE trait_history SET ts = ? WHERE seq = ?');
  // Keeps the newest values of one trait; the index walk stops after the kept ones.
  const prune = db.prepare(
    `DELETE FROM trait_history WHERE seq IN (
       SELECT seq FROM trait_history WHERE profile_id = ? AND key = ? ORDER BY ts DESC, seq DESC LIMIT -1 OFFSET ?)`,
  );
  const move = db.prepare('UPDATE trait_history SET profile_id = ? WHERE profile_id = ?');
  const pruneProfile = db.prepare(
    `DELETE FROM trait_history WHERE seq IN (SELECT seq FROM (
       SELECT seq, row_number() OVER (PARTITION BY key ORDER BY ts DESC, seq DESC) AS n FROM trait_history WHERE profile_id = ?) WHERE n > ?)`,
  );

  function headsOf(profileId: string): ProfileTraitHeads {
    // Safe at any time, inside a transaction too: every head is in the table, which this connection reads as written.
    if (cache.traitHeadCount >= maxHeads) cache.forgetTraitHeads();
    let heads = cache.traitHeads.get(profileId);
    if (!heads) {
      heads = { complete: false, byKey: new Map() };
      cache.traitHeads.set(profileId, heads);
    }
    return heads;
  }

  /** The newest entry of a trait's history (from the cache, read once on a miss), or null when it has none. */
  function headOf(heads: ProfileTraitHeads, profileId: string, key: string): TraitHead | null {
    const cached = heads.byKey.get(key);
    if (cached !== undefined) return cached;
    if (heads.complete) return null;
    const row = newest.get({ profileId, key }) as
      { seq: number; value: string | null; source_id: string; trust: number; ts: string; n: number } | undefined;
    const head = row ? { seq: row.seq, value: row.value, sourceId: row.source_id, trust: row.trust, ts: row.ts, n: row.n } : null;
    heads.byKey.set(key, head);
    cache.traitHeadCount++;
    return head;
  }

  /**
   * Records one write of a trait; true when it repeats the newest value of the history (same value, source
   * and rank, not older), which only moves that entry's time. Why: the history grows only when a value
   * changes, and is pruned only when it is full.
   */
  function record(entry: TraitHistoryEntry): boolean {
    const heads = headsOf(entry.profileId);
    const head = headOf(heads, entry.profileId, entry.key);
    const time = entry.ts;
    if (head && head.value === entry.value && head.sourceId === entry.sourceId && head.trust === entry.trust && head.ts <= time) {
      if (head.ts !== time) {
        retime.run(time, head.seq);
        head.ts = time;
      }
      return true;
    }
    // Positional parameters: binding by name costs about 0.7 µs more per row.
    const seq = Number(add.run(entry.profileId, entry.key, entry.value, time, entry.sourceId, entry.trust).lastInsertRowid);
    if (head && head.n >= TRAIT_HISTORY_KEPT) prune.run(entry.profileId, entry.key, TRAIT_HISTORY_KEPT);
    const n = head === null ? 1 : Math.min(head.n + 1, TRAIT_HISTORY_KEPT);
    // A new seq is above every stored one, so the new entry is the newest unless it is older than the head.
    if (head === null) {
      if (heads.complete) cache.traitHeadCount++;
      heads.byKey.set(entry.key, { seq, value: entry.value, sourceId: entry.sourceId, trust: entry.trust, ts: time, n });
    } else if (head.ts <= time) {
      // In place (each head is held by one profile's map only): no new object per changed value.
      head.seq = seq;
      head.value = entry.value;
      head.sourceId = entry.sourceId;
      head.trust = entry.trust;
      head.ts = time;
      head.n = n;
    } else {
      head.n = n;
    }
    return false;
  }

  return {
    record,
    /** A profile this writer just created: it has no history, so none is read for it. */
    created(profileId: string): void {
      cache.traitHeads.set(profileId, { complete: true, byKey: new Map() });
    },
    /**
     * Moves the absorbed profile's history to the survivor and keeps the newest values of each trait. When this
     * writer knows both profiles' whole history (both created here), the survivor's heads are merged in memory
     * and the prune runs only if some trait now holds more than it keeps.
     */
    merged(survivorId: string, absorbedId: string): void {
      move.run(survivorId, absorbedId);
      const survivor = cache.traitHeads.get(survivorId);
      const absorbed = cache.traitHeads.get(absorbedId);
      cache.traitHeads.delete(absorbedId);
      if (!survivor?.complete || !absorbed?.complete) {
        cache.traitHeads.delete(survivorId);
        pruneProfile.run(survivorId, TRAIT_HISTORY_KEPT);
        return;
      }
      let full = false;
      for (const [key, theirs] of absorbed.byKey) {
        if (!theirs) continue;
        const ours = survivor.byKey.get(key);
        if (!ours) {
          survivor.byKey.set(key, theirs);
          continue;
        }
        const n = ours.n + theirs.n;
        if (n > TRAIT_HISTORY_KEPT) full = true;
        const newer = theirs.ts > ours.ts || (theirs.ts === ours.ts && theirs.seq > ours.seq) ? theirs : ours;
        survivor.byKey.set(key, { ...newer, n: Math.min(n, TRAIT_HISTORY_KEPT) });
      }
      if (full) pruneProfile.run(survivorId, TRAIT_HISTORY_KEPT);
    },
  };
}

/** The trait history writer of one store. */
export type SqliteTraitHistory = ReturnType<typeof createSqliteTraitHistory>;
