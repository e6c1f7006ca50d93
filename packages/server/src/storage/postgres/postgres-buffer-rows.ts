/**
 * The rows a PostgreSQL transaction buffers (postgres-write-buffer.ts), in the shape the flush statement
 * (postgres-flush-statement.ts) reads them with `json_to_recordset`: snake_case column names, ISO times.
 * Why a file of their own: the buffer folds them and the statement inserts them; both name them.
 */
/** A row of `events` as the flush inserts it. */
export interface BufferedEvent {
  message_id: string;
  source_id: string;
  profile_id: string | null;
  type: string;
  event: string | null;
  timestamp: string;
  received_at: string;
  /** The event as stored: JSON text, spliced into the batch as it is (never parsed and serialised again). */
  payload: string;
  /** Identity verification that failed or was missing (kept for replays). */
  unverified: unknown;
}

export interface BufferedIdentifier {
  type: string;
  value: string;
  profile_id: string;
  source_id: string;
  first_seen: string;
  last_seen: string;
  /** Provenance: the event and rule that linked it, and the event time. */
  link_message_id: string;
  link_rule: string;
  linked_at: string;
}

export interface BufferedTrait {
  profile_id: string;
  key: string;
  /** `null` is a tombstone (SQL NULL); anything else is the JSON value. */
  value: unknown;
  ts: string;
  source_id: string;
  /** The source's rank for this key (the policy's traitSources); 0 when unranked. */
  trust: number;
}

/** A value of a trait's history. */
export interface BufferedHistory extends BufferedTrait {
  /**
   * The first buffered value of its (profile, key): the flush folds it into the stored newest value when it
   * repeats that (`REPEATED_HISTORY`). Later ones were folded here.
   */
  first: boolean;
}

export interface BufferedProfile {
  id: string;
  created_at: string;
  updated_at: string;
  merged_into: string | null;
  merge_count: number;
  created_message_id: string | null;
  created_source_id: string | null;
}

/** A refused identifier kept for explain. */
export interface BufferedRefusal {
  profile_id: string | null;
  type: string;
  value: string;
  reason: string;
  detail: string;
  message_id: string;
  source_id: string;
  at: string;
}

export interface BufferedConsent {
  profile_id: string;
  category: string;
  granted: boolean;
  ts: string;
}

/** A device/user pair: `seq` of a stored event (replays), or `event`, the new event's position in this buffer (from 1). */
export interface BufferedDeviceUser {
  type: string;
  value: string;
  user_id: string;
  seq: number | null;
  event: number | null;
}

/** A ledger entry, as the flush inserts it. */
export interface BufferedMerge {
  id: string;
  survivor_id: string;
  absorbed_id: string;
  rule: string;
  via: unknown;
  message_id: string;
  source_id: string;
  created_at: string;
  /** Each side's identifiers when the merge happened (what an undo separates). */
  sides: unknown;
}
