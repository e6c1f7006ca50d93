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

/** A row of `TRUST_STATEMENT` (or of `TOMBSTONE_STATEMENT`: kind `tombstone`). */
export interface TrustRow {
  kind: 'tombstone' | 'rule' | 'device' | typeof TOMBSTONES_EXIST;
  type: string;
  value: string;
  /** Rule id or user id. */
  ref: string | null;
  seq: string | null;
  sides: [Identifier[], Identifier[]] | null;
}

/** The kind of `TRUST_STATEMENT`'s one marker row: the tombstone table is not empty. */
const TOMBSTONES_EXIST = 'tombstones_exist';

/**
 * Rule memberships and device users of the identifiers a snapshot asks about ($1 types, $2 values), and rule
 * memberships only of the other identifiers of the profiles they reach ($3, $4). Why the split: a snapshot
 * reads tombstones and device users of the event's identifiers only, rules of the whole profiles; probing
 * fewer keys is most of this statement's cost. The EXISTS conditions are one-time filters: with no tombstone
 * or no rule at all (the common case) those probes are skipped. Tombstones keep the keyed digest of an
 * identifier, never its value (postgres-tombstone-keys.ts), so they are read by `TOMBSTONE_STATEMENT`, and
 * only when this statement's marker row says there are any: an HMAC per asked identifier (and sending the
 * digests) was a visible part of the write path's CPU while the table was empty.
 */
export const TRUST_STATEMENT = {
  name: 'kin_trust_snapshot_v4',
  text: `WITH a AS (SELECT DISTINCT u.t, u.v FROM unnest($1::text[], $2::text[]) AS u(t, v)),
      k AS (SELECT a.t, a.v FROM a UNION SELECT u.t, u.v FROM unnest($3::text[], $4::text[]) AS u(t, v))
    SELECT '${TOMBSTONES_EXIST}' AS kind, NULL::text AS type, NULL::text AS value, NULL::text AS ref, NULL::bigint AS seq, NULL::json AS sides
      WHERE cardinality($1::text[]) > 0 AND EXISTS (SELECT FROM tombstones)
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

/** The tombstones of the asked identifiers ($1 types, $2 values, $3 their keyed digests). */
export const TOMBSTONE_STATEMENT = {
  name: 'kin_trust_tombstones_v1',
  text: `SELECT 'tombstone' AS kind, d.t AS type, d.v AS value, NULL::text AS ref, NULL::bigint AS seq, NULL::json AS sides
    FROM unnest($1::text[], $2::text[], $3::text[]) AS d(t, v, h) JOIN tombstones t ON t.type = d.t AND t.value = d.h`,
} as const;

/** Runs one named statement (in a transaction, or on the pool for a read without locks). */
export type TrustQuery = (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: TrustRow[] }>;

/**
 * The trust rows of `full` (tombstones, rules, device users) and `rulesOnly` (rules), for `TrustCache.load`:
 * `TRUST_STATEMENT`, then `TOMBSTONE_STATEMENT` only when tombstones exist. Why a later statement sees what
 * one statement would: the asked identifiers and their profiles are locked (a tombstone write takes the same
 * locks), and at READ COMMITTED a later statement sees at least every tombstone an earlier one saw.
 */
export async function readTrustRows(
  query: TrustQuery,
  full: Identifier[],
  rulesOnly: Identifier[],
  digest: (identifier: Identifier) => string,
): Promise<TrustRow[]> {
  const { rows } = await query({
    ...TRUST_STATEMENT,
    values: [typesOf(full), valuesOf(full), typesOf(rulesOnly), valuesOf(rulesOnly)],
  });
  const marker = rows.findIndex(isMarker);
  if (marker < 0) return rows;
  rows.splice(marker, 1);
  const { rows: tombstones } = await query({ ...TOMBSTONE_STATEMENT, values: [typesOf(full), valuesOf(full), full.map(digest)] });
  return rows.concat(tombstones);
}

function isMarker(row: TrustRow): boolean {
  return row.kind === TOMBSTONES_EXIST;
}

function typesOf(identifiers: Identifier[]): string[] {
  const out = new Array<string>(identifiers.length);
  for (let i = 0; i < identifiers.length; i++) out[i] = identifiers[i]!.type;
  return out;
}

function valuesOf(identifiers: Identifier[]): string[] {
  const out = new Array<string>(identifiers.length);
  for (let i = 0; i < identifiers.length; i++) out[i] = identifiers[i]!.value;
  return out;
}

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
    // Why the loop first: nearly every call (each event's snapshot, after its batch's prefetch) asks only loaded keys.
    let full: Identifier[] | undefined;
    for (const id of asked) if (!this.loaded.has(keyOf(id.type, id.value))) (full ??= []).push(id);
    if (!full && held.length === 0) return undefined;
    full ??= [];
    const fullKeys = new Set(full.map((id) => keyOf(id.type, id.value)));
    const rulesOnly = held.filter((id) => {
      const key = keyOf(id.type, id.value);
      return !this.rulesLoaded.has(key) && !fullKeys.has(key);
    });
    return full.length > 0 || rulesOnly.length > 0 ? { full, rulesOnly } : undefined;
  }

  /** True when this identifier's tombstone, rules and device users are loaded. */
  hasLoaded(identifier: Identifier): boolean {
    return this.loaded.has(keyOf(identifier.type, identifier.value));
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
    // Why the size checks: with no tombstone or rule loaded (the common case) nothing below can match, and this
    // runs for every event's snapshot.
    if (this.tombstones.size > 0) {
      const dead = identifiers.filter((id) => this.tombstones.has(keyOf(id.type, id.value)));
      if (dead.length > 0) out.tombstoned = dead;
    }
    if (this.rules.size > 0) {
      const hit = new Set<string>();
      for (const id of identifiers) this.ruleIdsOf(id, hit);
      for (const profile of snapshot.profiles.values()) for (const id of profile.identifiers) this.ruleIdsOf(id, hit);
      if (hit.size > 0) out.doNotLink = [...hit].sort().map((id) => this.rules.get(id)!);
    }
    let devices: NonNullable<IdentitySnapshot['deviceUsers']> | undefined;
    for (const identifier of identifiers) {
      if (deviceTypes ? !deviceTypes.includes(identifier.type) : identifier.type === 'user_id') continue;
      const known = this.devices.get(keyOf(identifier.type, identifier.value));
      if (!known || known.size === 0) continue;
      const users: string[] = [];
      for (const [user, seq] of known) if (seq < beforeSeq) users.push(user);
      if (users.length > 0) (devices ??= []).push({ identifier, userIds: users.sort() });
    }
    if (devices) out.deviceUsers = devices;
    return out;
  }

  /** Adds the ids of the rules this identifier is a member of to `hit`. */
  private ruleIdsOf(identifier: Identifier, hit: Set<string>): void {
    const ids = this.ruleIds.get(keyOf(identifier.type, identifier.value));
    if (ids) for (const id of ids) hit.add(id);
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
