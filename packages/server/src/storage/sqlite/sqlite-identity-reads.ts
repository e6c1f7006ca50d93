/**
 * The identity reads of the SQLite store, on the reader connection and without the writer's cache: the
 * snapshot a dry-run sees, explain, the do-not-link rules and the identifier partition tests compare.
 */
import type Database from 'better-sqlite3';
import type { Identifier, IdentitySnapshot, KnownIdentifier, SnapshotProfile } from '@kin/core';
import type { DoNotLinkRecord, IdentifierProvenance, MergeRecord, ProfileExplanation, ProfileView, RefusalRecord } from '../storage.ts';
import { cacheKey } from './sqlite-graph-cache.ts';
import { MAX_DEVICE_USERS } from './sqlite-identity-trust.ts';
import { toIdentifierProvenance, toRefusalRecord } from '../store-rows.ts';
import type { IdentifierDigest } from './sqlite-tombstone-keys.ts';

type Row = Record<string, unknown>;

/** Most refusals explain returns for one profile (newest kept). */
const MAX_EXPLAIN_REFUSALS = 1000;

/** Builds the identity reads over the reader `read()`. */
export function createSqliteIdentityReads(read: () => Database.Database, digest: IdentifierDigest) {
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
      .map((identifier) => ({
        identifier,
        userIds: (users.all(identifier.type, identifier.value, MAX_DEVICE_USERS) as Array<{ user_id: string }>).map((u) => u.user_id),
      }))
      .filter((d) => d.userIds.length > 0);
    if (devices.length > 0) snapshot.deviceUsers = devices;
    return snapshot;
  }

  function explainProfile(profile: ProfileView, merges: MergeRecord[]): ProfileExplanation {
    const r = read();
    const identifiers: IdentifierProvenance[] = (
      r
        .prepare(
          'SELECT type, value, source_id, first_seen, last_seen, link_message_id, link_rule, linked_at FROM identifiers WHERE profile_id = ? ORDER BY type, value',
        )
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
      .prepare(
        'SELECT type, value, created_at FROM tombstones WHERE profile_id = ? OR profile_id IN (SELECT id FROM profiles WHERE merged_into = ?) ORDER BY type, value',
      )
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
    for (const [profileId, type, value] of conn.prepare('SELECT profile_id, type, value FROM identifiers').raw(true).all() as Array<
      [string, string, string]
    >) {
      const part = parts.get(profileId) ?? [];
      part.push(`${type}:${value}`);
      parts.set(profileId, part);
    }
    return [...parts.values()].map((p) => p.sort()).sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1));
  }

  return { readSnapshot, explainProfile, listDoNotLink, identifierPartition };
}
