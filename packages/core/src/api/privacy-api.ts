/**
 * Request and response shapes of the privacy API (`/v1/privacy/requests…`): delete, suppress, unsuppress
 * and export a whole person by any one of their identifiers. Type-only; the dashboard's privacy page and
 * the CLI read these.
 */
import type { Warning } from './admin-api.ts';
import type { LinkClickExport } from './links-api.ts';
import type { Delivery, MessageDecision } from './messaging-api.ts';
import type { Page } from './page-api.ts';
import type { ExternalId, Merge, Profile, TimelineEvent, TraitHistory } from './profile-api.ts';

/** What a privacy request does. `suppress_with_delete`: suppress, then delete (both stay in force). */
export type PrivacyRequestType = 'suppress' | 'unsuppress' | 'delete' | 'suppress_with_delete' | 'export';

/**
 * Progress of a request, a store or a destination. `partial`: some parts completed, others failed
 * (a request is `partial` when at least one destination failed and the store completed).
 */
export type PrivacyStatus = 'pending' | 'running' | 'completed' | 'partial' | 'failed';

/** `POST /v1/privacy/requests` body. `subject.ref` is `type:value` of any identifier of the person. */
export interface PrivacyRequestBody {
  type: PrivacyRequestType;
  subject: { ref: string };
  /** Free text kept with the request (why; ticket number). Never shown to anyone but admins. */
  reason?: string;
  /** Who asked (a name or ticket reference), kept with the request. */
  requestedBy?: string;
}

/** The person a request is about, resolved when it was accepted. */
export interface PrivacySubject {
  /** The live profile the ref resolved to (`null` when no profile holds it: only the ref is acted on). */
  profileId: string | null;
  /**
   * Every identifier of that profile at acceptance (`type:value`). For delete requests this list is
   * emptied once the request completes (the values are gone; only keyed hashes remain).
   */
  identifiers: string[];
}

/** Progress at one destination: its `User Deleted` delivery (see docs/privacy.md). */
export interface PrivacyDestinationStatus {
  destinationId: string;
  status: PrivacyStatus;
  error?: string;
  updatedAt: string;
}

/** What a completed request did in the store. */
export interface PrivacyOutcome {
  /** Events removed (delete). */
  eventsDeleted?: number;
  /** Identifiers tombstoned (delete) or suppressed (suppress). */
  identifiers?: number;
  /** Export: events exported. */
  eventsExported?: number;
}

/** `202` of `POST /v1/privacy/requests`, and each item of `GET /v1/privacy/requests[/{id}]`. */
export interface PrivacyRequest {
  id: string;
  type: PrivacyRequestType;
  status: PrivacyStatus;
  subject: PrivacySubject;
  reason?: string;
  requestedBy?: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** Status in the store (the database of this deployment). */
  store: { status: PrivacyStatus; error?: string; outcome?: PrivacyOutcome };
  /** Status per destination told of a delete; empty for other types or without destinations. */
  destinations: PrivacyDestinationStatus[];
}

/** `GET /v1/privacy/requests`: newest first, keyset-paged. */
export type PrivacyRequestList = Page<PrivacyRequest>;

/**
 * `GET /v1/privacy/requests/{id}/export` (JSON). With `Accept: application/x-ndjson` the same content is
 * one JSON object per line: `{"kind":"profile",…}`, then `{"kind":"identifier",…}` per identifier, then
 * traits, events, merges, consent, warnings, computed values, audiences, messages, deliveries and clicks
 * (see `PrivacyExportLine`).
 */
export interface PrivacyExport {
  requestId: string;
  exportedAt: string;
  profile: Profile | null;
  identifiers: ExternalId[];
  traits: TraitHistory[];
  events: TimelineEvent[];
  merges: Merge[];
  consent: Record<string, { granted: boolean; timestamp: string }>;
  warnings: Warning[];
  /** Computed trait values Kin derived for the person (by computed-trait key). */
  computed: Record<string, unknown>;
  /** Audiences the person is in, with when they entered. */
  audiences: Array<{ key: string; enteredAt: string }>;
  /** Messaging decisions about the person (sent, skipped and why), where messaging runs. */
  messages: MessageDecision[];
  /** Deliveries to destinations about the person (status, attempts; never the payload), where messaging runs. */
  deliveries: Delivery[];
  /** The person's tracked-link clicks, HEAD requests and opens (bot-flagged ones too, marked). */
  clicks: LinkClickExport[];
}

/** One line of the NDJSON export. */
export type PrivacyExportLine =
  | { kind: 'profile'; requestId: string; exportedAt: string; profile: Profile | null }
  | { kind: 'identifier'; identifier: ExternalId }
  | { kind: 'trait'; trait: TraitHistory }
  | { kind: 'event'; event: TimelineEvent }
  | { kind: 'merge'; merge: Merge }
  | { kind: 'consent'; category: string; granted: boolean; timestamp: string }
  | { kind: 'warning'; warning: Warning }
  | { kind: 'computed'; key: string; value: unknown }
  | { kind: 'audience'; key: string; enteredAt: string }
  | { kind: 'message'; message: MessageDecision }
  | { kind: 'delivery'; delivery: Delivery }
  | { kind: 'click'; click: LinkClickExport };

/** `GET /v1/stats` grows `suppressedEvents`; tracking answers grow `suppressed` (events dropped by privacy). */
export interface SuppressedCount {
  suppressed: number;
}

/** A suppressed or tombstoned identifier, as the store keeps it: never the plain value. */
export interface PrivacyIdentifierKey {
  /** Identifier type (`email`, `phone`, …); kept in clear, it is not personal. */
  type: string;
  /** Keyed hash (HMAC-SHA-256, hex) of the normalised `type:value`. */
  hash: string;
}
