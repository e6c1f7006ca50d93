/**
 * The identity-trust part of a PostgreSQL snapshot: tombstones, do-not-link rules and device/user pairs of
 * the identifiers a transaction has looked up (and of every identifier of the profiles they reach), read in
 * one statement next to `kin_lock_snapshot` and kept with the transaction's graph cache.
 *
 * Why per lookup, not the whole rule table (as the SQLite store caches it): many processes write here, and
 * the rule and tombstone tables are read through the same identifier keys the lookup already has.
 * Why the cache cannot miss a row it needs: every identifier a snapshot names was looked up (asked, or held
 * by a reached profile) in the same statement; rules and tombstones are written by admin operations that
 * clear the transaction's caches.
 */
import type { DoNotLinkRule, Identifier, IdentitySnapshot } from '@kin/core';
import { keyOf } from './postgres-graph-cache.ts';

/** Most user ids kept per device (as the SQLite store): beyond any sensible `sharedDevice.maxUserIds`. */
export const MAX_DEVICE_USERS = 100;

/** Seq of a device/user pair whose event is not stored yet: later than any stored event. */
export const PENDING_SEQ = Number.MAX_SAFE_INTEGER;

/** A row of `TRUST_STATEMENT`. */
export interface TrustRow {
  kind: 'tombstone' | 'rule' | 'device';
  type: string;
  value: string;
  /** Rule id or user id. */
  ref: string | null;
  seq: string | null;
  sides: [Identifier[], Identifier[]] | null;
}

/**
 * Tombstones, rule memberships and device users of the identifiers a snapshot asks about ($1 types, $2
 * values, $5 their keyed digests: a tombstone keeps the digest, never the value, see postgres-tombstone-keys.ts),
 * and rule memberships only of the other identifiers of the profiles they reach ($3, $4). Why the
 * split: a snapshot reads tombstones and device users of the event's identifiers only, rules of the whole
 * profiles; probing fewer keys is most of this statement's cost. The EXISTS conditions are one-time
 * filters: with no tombstone or no rule at all (the common case) those probes are skipped.
 */
export const TRUST_STATEMENT = {
  name: 'kin_trust_snapshot_v3',
  text: `WITH a AS (SELECT DISTINCT u.t, u.v FROM unnest($1::text[], $2::text[]) AS u(t, v)),
      k AS (SELECT a.t, a.v FROM a UNION SELECT u.t, u.v FROM unnest($3::text[], $4::text[]) AS u(t, v))
    SELECT 'tombstone' AS kind, d.t AS type, d.v AS value, NULL::text AS ref, NULL::bigint AS seq, NULL::json AS sides
      FROM unnest($1::text[], $2::text[], $5::text[]) AS d(t, v, h) JOIN tombstones t ON t.type = d.t AND t.value = d.h
      WHERE EXISTS (SELECT FROM tombstones)
    UNION ALL
    SELECT 'rule', m.type, m.value, r.id, NULL, r.sides
      FROM k JOIN do_not_link_members m ON m.type = k.t AND m.value = k.v JOIN do_not_link r ON r.id = m.rule_id
      WHERE EXISTS (SELECT FROM do_not_link)
    UNION ALL
    SELECT 'device', d.type, d.value, d.user_id, d.seq, NULL FROM (
      SELECT d.type, d.value, d.user_id, d.seq, row_number() OVER (PARTITION BY d.type, d.value ORDER BY d.seq, d.user_id COLLATE "C") AS n
      FROM a JOIN device_users d ON d.type = a.t AND d.value = a.v) AS d
      WHERE d.n <= ${MAX_DEVICE_USERS}`,
} as const;

/** What one transaction knows of the trust tables, by identifier key. */
export class TrustCache {
  /** Keys whose tombstone, rules and device users are loaded. */
  private readonly loaded = new Set<string>();
  /** Keys whose rules are loaded (a superset of `loaded`). */
  private readonly rulesLoaded = new Set<string>();
  private readonly tombstones = new Set<string>();
  private readonly ruleIds = new Map<string, Set<string>>();
  private readonly rules = new Map<string, DoNotLinkRule>();
  private readonly devices = new Map<string, Map<string, number>>();

  /** Takes the statement's answer for `full` (all of it) and `rulesOnly` (rule memberships). */
  load(full: Identifier[], rulesOnly: Identifier[], rows: TrustRow[]): void {
    for (const id of full) {
      const key = keyOf(id.type, id.value);
      if (this.loaded.has(key)) continue;
      this.loaded.add(key);
      this.devices.set(key, new Map());
      if (!this.rulesLoaded.has(key)) this.ruleIds.set(key, new Set());
      this.rulesLoaded.add(key);
    }
    for (const id of rulesOnly) {
      const key = keyOf(id.type, id.value);
      if (this.rulesLoaded.has(key)) continue;
      this.rulesLoaded.add(key);
      this.ruleIds.set(key, new Set());
    }
    for (const row of rows) {
      const key = keyOf(row.type, row.value);
      if (row.kind === 'tombstone') this.tombstones.add(key);
      else if (row.kind === 'rule' && row.ref !== null && row.sides) {
        this.ruleIds.get(key)?.add(row.ref);
        this.rules.set(row.ref, { id: row.ref, sides: row.sides });
      } else if (row.kind === 'device' && row.ref !== null) this.devices.get(key)?.set(row.ref, Number(row.seq));
    }
  }

  /** The statement's parameters for these asked identifiers and the identifiers `held` by the profiles they reach. */
  request(asked: Identifier[], held: Identifier[]): { full: Identifier[]; rulesOnly: Identifier[] } | undefined {
    const full = asked.filter((id) => !this.loaded.has(keyOf(id.type, id.value)));
    const fullKeys = new Set(full.map((id) => keyOf(id.type, id.value)));
    const rulesOnly = held.filter((id) => {
      const key = keyOf(id.type, id.value);
      return !this.rulesLoaded.has(key) && !fullKeys.has(key);
    });
    return full.length > 0 || rulesOnly.length > 0 ? { full, rulesOnly } : undefined;
  }

  /**
   * Records a device/user pair in memory; `false` when nothing needs writing (the pair is known with an
   * earlier or equal seq, or the device holds the most users kept). Unloaded devices are always written.
   */
  addDeviceUser(identifier: Identifier, userId: string, seq: number): boolean {
    const users = this.devices.get(keyOf(identifier.type, identifier.value));
    if (!users) return true;
    const known = users.get(userId);
    if (known !== undefined && known <= seq) return false;
    if (known === undefined && users.size >= MAX_DEVICE_USERS) return false;
    users.set(userId, seq);
    return true;
  }

  /**
   * Adds tombstones, rules and device users to a snapshot of the graph, as the SQLite store does: rules of
   * the event's identifiers and of every identifier of the snapshot's profiles (sorted by id); device users
   * of the event's identifiers of `deviceTypes` (all but user_id when absent), recorded before `beforeSeq`.
   */
  extend(
    identifiers: Identifier[],
    snapshot: IdentitySnapshot,
    beforeSeq = Number.POSITIVE_INFINITY,
    deviceTypes?: readonly string[],
  ): IdentitySnapshot {
    const out: IdentitySnapshot = { ...snapshot };
    const dead = identifiers.filter((id) => this.tombstones.has(keyOf(id.type, id.value)));
    if (dead.length > 0) out.tombstoned = dead;
    const hit = new Set<string>();
    const visit = (id: Identifier) => this.ruleIds.get(keyOf(id.type, id.value))?.forEach((ruleId) => hit.add(ruleId));
    identifiers.forEach(visit);
    for (const profile of snapshot.profiles.values()) profile.identifiers.forEach(visit);
    if (hit.size > 0) out.doNotLink = [...hit].sort().map((id) => this.rules.get(id)!);
    const devices: NonNullable<IdentitySnapshot['deviceUsers']> = [];
    for (const identifier of identifiers) {
      if (deviceTypes ? !deviceTypes.includes(identifier.type) : identifier.type === 'user_id') continue;
      const users = [...(this.devices.get(keyOf(identifier.type, identifier.value)) ?? [])]
        .filter(([, seq]) => seq < beforeSeq)
        .map(([user]) => user);
      if (users.length > 0) devices.push({ identifier, userIds: users.sort() });
    }
    if (devices.length > 0) out.deviceUsers = devices;
    return out;
  }

  clear(): void {
    this.loaded.clear();
    this.rulesLoaded.clear();
    this.tombstones.clear();
    this.ruleIds.clear();
    this.rules.clear();
    this.devices.clear();
  }
}
