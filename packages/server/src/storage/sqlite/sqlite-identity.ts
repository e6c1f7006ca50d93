/**
 * The identity-trust part of the SQLite store: do-not-link rules, tombstones, device/user pairs, refusals,
 * explain, and the detach / reset / forward steps that undo, split and replay are built from.
 *
 * Why rules and tombstones are cached whole: they are created by admins (few), but the resolver needs
 * them for every event; reading them from memory keeps the write path as fast as before.
 * Tombstones hold keyed digests, never values (sqlite-tombstone-keys.ts): an incoming identifier is
 * digested only while any tombstone exists.
 */
import type { IdGenerator } from '../../ports/ids.ts';
import type Database from 'better-sqlite3';
import type { DoNotLinkRule, Identifier, IdentitySnapshot, KnownIdentifier, Refusal, SnapshotProfile } from '@kin/core';
import type {
  DetachedProfile,
  DoNotLinkRecord,
  IdentifierProvenance,
  LedgerEntry,
  MergeRecord,
  ProfileExplanation,
  ProfileView,
  RefusalRecord,
  ReplayEvent,
} from '../storage.ts';
import type { GraphCache } from './sqlite-graph-cache.ts';
import type { Timeline } from './sqlite-timeline.ts';
import { cacheKey } from './sqlite-graph-cache.ts';
import type { IdentifierDigest } from './sqlite-tombstone-keys.ts';
import { toIdentifierProvenance, toMerge, toRefusalRecord } from '../store-rows.ts';

type Row = Record<string, unknown>;

/** Most user ids kept per device: beyond any sensible `sharedDevice.maxUserIds`, the count stops mattering. */
const MAX_DEVICE_USERS = 100;
/** Most refusals explain returns for one profile (newest kept). */
const MAX_EXPLAIN_REFUSALS = 1000;

/** Builds the identity operations over the writer connection `db` and the reader `read()`. */
export function createSqliteIdentity(
  db: Database.Database,
  read: () => Database.Database,
  cache: GraphCache,
  timeline: Timeline,
  ids: IdGenerator,
  digest: IdentifierDigest,
) {
  const s = {
    rules: db.prepare('SELECT id, sides FROM do_not_link'),
    tombstones: db.prepare('SELECT type, value FROM tombstones'),
    // Why no ORDER BY: a device holds at most MAX_DEVICE_USERS rows, and sorting them in SQL builds a temp
    // b-tree on every cache miss (most of a lookup's cost); they are sorted below instead.
    deviceUsers: db.prepare('SELECT user_id, seq FROM device_users WHERE type = ? AND value = ?').raw(true),
    addDeviceUser: db.prepare('INSERT INTO device_users (type, value, user_id, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET seq = min(seq, excluded.seq)'),
    refusal: db.prepare(
      'INSERT INTO refusals (profile_id, type, value, reason, detail, message_id, source_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };

  function rules(): NonNullable<GraphCache['rules']> {
    if (cache.rules) return cache.rules;
    const byId = new Map<string, DoNotLinkRule>();
    const byMember = new Map<string, Set<string>>();
    for (const row of s.rules.all() as Array<{ id: string; sides: string }>) {
      const rule: DoNotLinkRule = { id: row.id, sides: JSON.parse(row.sides) as [Identifier[], Identifier[]] };
      byId.set(rule.id, rule);
      for (const id of rule.sides.flat()) {
        const set = byMember.get(cacheKey(id)) ?? new Set<string>();
        set.add(rule.id);
        byMember.set(cacheKey(id), set);
      }
    }
    cache.rules = { byId, byMember };
    return cache.rules;
  }

  function tombstones(): Set<string> {
    cache.tombstones ??= new Set((s.tombstones.all() as Array<{ type: string; value: string }>).map((r) => cacheKey(r)));
    return cache.tombstones;
  }

  function deviceUsers(identifier: Identifier): Map<string, number> {
    let users = cache.deviceUsers.get(identifier.type, identifier.value);
    if (!users) {
      const rows = s.deviceUsers.all(identifier.type, identifier.value) as Array<[string, number]>;
      if (rows.length > 1) rows.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      users = new Map(rows.length > MAX_DEVICE_USERS ? rows.slice(0, MAX_DEVICE_USERS) : rows);
      cache.deviceUsers.set(identifier.type, identifier.value, users);
    }
    return users;
  }

  /** Adds rules, tombstones and device users to a snapshot built from the graph. */
  function extendSnapshot(
    identifiers: Identifier[],
    base: { known: KnownIdentifier[]; profiles: Map<string, SnapshotProfile> },
    beforeSeq: number,
    deviceTypes: readonly string[] | undefined,
  ): IdentitySnapshot {
    const snapshot: IdentitySnapshot = { ...base };
    const graveyard = tombstones();
    if (graveyard.size > 0) {
      const dead = identifiers.filter((id) => graveyard.has(cacheKey({ type: id.type, value: digest(id) })));
      if (dead.length > 0) snapshot.tombstoned = dead;
    }
    const { byId, byMember } = rules();
    if (byId.size > 0) {
      const hit = new Set<string>();
      const visit = (id: Identifier) => byMember.get(cacheKey(id))?.forEach((ruleId) => hit.add(ruleId));
      identifiers.forEach(visit);
      for (const profile of base.profiles.values()) profile.identifiers.forEach(visit);
      if (hit.size > 0) snapshot.doNotLink = [...hit].sort().map((id) => byId.get(id)!);
    }
    const devices: NonNullable<IdentitySnapshot['deviceUsers']> = [];
    for (const identifier of identifiers) {
      if (deviceTypes ? !deviceTypes.includes(identifier.type) : identifier.type === 'user_id') continue;
      const known = deviceUsers(identifier);
      if (known.size === 0) continue;
      const users: string[] = [];
      for (const [user, seq] of known) if (seq < beforeSeq) users.push(user);
      if (users.length > 0) devices.push({ identifier, userIds: users.length > 1 ? users.sort() : users });
    }
    if (devices.length > 0) snapshot.deviceUsers = devices;
    return snapshot;
  }

  function recordDeviceUsers(pairs: Array<{ identifier: Identifier; userId: string }>, seq: number): void {
    for (const pair of pairs) {
      const users = deviceUsers(pair.identifier);
      const known = users.get(pair.userId);
      // Why: most events of a device repeat a pair already recorded; rewriting it would cost a write per event.
      if (known !== undefined && known <= seq) continue;
      if (users.size >= MAX_DEVICE_USERS && known === undefined) continue;
      s.addDeviceUser.run(pair.identifier.type, pair.identifier.value, pair.userId, seq);
      users.set(pair.userId, Math.min(users.get(pair.userId) ?? seq, seq));
    }
  }

  /** Keeps refusals for explain; `invalid` ones are left out to bound volume (any string can be invalid). */
  function recordRefusals(refused: Refusal[], where: { profileId: string | undefined; messageId: string; sourceId: string; at: string }): void {
    for (const r of refused) {
      if (r.reason === 'invalid') continue;
      // A tombstoned identifier is kept as its digest here too: the refusals would list removed values again.
      const value = r.reason === 'tombstoned' ? digest(r.identifier) : r.identifier.value;
      s.refusal.run(where.profileId ?? null, r.identifier.type, value, r.reason, r.detail, where.messageId, where.sourceId, where.at);
    }
  }

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
    const row = db.prepare('SELECT coalesce(merged_into, id) AS live FROM profiles WHERE id = ?').get(profileId) as { live: string } | undefined;
    if (!row) return undefined;
    const live = row.live;
    const profiles = (db.prepare('SELECT * FROM profiles WHERE id = ? OR merged_into = ? ORDER BY created_at, id').all(live, live) as Row[]).map(toDetached);
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
    db.prepare(`UPDATE merges SET undone_by = ? WHERE undone_by IS NULL AND rule NOT IN ('undo', 'split') AND survivor_id IN (${marks})`).run(
      ledgerId,
      ...profileIds,
    );
  }

  function tombstone(profileId: string, identifier: Identifier, at: string): boolean {
    // secure_delete: the identifier row's cell is zeroed, not left readable in the page (docs/privacy.md).
    db.pragma('secure_delete = ON');
    let removed: boolean;
    try {
      removed = db.prepare('DELETE FROM identifiers WHERE type = ? AND value = ? AND profile_id = ?').run(identifier.type, identifier.value, profileId).changes > 0;
    } finally {
      db.pragma('secure_delete = OFF');
    }
    if (!removed) return false;
    db.prepare('INSERT OR REPLACE INTO tombstones (type, value, profile_id, created_at, keyed) VALUES (?, ?, ?, ?, 1)').run(identifier.type, digest(identifier), profileId, at);
    db.prepare('UPDATE profiles SET updated_at = ? WHERE id = ?').run(at, profileId);
    cache.clear();
    return true;
  }

  /** The snapshot from the reader connection, no cache: what a dry-run sees. */
  function readSnapshot(identifiers: Identifier[]): IdentitySnapshot {
    const r = read();
    const one = r.prepare('SELECT profile_id, last_seen FROM identifiers WHERE type = ? AND value = ?');
    const profileRow = r.prepare('SELECT created_at, merge_count FROM profiles WHERE id = ?');
    const held = r.prepare('SELECT type, value, last_seen FROM identifiers WHERE profile_id = ?');
    const known: KnownIdentifier[] = [];
    const profiles = new Map<string, SnapshotProfile>();
    for (const identifier of identifiers) {
      const row = one.get(identifier.type, identifier.value) as { profile_id: string; last_seen: string } | undefined;
      if (!row) continue;
      known.push({ ...identifier, profileId: row.profile_id, lastSeen: row.last_seen });
      if (profiles.has(row.profile_id)) continue;
      const p = profileRow.get(row.profile_id) as { created_at: string; merge_count: number };
      profiles.set(row.profile_id, {
        id: row.profile_id,
        createdAt: p.created_at,
        mergeCount: p.merge_count,
        identifiers: (held.all(row.profile_id) as Array<{ type: string; value: string; last_seen: string }>).map((h) => ({
          type: h.type,
          value: h.value,
          profileId: row.profile_id,
          lastSeen: h.last_seen,
        })),
      });
    }
    const snapshot: IdentitySnapshot = { known, profiles };
    const keys = new Set(identifiers.map(cacheKey));
    for (const p of profiles.values()) for (const id of p.identifiers) keys.add(cacheKey(id));
    const member = r.prepare('SELECT rule_id FROM do_not_link_members WHERE type = ? AND value = ?');
    const ruleIds = new Set<string>();
    for (const key of keys) {
      const [type, value] = key.split('\u0000') as [string, string];
      for (const row of member.all(type, value) as Array<{ rule_id: string }>) ruleIds.add(row.rule_id);
    }
    const ruleRow = r.prepare('SELECT id, sides FROM do_not_link WHERE id = ?');
    const doNotLink = [...ruleIds].sort().flatMap((id) => {
      const row = ruleRow.get(id) as { id: string; sides: string } | undefined;
      return row ? [{ id: row.id, sides: JSON.parse(row.sides) as [Identifier[], Identifier[]] }] : [];
    });
    if (doNotLink.length > 0) snapshot.doNotLink = doNotLink;
    const dead = r.prepare('SELECT 1 FROM tombstones WHERE type = ? AND value = ?');
    const tombstoned = identifiers.filter((id) => dead.get(id.type, digest(id)) !== undefined);
    if (tombstoned.length > 0) snapshot.tombstoned = tombstoned;
    const users = r.prepare('SELECT user_id FROM device_users WHERE type = ? AND value = ? ORDER BY user_id LIMIT ?');
    const devices = identifiers
      .filter((id) => id.type !== 'user_id')
      .map((identifier) => ({ identifier, userIds: (users.all(identifier.type, identifier.value, MAX_DEVICE_USERS) as Array<{ user_id: string }>).map((u) => u.user_id) }))
      .filter((d) => d.userIds.length > 0);
    if (devices.length > 0) snapshot.deviceUsers = devices;
    return snapshot;
  }

  function explainProfile(profile: ProfileView, merges: MergeRecord[]): ProfileExplanation {
    const r = read();
    const identifiers: IdentifierProvenance[] = (
      r
        .prepare('SELECT type, value, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at FROM identifiers WHERE profile_id = ? ORDER BY type, value')
        .all(profile.id) as Row[]
    ).map(toIdentifierProvenance);
    const refusals: RefusalRecord[] = (
      r
        .prepare(
          `SELECT * FROM (SELECT * FROM refusals WHERE profile_id = ? OR profile_id IN (SELECT id FROM profiles WHERE merged_into = ?)
             ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
        )
        .all(profile.id, profile.id, MAX_EXPLAIN_REFUSALS) as Row[]
    ).map(toRefusalRecord);
    const member = r.prepare('SELECT DISTINCT rule_id FROM do_not_link_members WHERE type = ? AND value = ?');
    const ruleIds = new Set<string>();
    for (const id of identifiers) for (const row of member.all(id.type, id.value) as Array<{ rule_id: string }>) ruleIds.add(row.rule_id);
    const all = listDoNotLink();
    const tombstoneRows = r
      .prepare('SELECT type, value, created_at FROM tombstones WHERE profile_id = ? OR profile_id IN (SELECT id FROM profiles WHERE merged_into = ?) ORDER BY type, value')
      .all(profile.id, profile.id) as Row[];
    return {
      profile,
      identifiers,
      merges,
      refusals,
      doNotLink: all.filter((rule) => ruleIds.has(rule.id)),
      tombstones: tombstoneRows.map((t) => ({ type: t.type as string, value: t.value as string, createdAt: t.created_at as string })),
    };
  }

  function listDoNotLink(): DoNotLinkRecord[] {
    return (read().prepare('SELECT * FROM do_not_link ORDER BY created_at, id').all() as Row[]).map((row) => ({
      id: row.id as string,
      sides: JSON.parse(row.sides as string) as [Identifier[], Identifier[]],
      reason: row.reason as 'undo' | 'split',
      ...(row.ledger_id ? { ledgerId: row.ledger_id as string } : {}),
      createdAt: row.created_at as string,
    }));
  }

  function identifierPartition(conn: Database.Database = read()): string[][] {
    const parts = new Map<string, string[]>();
    for (const [profileId, type, value] of conn.prepare('SELECT profile_id, type, value FROM identifiers').raw(true).all() as Array<[string, string, string]>) {
      const part = parts.get(profileId) ?? [];
      part.push(`${type}:${value}`);
      parts.set(profileId, part);
    }
    return [...parts.values()].map((p) => p.sort()).sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1));
  }

  return {
    extendSnapshot,
    recordDeviceUsers,
    recordRefusals,
    findMerge,
    detachProfile,
    resetGraph,
    listReplayEvents: (afterSeq: number, limit: number): ReplayEvent[] =>
      (db.prepare('SELECT seq, source_id, payload, unverified FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(toReplay),
    forwardProfiles,
    addDoNotLink,
    removeDoNotLink,
    recordLedger,
    markMergesUndone,
    tombstone,
    readSnapshot,
    explainProfile,
    listDoNotLink,
    identifierPartition,
  };
}

/** The identity operations of one SQLite store. */
export type SqliteIdentity = ReturnType<typeof createSqliteIdentity>;
