/**
 * The steps undo, split, tombstones and `kin replay` are built from on SQLite: detach a person's profiles
 * and events, reset the graph, forward old profile ids, keep do-not-link rules and ledger entries. They run
 * on the writer connection inside the caller's transaction and clear the graph cache they invalidate.
 */
import type Database from 'better-sqlite3';
import type { Identifier } from '@kin/core';
import type { IdGenerator } from '../../ports/ids.ts';
import type { DetachedProfile, DoNotLinkRecord, LedgerEntry, MergeRecord, ReplayEvent } from '../storage.ts';
import type { GraphCache } from './sqlite-graph-cache.ts';
import type { Timeline } from './sqlite-timeline.ts';
import { toMerge } from '../store-rows.ts';
import type { IdentifierDigest } from './sqlite-tombstone-keys.ts';

type Row = Record<string, unknown>;

/** Builds the rewrite steps over the writer connection `db`. */
export function createSqliteIdentityRewrite(
  db: Database.Database,
  cache: GraphCache,
  timeline: Timeline,
  ids: IdGenerator,
  digest: IdentifierDigest,
) {
  function findMerge(conn: Database.Database, id: string): MergeRecord | undefined {
    const row = conn.prepare('SELECT * FROM merges WHERE id = ?').get(id) as Row | undefined;
    return row ? toMerge(row) : undefined;
  }

  const toReplay = (row: Row): ReplayEvent => ({
    seq: row.seq as number,
    sourceId: row.source_id as string,
    event: JSON.parse(row.payload as string) as ReplayEvent['event'],
    ...(row.unverified ? { unverified: JSON.parse(row.unverified as string) as NonNullable<ReplayEvent['unverified']> } : {}),
  });
  const toDetached = (row: Row): DetachedProfile => ({
    id: row.id as string,
    createdAt: row.created_at as string,
    ...(row.created_message_id ? { createdBy: `${row.created_source_id as string}\u0000${row.created_message_id as string}` } : {}),
  });

  function detachProfile(profileId: string): { events: ReplayEvent[]; profiles: DetachedProfile[] } | undefined {
    const row = db.prepare('SELECT coalesce(merged_into, id) AS live FROM profiles WHERE id = ?').get(profileId) as
      { live: string } | undefined;
    if (!row) return undefined;
    const live = row.live;
    const profiles = (
      db.prepare('SELECT * FROM profiles WHERE id = ? OR merged_into = ? ORDER BY created_at, id').all(live, live) as Row[]
    ).map(toDetached);
    const ids = profiles.map((p) => p.id);
    const marks = ids.map(() => '?').join(', ');
    const events = timeline.detach(ids).map(toReplay);
    db.prepare('DELETE FROM identifiers WHERE profile_id = ?').run(live);
    db.prepare('DELETE FROM traits WHERE profile_id = ?').run(live);
    db.prepare('DELETE FROM trait_history WHERE profile_id = ?').run(live);
    db.prepare('DELETE FROM consent WHERE profile_id = ?').run(live);
    db.prepare(`DELETE FROM refusals WHERE profile_id IN (${marks})`).run(...ids);
    db.prepare(`DELETE FROM profiles WHERE id IN (${marks})`).run(...ids);
    // Why a full clear: the cache holds the detached profile and its identifiers; reloading is cheap and
    // happens on the writer connection, which sees this transaction's writes.
    cache.clear();
    return { events, profiles };
  }

  function resetGraph(): DetachedProfile[] {
    const profiles = (db.prepare('SELECT * FROM profiles ORDER BY created_at, id').all() as Row[]).map(toDetached);
    db.exec(`
      DELETE FROM identifiers; DELETE FROM traits; DELETE FROM trait_history; DELETE FROM consent; DELETE FROM refusals; DELETE FROM device_users;
      DELETE FROM merges WHERE rule NOT IN ('undo', 'split'); DELETE FROM profiles;
    `);
    timeline.clear();
    cache.clear();
    return profiles;
  }

  function forwardProfiles(pairs: Array<{ from: DetachedProfile; to: string }>, at: string): void {
    const liveOf = db.prepare('SELECT coalesce(merged_into, id) AS live FROM profiles WHERE id = ?');
    const insert = db.prepare(
      `INSERT INTO profiles (id, created_at, updated_at, merged_into, created_message_id, created_source_id) VALUES (?, ?, ?, ?, NULL, NULL)
       ON CONFLICT (id) DO NOTHING`,
    );
    for (const { from, to } of pairs) {
      const live = (liveOf.get(to) as { live: string } | undefined)?.live;
      if (live !== undefined && live !== from.id) insert.run(from.id, from.createdAt, at, live);
    }
  }

  function addDoNotLink(rule: Omit<DoNotLinkRecord, 'id'>): string {
    const id = `dnl_${ids.rowId()}`;
    db.prepare('INSERT INTO do_not_link (id, sides, reason, ledger_id, created_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      JSON.stringify(rule.sides),
      rule.reason,
      rule.ledgerId ?? null,
      rule.createdAt,
    );
    const member = db.prepare('INSERT OR IGNORE INTO do_not_link_members (type, value, rule_id, side) VALUES (?, ?, ?, ?)');
    rule.sides.forEach((side, index) => side.forEach((identifier) => member.run(identifier.type, identifier.value, id, index)));
    cache.rules = undefined;
    return id;
  }

  function removeDoNotLink(id: string): boolean {
    const removed = db.prepare('DELETE FROM do_not_link WHERE id = ?').run(id).changes > 0;
    db.prepare('DELETE FROM do_not_link_members WHERE rule_id = ?').run(id);
    cache.rules = undefined;
    return removed;
  }

  function recordLedger(entry: LedgerEntry): string {
    const id = ids.rowId();
    db.prepare(
      'INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at, rule_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(id, entry.survivorId, entry.absorbedId, entry.rule, JSON.stringify(entry.via), '', 'admin', entry.createdAt, entry.ruleId);
    db.prepare('UPDATE do_not_link SET ledger_id = ? WHERE id = ?').run(id, entry.ruleId);
    return id;
  }

  function markMergesUndone(profileIds: string[], ledgerId: string): void {
    if (profileIds.length === 0) return;
    const marks = profileIds.map(() => '?').join(', ');
    db.prepare(
      `UPDATE merges SET undone_by = ? WHERE undone_by IS NULL AND rule NOT IN ('undo', 'split') AND survivor_id IN (${marks})`,
    ).run(ledgerId, ...profileIds);
  }

  /** Removes an identifier from a profile and tombstones it by its keyed digest (sqlite-tombstone-keys.ts). */
  function tombstone(profileId: string, identifier: Identifier, at: string): boolean {
    // secure_delete: the identifier row's cell is zeroed, not left readable in the page (docs/privacy.md).
    db.pragma('secure_delete = ON');
    let removed: boolean;
    try {
      removed =
        db
          .prepare('DELETE FROM identifiers WHERE type = ? AND value = ? AND profile_id = ?')
          .run(identifier.type, identifier.value, profileId).changes > 0;
    } finally {
      db.pragma('secure_delete = OFF');
    }
    if (!removed) return false;
    db.prepare('INSERT OR REPLACE INTO tombstones (type, value, profile_id, created_at, keyed) VALUES (?, ?, ?, ?, 1)').run(
      identifier.type,
      digest(identifier),
      profileId,
      at,
    );
    db.prepare('UPDATE profiles SET updated_at = ? WHERE id = ?').run(at, profileId);
    cache.clear();
    return true;
  }

  return {
    findMerge,
    detachProfile,
    resetGraph,
    listReplayEvents: (afterSeq: number, limit: number): ReplayEvent[] =>
      (
        db
          .prepare('SELECT seq, source_id, payload, unverified FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
          .all(afterSeq, limit) as Row[]
      ).map(toReplay),
    forwardProfiles,
    addDoNotLink,
    removeDoNotLink,
    recordLedger,
    markMergesUndone,
    tombstone,
  };
}
