/**
 * The messages between the HTTP thread and the ingest writer thread (see ingest-thread.ts). Everything
 * here crosses `postMessage`, so it is plain data (structured clone).
 */
import { messageKey } from '../message-key.ts';
import type { NewWarning } from '../../storage.ts';
import type { EventFacts, IdentityPolicy, PreparedEvent } from '@kin/core';
import type { PreparedSubmission } from '../../../pipeline/event-apply.ts';
import type { ApplyOutcome, PlannedEvent, Submission } from '../../../pipeline/ingest-port.ts';
import type { HitWire } from '../../../links/link-hit-wire.ts';

/** What the writer thread is started with. */
export interface IngestThreadData {
  /** The SQLite file (already migrated by the starting thread). */
  dbPath: string;
  /** The identity policy, as the starting thread loaded and checked it (plain data: it crosses by structured clone). */
  policy: IdentityPolicy;
  /** messageId claims held in memory before they are written out (KIN_DEDUP_MEMORY). */
  dedupMemory?: number;
  /** Timeline entries in the tail before they are written out (KIN_TIMELINE_TAIL). */
  timelineTail?: number;
  /** Gathering of the group commit (KIN_GROUP_WAIT_MS, KIN_GROUP_MIN_EVENTS). */
  groupCommit?: { waitMs: number; minEvents: number };
  /** KIN_PRIVACY_SECRET: the writer digests incoming identifiers against keyed tombstones with it. */
  privacySecret?: string;
}

/** HTTP thread -> writer thread. */
export type ToWriter =
  | { kind: 'submit'; id: number; submission: WireSubmission }
  | { kind: 'warn'; id: number; warnings: NewWarning[] }
  | { kind: 'planned'; id: number; events: PlannedEvent[] }
  | { kind: 'hits'; id: number; hits: HitWire }
  | { kind: 'close' };

/**
 * A submission as it crosses: each event as the JSON text the HTTP thread made for storage anyway, and in
 * `prepared` (one JSON text) each event's prepared form: its identifiers and only the fields of the event
 * the writer reads. Why: structured clone of a hundred event objects cost the writer thread more than
 * `JSON.parse` of the same texts (for the identifiers too: about 1 µs per event), and parsing whole events
 * (properties, context) again cost the writer more than the HTTP thread spends on cutting them down;
 * strings cross as a copy.
 */
export interface WireSubmission {
  sourceId: string;
  payloads: string[];
  /** JSON of `PreparedEvent[]`, each event cut down to `writerFacts`. */
  prepared: string;
  /** Parallel to the events: `messageKey(sourceId, messageId)`, hashed here so the writer does not. */
  keys: bigint[];
  unverified?: Submission['unverified'];
}

/**
 * What the writer reads of an event: its times and ids for the rows it writes, identify traits for the trait
 * changes (computeTraitChanges), the stated consent (readConsent) and a tracked-link click row
 * (`context.kin.click`, link-click-apply.ts). Everything else is stored as the payload text and never read on
 * the writer.
 */
function writerFacts(event: EventFacts): EventFacts {
  const consent = event.context?.['consent'];
  const kin = event.context?.['kin'];
  const click =
    typeof kin === 'object' && kin !== null && !Array.isArray(kin) ? (kin as Record<string, EventFacts['context']>)['click'] : undefined;
  // Plain assignments in the order the spreads had (the JSON text is the same): no empty object per absent field.
  const facts: EventFacts = { type: event.type, messageId: event.messageId, timestamp: event.timestamp, receivedAt: event.receivedAt };
  if (event.event !== undefined) facts.event = event.event;
  if (event.type === 'identify' && event.traits) facts.traits = event.traits;
  if (consent !== undefined || click !== undefined) {
    facts.context = { ...(consent === undefined ? {} : { consent }), ...(click === undefined ? {} : { kin: { click } }) };
  }
  return facts;
}

/** Encodes a prepared submission for the writer thread. */
export function toWire(submission: Submission, prepared: PreparedSubmission): WireSubmission {
  return {
    sourceId: submission.sourceId,
    payloads: prepared.payloads,
    // Every field of the prepared form crosses but the event, which is cut down: a field named here one by one
    // was once left behind (`traitIds`, so the writer kept identifier traits whose value R8 refuses).
    prepared: JSON.stringify(prepared.events.map((one) => ({ ...one, event: writerFacts(one.event) }))),
    keys: submission.events.map((event) => messageKey(submission.sourceId, event.messageId)),
    ...(submission.unverified ? { unverified: submission.unverified } : {}),
  };
}

/**
 * Decodes a submission on the writer thread: each event's facts parsed once, shared by its prepared form;
 * `keys` (parallel to the events) are the messageId keys hashed on the HTTP thread, for `primeMessageKeys`.
 */
export function fromWire(wire: WireSubmission): { submission: Submission; keys: bigint[] } {
  // JSON.stringify leaves out an undefined previousId and linkClick, as PreparedEvent has them.
  const events = JSON.parse(wire.prepared) as PreparedEvent[];
  const prepared: PreparedSubmission = { events, payloads: wire.payloads };
  const submission = {
    sourceId: wire.sourceId,
    events: events.map((p) => p.event),
    prepared,
    ...(wire.unverified ? { unverified: wire.unverified } : {}),
  };
  return { submission, keys: wire.keys };
}

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

/** Writer thread -> HTTP thread. */
export type FromWriter =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; outcome?: ApplyOutcome; merges: number }
  | { kind: 'failed'; id: number; error: ThreadError }
  | { kind: 'closed' };
