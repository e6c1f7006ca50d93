/**
 * JSON shapes of the journeys, messaging policy, destinations, messages and deliveries API
 * (`/v1/journeys`, `/v1/messaging/policy`, `/v1/destinations`, `/v1/messages/{id}`, `/v1/deliveries`).
 * Type-only: the server validates bodies into these, the dashboard reads them.
 */

/** A duration as the API accepts it: seconds as a number, or `"30s"`, `"5 minutes"`, `"2h"`, `"1 day"`. */
export type DurationInput = number | string;

/** What starts a journey: a tracked event, or entering an audience (the `Audience Entered` event). */
export type JourneyTrigger = ({ event: string } | { audience: string }) & {
  /** A path into the trigger event (`properties.cart_id`): one instance per value per profile. */
  instanceKey?: string;
};

/** What ends an instance early: an event (optionally matching trigger values), or entering an audience. */
export type JourneyExitRule = { event: string; match?: Record<string, string> } | { audience: string; entered: true };

/** A branch condition over the trigger and the profile's traits (`trigger.properties.total`, `traits.vip`). */
export interface BranchCondition {
  path: string;
  equals?: string | number | boolean | null;
  exists?: boolean;
}

/** One step. A step may carry an `id` that branches jump to; branches may only jump forward. */
export type JourneyStep = { id?: string } & (
  { wait: DurationInput } | { send: SendStep } | { branch: { if: BranchCondition; then: string; else?: string } }
);

/** A send: one logical message, claimed per profile under `dedupeKey` before any channel is tried. */
export interface SendStep {
  message: string;
  /** A template over the trigger (`cart:{{trigger.properties.cart_id}}`). */
  dedupeKey: string;
  channels: string[];
  choose?: 'first_eligible' | 'best_engagement';
  /** How long the claim holds (default 7 days). */
  ttl?: DurationInput;
  tags?: string[];
  /** The email an SMTP channel sends (default: the message name as subject and text), rendered per recipient; its links become tracked links. */
  email?: EmailContent;
  /**
   * What a webhook or Segment channel carries: named templates over the trigger and the profile
   * (`{"title": "Cart {{trigger.properties.cart_id}}", "body": "Hi {{profile.traits.first_name | default: \"there\"}}"}`),
   * rendered per recipient into the `Message Sent` event's `properties.content` (as text, missing values empty).
   */
  content?: Record<string, string>;
}

/**
 * An email's content: templates over the trigger and the profile (`{{trigger.properties.cart_id}}`,
 * `{{profile.traits.first_name | default: "there"}}`; values HTML-escaped in `html`). Every http(s) link in
 * `text` and every `href` in `html` is sent as a tracked link with the recipient's token.
 */
export interface EmailContent {
  subject?: string;
  text?: string;
  /** HTML mail also gets an open pixel (`/o/{token}.gif`). */
  html?: string;
}

/** `POST /v1/journeys` body. */
export interface JourneyInput {
  key: string;
  name?: string;
  trigger: JourneyTrigger;
  entry?: { maxPerProfile?: number };
  exit?: JourneyExitRule[];
  steps: JourneyStep[];
  /** `group`: journeys sharing a group hold out the same profiles (default: the journey's key). */
  holdout?: { percent: number; group?: string };
  goal?: { event: string; within: DurationInput };
}

/** Where a journey stands. */
export type JourneyStatus = 'draft' | 'published' | 'paused';

/** A stored journey (`GET /v1/journeys/{key}`). */
export interface Journey extends JourneyInput {
  status: JourneyStatus;
  /** When it was published: only events received from then on start instances. */
  publishedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** `PUT /v1/messaging/policy` body and answer. */
export interface MessagingPolicy {
  frequencyCaps: Array<{ channel: string; tag?: string; max: number; per: DurationInput }>;
  capCounting: 'calendar_user_tz' | 'rolling';
  quietHours?: { start: string; end: string; channels?: string[]; fallback: 'defer' | 'drop' };
  timezoneTrait: string;
  defaultTimezone: string;
  channels: Record<string, { destination: string; consent: 'opt_in' | 'opt_out'; contact?: string }>;
}

/** The outcome of one send decision. `sent` and `deferred_quiet` hold the claim; every other outcome releases it. */
export type DecisionOutcome =
  | 'sent'
  | 'held_out'
  | 'exited'
  | 'skipped_duplicate'
  | 'skipped_consent'
  | 'skipped_no_channel'
  | 'skipped_cap'
  | 'deferred_quiet'
  | 'dropped_quiet';

/** One rule's verdict in a decision's explanation. */
export interface RuleVerdict {
  rule: string;
  /** `pass`: go on; `stop`: this rule decided the outcome; `skip`: the rule did not apply. */
  result: 'pass' | 'stop' | 'skip';
  detail: string;
}

/** `GET /v1/messages/{id}`: one decision, explained rule by rule. */
export interface MessageDecision {
  id: string;
  journey: string;
  message: string;
  instanceId: string;
  /** The index of the send step in the journey's steps. */
  step?: number;
  profileId: string;
  dedupeKey: string;
  outcome: DecisionOutcome;
  channel?: string;
  deliveryId?: string;
  /** For `deferred_quiet`: when the send is tried again. */
  deferredUntil?: string;
  rules: RuleVerdict[];
  decidedAt: string;
}

/** `GET /v1/journeys/{key}/stats`. */
export interface JourneyStats {
  entered: number;
  exited: { goal: number; exitRule: number };
  heldOut: number;
  decisions: Record<'sent' | 'skipped_duplicate' | 'skipped_cap' | 'deferred_quiet' | 'skipped_no_channel' | 'skipped_consent', number> &
    Partial<Record<DecisionOutcome, number>>;
  goal: { treated: number; holdout: number; lift: number | null };
}

/** One step of `GET /v1/journeys/{key}/steps`, in the journey's step order. */
export interface JourneyStepCount {
  index: number;
  kind: 'wait' | 'send' | 'branch';
  /**
   * Instances in this step now: waiting out a wait, deferred by quiet hours at a send, or due to run it (the
   * runner is about to).
   */
  now: number;
  /** Instances that ended while in this step, by reason (`exit_rule`, `goal`, `profile_gone`). */
  ended: Record<string, number>;
  /** A send's decisions by outcome: its reasons (`sent`, `skipped_duplicate`, `held_out`, …). */
  decisions?: Partial<Record<DecisionOutcome, number>>;
  /** A branch's instances by the way they went: its condition held (`then`) or did not (`else`). */
  branch?: { then: number; else: number };
}

/**
 * `GET /v1/journeys/{key}/steps`: live counts per step, for the dashboard's step diagram. Instances merged
 * into another instance of the same person are left out, as in the stats.
 */
export interface JourneyStepCounts {
  journey: string;
  entered: number;
  steps: JourneyStepCount[];
  /** Instances that walked every step. */
  completed: number;
  /** When the counts were read. */
  at: string;
}

/** `POST /v1/destinations` body. */
export type DestinationInput =
  | { type: 'webhook'; name?: string; url: string; secret: string; events?: string[] }
  | { type: 'smtp'; name?: string; host: string; port: number; secure: boolean; from: string; auth?: { user: string; pass: string } }
  | { type: 'segment'; name?: string; url: string; writeKey: string; events: string[] };

/** A destination as the API shows it (secrets left out). */
export interface Destination {
  id: string;
  type: DestinationInput['type'];
  name?: string;
  status: 'active' | 'disabled';
  /** Why it was disabled (a 410 answer). */
  disabledReason?: string;
  url?: string;
  host?: string;
  port?: number;
  events?: string[];
  createdAt: string;
}

/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'failed';

/** `GET /v1/deliveries`: one delivery (its id is the `Idempotency-Key`). */
export interface Delivery {
  id: string;
  destinationId: string;
  profileId?: string;
  kind: 'message' | 'event' | 'user_deleted' | 'timeline';
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/deliveries/summary`: how many deliveries each destination has in each status. */
export interface DeliverySummary {
  data: Array<{ destinationId: string; status: DeliveryStatus; count: number }>;
}
