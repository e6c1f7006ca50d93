/**
 * The ingest port: what the HTTP routes hand validated events to, and what they get back. Three
 * implementations: the group-commit ingestor (embedded store, same thread), the writer-thread ingestor
 * (embedded SQLite file) and the NATS collector (scale-out). Metrics wrap any of them.
 */
import type { EventFacts, TrackingEvent } from '@kin/core';
import type { ApplyCommon, NewEventRow, NewWarning } from '../storage/storage.ts';
import type { PreparedSubmission } from './event-apply.ts';

/** Counts of one applied group of events. */
export interface ApplyOutcome {
  accepted: number;
  duplicates: number;
  /** Profile each event resolved to, in input order (`undefined` for duplicates and identity-less events). */
  profileIds: Array<string | undefined>;
  /** Identifiers the resolver refused on these events (imports report it). */
  refused?: number;
}

/** Identity verification that failed or was missing for one event: which identifier types not to use, and why. */
export interface UnverifiedIdentity {
  types: string[];
  reason: string;
}

/** One request's worth of validated events from one source. */
export type Submission = WholeSubmission | PreparedOnlySubmission;

/** What every submission carries. */
interface SubmissionCommon {
  sourceId: string;
  /** Parallel to `events`: identity verification that failed or was missing (see identity-verify.ts). */
  unverified?: Array<UnverifiedIdentity | undefined>;
}

/** Whole events; `prepared` when made ahead (see `prepareSubmission`): what needs no store, done off the writer. */
export interface WholeSubmission extends SubmissionCommon {
  events: TrackingEvent[];
  prepared?: PreparedSubmission;
}

/** Only the facts of each event (the writer thread's), the whole events travelling as `prepared.payloads`. */
export interface PreparedOnlySubmission extends SubmissionCommon {
  events: EventFacts[];
  prepared: PreparedSubmission;
}

/** The ingest port the HTTP layer talks to. */
export interface Ingestor {
  /** Settles once the events are durable (2xx = on disk or in the stream), never before. */
  submit(submission: Submission): Promise<ApplyOutcome>;
  /**
   * Keeps rejected-event warnings. Why through the ingestor: the writer thread owns the embedded write
   * path, and a second writer would wait for its lock on the HTTP thread.
   */
  warn(warnings: NewWarning[]): Promise<void>;
  /** Stops taking new work and waits for what was accepted. */
  close(): Promise<void>;
}

/** A new event whose plan is already made (the evaluator's `Audience Entered` / `Exited`): applied as it is. */
export type PlannedEvent = ApplyCommon & NewEventRow;

/**
 * Applies planned events in the write path's next transaction. Why: on a SQLite file a commit by a second
 * connection costs the writer thread its identity-graph cache and a wait for the lock; events handed to the
 * writer commit with its next group instead (settles once they are durable).
 */
export interface PlannedEventWriter {
  applyPlanned(events: PlannedEvent[]): Promise<void>;
}

/**
 * Where events planned on another thread (the audience evaluator's) commit: handed to the write path
 * (`writer`: a SQLite file's writer thread), or in transactions of the planning thread's own store (`own`:
 * PostgreSQL, a store on the HTTP thread, where a second writer costs the ingest nothing and relaying through
 * the HTTP thread would only add work to its loop).
 */
export type PlannedEventRoute = { kind: 'writer'; writer: PlannedEventWriter } | { kind: 'own' };
