/**
 * The identity trust the SQLite write path reads for every event: do-not-link rules, tombstones and
 * device/user pairs added to a snapshot, and the device/user pairs and refusals an event leaves.
 *
 * Why rules and tombstones are cached whole: they are created by admins (few), but the resolver needs
 * them for every event; reading them from memory keeps the write path as fast as before.
 * Tombstones hold keyed digests, never values (sqlite-tombstone-keys.ts): an incoming identifier is
 * digested only while any tombstone exists.
 */
import type Database from 'better-sqlite3';
import type { DoNotLinkRule, Identifier, IdentitySnapshot, KnownIdentifier, Refusal, SnapshotProfile } from '@kin/core';
import { sortInPlace } from '@kin/core';
import type { GraphCache } from './sqlite-graph-cache.ts';
import { cacheKey } from './sqlite-graph-cache.ts';
import type { IdentifierDigest } from './sqlite-tombstone-keys.ts';

/** Most user ids kept per device: beyond any sensible `sharedDevice.maxUserIds`, the count stops mattering. */
export const MAX_DEVICE_USERS = 100;

/** Builds the write path's identity-trust operations over the writer connection `db`. */
export function createSqliteIdentityTrust(db: Database.Database, cache: GraphCache, digest: IdentifierDigest) {
  const s = {
    rules: db.prepare('SELECT id, sides FROM do_not_link'),
    tombstones: db.prepare('SELECT type, value FROM tombstones'),
    // Why no ORDER BY: a device holds at most MAX_DEVICE_USERS rows, and sorting them in SQL builds a temp
    // b-tree on every cache miss (most of a lookup's cost); they are sorted below instead.
    deviceUsers: db.prepare('SELECT user_id, seq FROM device_users WHERE type = ? AND value = ?').raw(true),
    addDeviceUser: db.prepare(
      'INSERT INTO device_users (type, value, user_id, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET seq = min(seq, excluded.seq)',
    ),
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
      if (rows.length > 1) sortInPlace(rows, (a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      users = new Map(rows.length > MAX_DEVICE_USERS ? rows.slice(0, MAX_DEVICE_USERS) : rows);
      cache.deviceUsers.set(identifier.type, identifier.value, users);
    }
    return users;
  }

  /** Adds rules, tombstones and device users to a snapshot built from the graph (to `base` itself, which it returns). */
  function extendSnapshot(
    identifiers: Identifier[],
    base: { known: KnownIdentifier[]; profiles: Map<string, SnapshotProfile> },
    beforeSeq: number,
    deviceTypes: readonly string[] | undefined,
  ): IdentitySnapshot {
    // Why no copy: the caller builds `base` for this snapshot alone.
    const snapshot: IdentitySnapshot = base;
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
    let devices: NonNullable<IdentitySnapshot['deviceUsers']> | undefined;
    for (const identifier of identifiers) {
      if (deviceTypes ? !deviceTypes.includes(identifier.type) : identifier.type === 'user_id') continue;
      const known = deviceUsers(identifier);
      if (known.size === 0) continue;
      const users: string[] = [];
      for (const [user, seq] of known) if (seq < beforeSeq) users.push(user);
      if (users.length > 0) (devices ??= []).push({ identifier, userIds: users.length > 1 ? users.sort() : users });
    }
    if (devices !== undefined) snapshot.deviceUsers = devices;
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
  function recordRefusals(
    refused: Refusal[],
    where: { profileId: string | undefined; messageId: string; sourceId: string; at: string },
  ): void {
    for (const r of refused) {
      if (r.reason === 'invalid') continue;
      // A tombstoned identifier is kept as its digest here too: the refusals would list removed values again.
      const value = r.reason === 'tombstoned' ? digest(r.identifier) : r.identifier.value;
      s.refusal.run(where.profileId ?? null, r.identifier.type, value, r.reason, r.detail, where.messageId, where.sourceId, where.at);
    }
  }

  return { extendSnapshot, recordDeviceUsers, recordRefusals };
}
