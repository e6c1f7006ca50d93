/**
 * Request and response types of the analytics API (`/v1/analytics/*`): funnels, paths and attribution,
 * each answered per unit — `profile` (stitched by Kin) or `anonymous_id` (what a tool without identity
 * resolution sees). docs/analytics.md has the semantics.
 */

/** A duration: exactly one of minutes, hours or days. */
export type Duration = { minutes: number } | { hours: number } | { days: number };

/** Who is counted: a stitched profile, or the event's own anonymousId (its userId when it has none). */
export type AnalyticsUnit = 'profile' | 'anonymous_id';

/** A condition on an event path (`properties.currency`, `context.campaign.source`, `event`). */
export interface WhereCondition {
  path: string;
  op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'exists';
  value?: unknown;
}

/** Events of one name (a track event's name, or the call type `page`, `screen`, `identify`) meeting every condition. */
export interface EventMatcher {
  event: string;
  where?: WhereCondition[];
}

/** How a funnel's steps must follow each other. */
export type FunnelOrder = 'ordered' | 'strict' | 'any';

/** `POST /v1/analytics/funnel`. */
export interface FunnelRequest {
  steps: EventMatcher[];
  /** From the first step to the last; default 14 days. */
  window?: Duration;
  order?: FunnelOrder;
  /** Bound of the gap between step i and step i + 1 (null: none); ordered and strict only. */
  stepWindows?: Array<Duration | null>;
  /** An exclusion event after the first step ends the attempt: later steps no longer count. */
  exclusions?: EventMatcher[];
  from: string;
  to: string;
  unit?: AnalyticsUnit;
  /** A path of the first step's event to split the counts by. */
  breakdown?: { path: string };
}

/** One step of a funnel answer. */
export interface FunnelStepResult {
  event: string;
  count: number;
  conversionFromStart: number;
  conversionFromPrevious: number;
  /** From the first step's event to this step's; null for the first step or when nobody reached it. */
  timeToConvertSeconds: { p50: number | null; avg: number | null };
}

/** The funnel answer. */
export interface FunnelResponse {
  unit: AnalyticsUnit;
  steps: FunnelStepResult[];
  breakdown?: Array<{ value: string; counts: number[] }>;
  meta: AnalyticsMeta;
}

/** `GET /v1/analytics/funnel/actors`: the units that reached (or dropped before) a step. */
export interface FunnelActorsResponse {
  data: Array<{ id: string }>;
  cursor: string | null;
}

/** How every analytics answer says what it cost. */
export interface AnalyticsMeta {
  eventsScanned: number;
  ms: number;
}

/** What a path node stands for. */
export type PathNodeKind = 'event' | 'page_path' | 'channel' | 'channel_event';

/** `POST /v1/analytics/paths`. */
export interface PathsRequest {
  start?: string;
  end?: string;
  node?: PathNodeKind;
  /** Nodes per path, 2 to 20. */
  steps?: number;
  /** false: a path ends where the unit was inactive for 30 minutes. */
  acrossSessions?: boolean;
  maxEdges?: number;
  /** Event names left out of every path. */
  exclude?: string[];
  from: string;
  to: string;
  unit?: AnalyticsUnit;
}

/** A node of the path diagram (`step` is 0 for the first node of each path). */
export interface PathNode {
  id: string;
  label: string;
  step: number;
  count: number;
}

/** The paths answer. */
export interface PathsResponse {
  unit: AnalyticsUnit;
  nodes: PathNode[];
  edges: Array<{ from: string; to: string; count: number; medianGapSeconds: number }>;
  /** Paths that ended at a node (no next node within `steps`). */
  dropOffs: Array<{ node: string; count: number }>;
  /** The most frequent whole paths (labels), at most 10. */
  topPaths: Array<{ path: string[]; count: number }>;
  meta: AnalyticsMeta;
}

/** The attribution models. */
export type AttributionModel =
  'first_touch' | 'last_touch' | 'last_non_direct' | 'linear' | 'time_decay' | 'position_based' | 'participation';

/** What a touch is credited to. */
export type TouchDimension = 'channel' | 'utm_source' | 'utm_medium' | 'utm_campaign';

/** `POST /v1/analytics/attribution`. */
export interface AttributionRequest {
  /** `value`: the path of the revenue (`properties.total`). */
  conversion: { event: string; where?: WhereCondition[]; value?: string };
  touchpoints?: { events?: string[]; dimension?: TouchDimension };
  models?: AttributionModel[];
  lookback?: Duration;
  timeDecay?: { halfLifeDays?: number };
  compare?: { units?: AnalyticsUnit[] };
  from: string;
  to: string;
}

/** One credited value of one model. */
export interface AttributionRow {
  value: string;
  conversions: number;
  revenue: number;
}

/** The attribution answer. */
export interface AttributionResponse {
  results: Partial<Record<AnalyticsUnit, Partial<Record<AttributionModel, AttributionRow[]>>>>;
  /** Share of conversions without any touch, per unit. */
  direct: Partial<Record<AnalyticsUnit, number>>;
  /** Share of conversions that are direct per anonymous_id but have a touch on the stitched profile. */
  onlyStitchingExplains: number;
  conversions: number;
  meta: AnalyticsMeta;
}

/** How a touch reached the buyer: the same identifier on both events, or the merges that joined their profiles. */
export type TouchLink =
  | { kind: 'event'; identifier: { type: string; value: string } }
  | { kind: 'profile'; profileId: string }
  | {
      kind: 'merge';
      merges: Array<{
        id: string;
        survivorId: string;
        absorbedId: string;
        rule: string;
        via: Array<{ type: string; value: string }>;
        messageId: string;
        createdAt: string;
      }>;
    };

/** `GET /v1/analytics/attribution/conversions/{messageId}`. */
export interface ConversionExplanation {
  conversion: { messageId: string; event: string; timestamp: string; profileId: string | null; value: number };
  touches: Array<{
    messageId: string;
    event: string;
    timestamp: string;
    channel: string;
    value: string;
    direct: boolean;
    credit: Partial<Record<AttributionModel, number>>;
    link: TouchLink;
  }>;
  /** What the conversion's own anonymousId (or userId) sees: the touches a tool without stitching would credit. */
  unstitchedTouches: number;
}
