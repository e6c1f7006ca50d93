/**
 * Buffered writes of one PostgreSQL transaction, flushed as one statement (multi-row inserts and updates
 * from `json_to_recordset`, as data-modifying CTEs) before a merge, before a read that needs them, and
 * before commit. Why: a batch then costs a handful of round trips instead of two per event.
 *
 * The buffer keeps each row at most once (a second touch of an identifier updates the buffered row, a
 * second write of a trait folds with the same last-write-wins rule the database applies), because one
 * INSERT … ON CONFLICT or UPDATE … FROM may not change a row twice. The CTEs see one snapshot, so each
 * touches rows the others do not: new profiles vs existing ones, new identifiers vs existing ones.
 *
 * Merges of a profile created in this transaction (not yet flushed) happen here, in memory (`absorbNew`):
 * its identifiers, events and traits are all in the buffer. Trait writes fold with the store's total order
 * (`TRAIT_WINS`): an event's write and a merge's use the same rule, so folding in the buffer and then against
 * the stored row gives what one statement per write would.
 */
import type { TraitOrderFields } from '@kin/core';
import { compareConsentOrder, compareTraitOrder } from '@kin/core';
import type { NewWarning } from '../storage.ts';
import { foldWarnings } from '../warning-subject.ts';
import type {
  BufferedConsent,
  BufferedDeviceUser,
  BufferedEvent,
  BufferedHistory,
  BufferedIdentifier,
  BufferedMerge,
  BufferedProfile,
  BufferedRefusal,
  BufferedTrait,
} from './postgres-buffer-rows.ts';
import { eventsJson } from './postgres-flush-statement.ts';

/** What one transaction has written but not yet sent. */
export class WriteBuffer {
  private newProfiles = new Map<string, BufferedProfile>();
  private profileUpdates = new Map<string, { updated_at: string; merges: number }>();
  private links = new Map<string, BufferedIdentifier>();
  private touches = new Map<string, { type: string; value: string; first_seen: string; last_seen: string }>();
  private traits = new Map<string, BufferedTrait>();
  /** The values of the traits' histories, in write order; a repeat of the newest one is folded into it. */
  private history: BufferedHistory[] = [];
  /** The newest (by event time) buffered history value of each (profile, key). */
  private newestHistory = new Map<string, BufferedHistory>();
  private events: BufferedEvent[] = [];
  private warnings: NewWarning[] = [];
  private merges: BufferedMerge[] = [];
  private refusals: BufferedRefusal[] = [];
  private consent = new Map<string, BufferedConsent>();
  private assignments: Array<{ seq: number; timestamp: string; profile_id: string | null }> = [];
  private deviceUsers: BufferedDeviceUser[] = [];

  get empty(): boolean {
    return (
      this.events.length === 0 &&
      this.history.length === 0 &&
      this.warnings.length === 0 &&
      this.newProfiles.size === 0 &&
      this.profileUpdates.size === 0 &&
      this.links.size === 0 &&
      this.touches.size === 0 &&
      this.traits.size === 0 &&
      this.merges.length === 0 &&
      this.refusals.length === 0 &&
      this.consent.size === 0 &&
      this.assignments.length === 0 &&
      this.deviceUsers.length === 0
    );
  }

  /** A new profile, with the event that created it (so a replay can give its id back). */
  createProfile(id: string, at: string, createdBy: { messageId: string; sourceId: string }): void {
    this.newProfiles.set(id, {
      id,
      created_at: at,
      updated_at: at,
      merged_into: null,
      merge_count: 0,
      created_message_id: createdBy.messageId,
      created_source_id: createdBy.sourceId,
    });
  }

  addRefusal(row: BufferedRefusal): void {
    this.refusals.push(row);
  }

  /** A consent write, folded with the within-profile rule (core's `CONSENT_ORDERS.latest`, `LATER_CONSENT_SQL` in the flush) into the buffered entry of its key. */
  setConsent(row: BufferedConsent): void {
    const key = `${row.profile_id}\u0000${row.category}`;
    const current = this.consent.get(key);
    if (!current || compareConsentOrder('latest', consentFields(row), consentFields(current)) > 0) this.consent.set(key, row);
  }

  /** True when consent of this profile is buffered (a merge then needs it stored: consent merges in SQL). */
  hasConsent(profileId: string): boolean {
    for (const row of this.consent.values()) if (row.profile_id === profileId) return true;
    return false;
  }

  /** A replayed event (stored row `seq`) now belongs to `profileId`. */
  assignEvent(seq: number, timestamp: string, profileId: string | null): void {
    this.assignments.push({ seq, timestamp, profile_id: profileId });
  }

  addDeviceUser(row: BufferedDeviceUser): void {
    this.deviceUsers.push(row);
  }

  /** True for a profile created in this buffer (not in the database yet). */
  isNew(id: string): boolean {
    return this.newProfiles.has(id);
  }

  /** The profile's `updated_at` moves to `at` (the last write wins, as with one statement per event). */
  touchProfile(id: string, at: string): void {
    const created = this.newProfiles.get(id);
    if (created) created.updated_at = at;
    else this.profileUpdates.set(id, { updated_at: at, merges: this.profileUpdates.get(id)?.merges ?? 0 });
  }

  link(key: string, row: BufferedIdentifier): void {
    this.links.set(key, row);
  }

  /** An identifier's times changed (a new one in this buffer, or one that exists in the database). */
  touchIdentifier(key: string, row: { type: string; value: string; first_seen: string; last_seen: string }): void {
    const linked = this.links.get(key);
    if (linked) {
      linked.first_seen = row.first_seen;
      linked.last_seen = row.last_seen;
    } else this.touches.set(key, row);
  }

  /** A trait write, folded with the store's rule (`TRAIT_WINS`) into the buffered entry of its key. */
  setTrait(row: BufferedTrait): void {
    const key = `${row.profile_id}\u0000${row.key}`;
    const newest = this.newestHistory.get(key);
    if (newest && repeats(row, newest)) newest.ts = row.ts;
    else {
      const value = { ...row, first: !newest };
      this.history.push(value);
      if (!newest || Date.parse(row.ts) >= Date.parse(newest.ts)) this.newestHistory.set(key, value);
    }
    const current = this.traits.get(key);
    if (!current || traitWins(row, current)) this.traits.set(key, row);
  }

  /** Buffers a new event; returns its position in the buffer (from 1), as `BufferedDeviceUser.event` takes it. */
  addEvent(row: BufferedEvent): number {
    return this.events.push(row);
  }

  addWarnings(warnings: NewWarning[]): void {
    for (const warning of warnings) this.warnings.push(warning);
  }

  /**
   * Whether a merge statement on these two profiles (the absorbed one in the database) would miss buffered
   * rows: the survivor is new, either side has buffered traits, or the absorbed one has buffered merge counts.
   * Also when ledger entries are buffered, so that the ledger keeps the order in which merges happened.
   */
  needsFlushBeforeMerge(survivorId: string, absorbedId: string): boolean {
    if (this.merges.length > 0 || this.newProfiles.has(survivorId) || (this.profileUpdates.get(absorbedId)?.merges ?? 0) > 0) return true;
    for (const trait of this.traits.values()) if (trait.profile_id === survivorId || trait.profile_id === absorbedId) return true;
    return false;
  }

  /**
   * Before a merge statement folds `absorbedId` (in the database) into `survivorId`: buffered rows of the
   * absorbed profile follow it, and both profiles' buffered `updated_at` give way to the statement's.
   */
  beforeMergeStatement(survivorId: string, absorbedId: string): void {
    this.retarget(absorbedId, survivorId);
    for (const id of [survivorId, absorbedId]) {
      const update = this.profileUpdates.get(id);
      if (update && update.merges === 0) this.profileUpdates.delete(id);
    }
  }

  /** Folds a profile created in this buffer into `survivorId`, as the merge statement would, in memory. */
  absorbNew(merge: Omit<BufferedMerge, 'survivor_id' | 'absorbed_id'> & { survivorId: string; absorbedId: string }): void {
    const { survivorId, absorbedId, created_at: at } = merge;
    const absorbed = this.newProfiles.get(absorbedId)!;
    this.retarget(absorbedId, survivorId);
    for (const [key, trait] of [...this.traits]) {
      if (trait.profile_id !== absorbedId) continue;
      this.traits.delete(key);
      const moved = { ...trait, profile_id: survivorId };
      const current = this.traits.get(`${survivorId}\u0000${trait.key}`);
      if (!current || traitWins(moved, current)) this.traits.set(`${survivorId}\u0000${trait.key}`, moved);
    }
    // The absorbed profile is new, so its values never fold into stored ones; as the survivor's they must not either.
    for (const row of this.history) {
      if (row.profile_id !== absorbedId) continue;
      this.newestHistory.delete(`${absorbedId}\u0000${row.key}`);
      row.profile_id = survivorId;
      row.first = false;
    }
    absorbed.merged_into = survivorId;
    absorbed.updated_at = at;
    const survivor = this.newProfiles.get(survivorId);
    if (survivor) {
      survivor.merge_count += 1 + absorbed.merge_count;
      survivor.updated_at = at;
    } else {
      const update = this.profileUpdates.get(survivorId);
      this.profileUpdates.set(survivorId, { updated_at: at, merges: (update?.merges ?? 0) + 1 + absorbed.merge_count });
    }
    this.merges.push({
      id: merge.id,
      survivor_id: survivorId,
      absorbed_id: absorbedId,
      rule: merge.rule,
      via: merge.via,
      message_id: merge.message_id,
      source_id: merge.source_id,
      created_at: at,
      sides: merge.sides,
    });
  }

  /** Buffered identifiers, events and forwards of `from` now belong to `to`. */
  private retarget(from: string, to: string): void {
    for (const link of this.links.values()) if (link.profile_id === from) link.profile_id = to;
    for (const event of this.events) if (event.profile_id === from) event.profile_id = to;
    for (const assigned of this.assignments) if (assigned.profile_id === from) assigned.profile_id = to;
    for (const profile of this.newProfiles.values()) if (profile.merged_into === from) profile.merged_into = to;
  }

  /** The statement's parameters; empties the buffer. */
  take(): unknown[] {
    const values = [
      JSON.stringify([...this.newProfiles.values()]),
      JSON.stringify([...this.profileUpdates].map(([id, update]) => ({ id, ...update }))),
      JSON.stringify([...this.links.values()]),
      JSON.stringify([...this.touches.values()]),
      JSON.stringify([...this.traits.values()]),
      eventsJson(this.events),
      JSON.stringify(foldWarnings(this.warnings)),
      JSON.stringify(this.merges),
      JSON.stringify(this.refusals),
      JSON.stringify([...this.consent.values()]),
      JSON.stringify(this.assignments),
      JSON.stringify(this.deviceUsers),
      JSON.stringify(this.history),
    ];
    this.history = [];
    this.newestHistory = new Map();
    this.newProfiles = new Map();
    this.profileUpdates = new Map();
    this.links = new Map();
    this.touches = new Map();
    this.traits = new Map();
    this.events = [];
    this.warnings = [];
    this.merges = [];
    this.refusals = [];
    this.consent = new Map();
    this.assignments = [];
    this.deviceUsers = [];
    return values;
  }
}

/** A buffered consent row as core's consent order reads it. */
function consentFields(row: BufferedConsent): { granted: boolean; timestamp: string } {
  return { granted: row.granted, timestamp: row.ts };
}

/** Whether a trait write repeats a history value: the same value, source and rank, not older. */
function repeats(row: BufferedTrait, newest: BufferedHistory): boolean {
  return (
    row.source_id === newest.source_id &&
    row.trust === newest.trust &&
    Date.parse(row.ts) >= Date.parse(newest.ts) &&
    JSON.stringify(row.value ?? null) === JSON.stringify(newest.value ?? null)
  );
}

/** `TRAIT_WINS` in JavaScript: core's `TRAIT_ORDER`, the spec the SQL is generated from. */
function traitWins(incoming: BufferedTrait, current: BufferedTrait): boolean {
  return compareTraitOrder(orderFields(incoming), orderFields(current)) > 0;
}

function orderFields(row: BufferedTrait): TraitOrderFields {
  return { trust: row.trust, timestamp: row.ts, sourceId: row.source_id, value: row.value ?? null };
}
