/**
 * The storage port of journeys and delivery: journey definitions, the messaging policy, destinations,
 * journey instances (with their due times: the scheduler's state lives here, so it survives restarts),
 * dedupe claims, decisions and the delivery outbox. A store offers it as `store.messaging`.
 *
 * Why decisions, claims and outbox rows share one `transaction`: a crash between "decided to send" and
 * "queued the delivery" would either lose the message or send it without a record; one commit makes both
 * or neither.
 */
import type { JourneyStepRows, TrackingEvent } from '@kin/core';
import type { Delivery, DeliveryStatus, DeliverySummary, Journey, MessageDecision, MessagingPolicy } from '@kin/core/api/index.ts';
import type { EvaluatorLease } from './audience-store.ts';
import type { Engagement } from './messaging-engagement-sql.ts';
import type { Page } from './storage.ts';

/** A destination with its configuration, secrets included (never answered as is: see `Destination`). */
export interface StoredDestination {
  id: string;
  type: 'webhook' | 'smtp' | 'segment';
  name?: string;
  status: 'active' | 'disabled';
  disabledReason?: string;
  config: Record<string, unknown>;
  createdAt: string;
}

/** Where an instance stands: `active` (walking its steps), `done` (ran out of steps), `exited`, `merged`. */
export type InstanceState = 'active' | 'done' | 'exited' | 'merged';

/** One journey instance of one profile (per `instanceKey` value). */
export interface JourneyInstance {
  id: string;
  journeyKey: string;
  /** The profile it entered with; read through merges (`liveProfileId`). */
  profileId: string;
  instanceKey: string;
  state: InstanceState;
  stepIndex: number;
  /** When the runner should look at it next (a wait's end, a deferred send); `undefined`: nothing due. */
  dueAt?: string;
  heldOut: boolean;
  trigger: TrackingEvent;
  triggerSeq: number;
  enteredAt: string;
  endedAt?: string;
  /** `goal`, `exit_rule`, `merged`, `completed`. */
  endReason?: string;
  goalAt?: string;
}

/** A claim of (profile, dedupeKey) by one send (`owner` = `instanceId:stepIndex`). */
export interface MessageClaim {
  profileId: string;
  dedupeKey: string;
  owner: string;
  claimedAt: string;
  expiresAt: string;
}

/** A delivery to queue. `profileKey` orders deliveries: one destination sends a profile's in queue order. */
export interface NewDelivery {
  id: string;
  destinationId: string;
  profileKey: string;
  kind: Delivery['kind'];
  payload: unknown;
  createdAt: string;
}

/** A delivery a worker holds (its lease) with its payload; `attempts` counts the attempt about to be made. */
export interface ClaimedDelivery extends Delivery {
  payload: unknown;
}

/** The outcome of one attempt. */
export interface DeliveryResult {
  status: DeliveryStatus;
  at: string;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
}

/** Counts behind `GET /v1/journeys/{key}/stats`. */
export interface JourneyCounts {
  entered: number;
  heldOut: number;
  endReasons: Record<string, number>;
  outcomes: Record<string, number>;
  goalTreated: number;
  goalHoldout: number;
}

/** A committed event as the journey runner reads it. */
export interface CommittedEvent {
  seq: number;
  profileId?: string;
  event: TrackingEvent;
}

/**
 * The right to run the journey runner (one runner decides per store); the same port as the evaluator's lease.
 * Why a lease and not only row locks: two runners would read the same events and walk the same due
 * instances, and a send decided by both is a message decided twice. PostgreSQL holds it as an advisory lock
 * on a connection of its own, released by the database when the holder's process dies; SQLite as a row with
 * a holder and an expiry in the file (`sqlite/sqlite-lease.ts`), so a second process on one file waits too.
 */
export type RunnerLease = EvaluatorLease;

/** Operations inside one messaging transaction. */
export interface MessagingTx {
  /**
   * Reads an instance and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite has one
   * writer). A send compares it with what it walked from, so a second runner never decides the same step.
   */
  lockInstance(id: string): Promise<JourneyInstance | undefined>;
  /** Instances of a journey entered by any of these profile ids (a live profile and those merged into it). */
  findInstances(query: { journeyKey: string; profileIds: string[] }): Promise<JourneyInstance[]>;
  /** Adds an instance; `false` when this journey already has one from the same trigger event (a replayed read). */
  insertInstance(instance: JourneyInstance): Promise<boolean>;
  updateInstance(
    id: string,
    patch: Partial<Pick<JourneyInstance, 'state' | 'stepIndex' | 'dueAt' | 'endedAt' | 'endReason' | 'goalAt' | 'heldOut'>>,
  ): Promise<void>;
  /** Claims of `dedupeKey` held by any of these profile ids, earliest first. */
  findClaims(profileIds: string[], dedupeKey: string): Promise<MessageClaim[]>;
  /** Records a claim (replacing an expired one of the same profile and key). */
  putClaim(claim: MessageClaim): Promise<void>;
  /** Engagement counts per channel of these profile ids (`best_engagement`). */
  engagementCounts(profileIds: string[]): Promise<Record<string, number>>;
  /** `sent` decisions of these profile ids since `since` (frequency caps). */
  recentSends(profileIds: string[], since: string): Promise<Array<{ at: string; channel: string; tags: string[] }>>;
  insertDecision(decision: MessageDecision & { tags?: string[] }): Promise<void>;
  /** Records which way an instance went at a branch step; a second record of the same (instance, step) is ignored. */
  recordBranch(branch: { instanceId: string; journeyKey: string; stepIndex: number; taken: boolean }): Promise<void>;
  /** Queues deliveries; one whose id is queued already is left as it is (a re-read event queues nothing twice). */
  insertDeliveries(deliveries: NewDelivery[]): Promise<void>;
}

/** The messaging port of a store. */
export interface MessagingStore {
  transaction<T>(fn: (tx: MessagingTx) => Promise<T>): Promise<T>;
  /** A lease named `name` of this store (`JOURNEY_CURSOR` for the journey runner). */
  runnerLease(name: string): RunnerLease;

  putJourney(journey: Journey): Promise<void>;
  findJourney(key: string): Promise<Journey | undefined>;
  listJourneys(): Promise<Journey[]>;
  findPolicy(): Promise<MessagingPolicy | undefined>;
  putPolicy(policy: MessagingPolicy, at: string): Promise<void>;
  addDestination(destination: StoredDestination): Promise<void>;
  findDestination(id: string): Promise<StoredDestination | undefined>;
  listDestinations(): Promise<StoredDestination[]>;
  /** Disabling a destination also fails its pending deliveries. */
  setDestinationStatus(id: string, status: StoredDestination['status'], reason?: string): Promise<void>;

  /** The runner's position in the event log (0 when it never ran). */
  readCursor(name: string): Promise<number>;
  writeCursor(name: string, seq: number): Promise<void>;
  /** Committed events after `seq`, in seq order. */
  eventsAfter(seq: number, limit: number): Promise<CommittedEvent[]>;
  /** The live profile an id answers with (itself, or the survivor it was merged into). */
  liveProfileId(profileId: string): Promise<string | undefined>;
  /** A live profile id and every id merged into it. */
  profileAliases(liveId: string): Promise<string[]>;
  /** Active instances whose `dueAt` is at or before `now`, earliest first. */
  dueInstances(now: string, limit: number): Promise<JourneyInstance[]>;
  /** Instances of these profile ids that are active or still wait for their goal (entered at or after `goalSince`). */
  openInstances(profileIds: string[], goalSince: string): Promise<JourneyInstance[]>;
  findInstance(id: string): Promise<JourneyInstance | undefined>;
  /**
   * Counts a click or open (`Engagement`) for `best_engagement` when one of `profileIds` was sent a message on
   * its channel at or before it; an event counted already (same seq) is not counted again. `false`: not counted.
   */
  recordEngagement(engagement: Engagement, profileIds: string[]): Promise<boolean>;
  /** `MessagingTx.findInstances` outside a transaction. */
  findInstances(query: { journeyKey: string; profileIds: string[] }): Promise<JourneyInstance[]>;
  journeyCounts(key: string): Promise<JourneyCounts>;
  /** Instances by where they stand and decisions by step (the step diagram); `now` decides which due times are ahead. */
  journeyStepRows(key: string, now: string): Promise<JourneyStepRows>;
  findDecision(id: string): Promise<MessageDecision | undefined>;
  /** Decisions of these profile ids, newest first. */
  listDecisions(query: { profileIds?: string[]; journeyKey?: string; outcome?: string; limit: number }): Promise<MessageDecision[]>;

  /**
   * Leases up to `limit` due deliveries (pending with `nextAttemptAt` ≤ now, or in flight with an expired
   * lease) for `leaseMs`, each the oldest unfinished one of its (destination, profile) queue, so a profile's
   * deliveries go out in order. Two workers never hold one delivery (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  leaseDeliveries(query: { now: string; limit: number; leaseMs: number; destinationIds?: string[] }): Promise<ClaimedDelivery[]>;
  /** Records the outcomes of attempts, in one transaction. */
  finishDeliveries(results: Array<{ id: string; result: DeliveryResult }>): Promise<void>;
  /** Newest first; `profileIds`: only the deliveries of these profiles (a privacy export). */
  listDeliveries(query: {
    status?: DeliveryStatus;
    destinationId?: string;
    profileIds?: string[];
    limit: number;
    cursor?: string;
  }): Promise<Page<Delivery>>;
  findDelivery(id: string): Promise<Delivery | undefined>;
  /** How many deliveries each destination has in each status (the dashboard's summary). */
  deliveryCounts(): Promise<DeliverySummary['data']>;
  /** Puts a failed delivery back in its queue, due now; `undefined` when there is no such failed delivery. */
  retryDelivery(id: string, at: string): Promise<Delivery | undefined>;
  /** Queues deliveries outside a journey (forwarded events, `User Deleted`). */
  enqueueDeliveries(deliveries: NewDelivery[]): Promise<void>;
}
