/**
 * Multi-touch attribution over one unit's ordered events, and the credited totals over many units.
 * The rules (docs/analytics.md):
 * 1. A conversion is an event matching `conversion` with its time in [from, to); its revenue is the number
 *    at `conversion.value` (0 when absent).
 * 2. A touch is an event with a UTM campaign (`context.campaign`), a `kin_link` landing (`context.kin.link`)
 *    or a name listed in `touchpoints.events`, before the conversion (in the unit's order) and no older than
 *    the lookback. A touch with neither campaign nor link is direct (for `last_non_direct`).
 * 3. Credits of one conversion sum to 1 for every model but `participation` (each value touched gets 1);
 *    a conversion without a touch credits the value `direct` with 1.
 * 4. `time_decay` weighs a touch 2^(-age / half-life) before normalising; `position_based` gives 40 % to the
 *    first and the last touch and spreads 20 % over the middle ones (1 touch: 1; 2 touches: 0.5 each).
 */
import type { AttributionModel, AttributionRow, TouchDimension, WhereCondition } from '../api/analytics-api.ts';
import type { AnalyticsEvent } from './analytics-event.ts';
import { matches, readPath } from './analytics-event.ts';

/** Every model, in the order answers list them. */
export const ATTRIBUTION_MODELS: readonly AttributionModel[] = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'participation',
];

/** The value credited for conversions without a touch. */
export const DIRECT = 'direct';

/** An attribution definition with durations in milliseconds, validated by the caller. */
export interface AttributionSpec {
  conversion: { event: string; where?: WhereCondition[]; value?: string };
  touchEvents: ReadonlySet<string>;
  dimension: TouchDimension;
  models: readonly AttributionModel[];
  lookbackMs: number;
  halfLifeMs: number;
  fromMs: number;
  toMs: number;
}

/** A touch: the event, the value it credits and whether it is direct. */
export interface Touch {
  event: AnalyticsEvent;
  value: string;
  direct: boolean;
}

/** A conversion with its revenue and its touches, oldest first. */
export interface ConversionTouches {
  conversion: AnalyticsEvent;
  revenue: number;
  touches: Touch[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The touch an event is (rule 2), or undefined. */
export function touchOf(spec: Pick<AttributionSpec, 'touchEvents' | 'dimension'>, event: AnalyticsEvent): Touch | undefined {
  const campaign = record(event.context?.['campaign']);
  const hasCampaign = campaign !== undefined && Object.keys(campaign).length > 0;
  const link = record(event.context?.['kin'])?.['link'];
  const hasLink = typeof link === 'string' && link !== '';
  if (!hasCampaign && !hasLink && !spec.touchEvents.has(event.name)) return undefined;
  const field =
    spec.dimension === 'utm_source'
      ? 'source'
      : spec.dimension === 'utm_medium'
        ? 'medium'
        : spec.dimension === 'utm_campaign'
          ? 'name'
          : undefined;
  const raw = field === undefined ? event.channel : campaign?.[field];
  const value = typeof raw === 'string' && raw !== '' ? raw : '(none)';
  return { event, value, direct: !hasCampaign && !hasLink };
}

/** The conversions of one unit with their touches (rules 1–2). */
export function unitConversions(spec: AttributionSpec, events: readonly AnalyticsEvent[]): ConversionTouches[] {
  const out: ConversionTouches[] = [];
  const touches: Touch[] = [];
  for (const e of events) {
    if (e.at >= spec.fromMs && e.at < spec.toMs && matches(e, spec.conversion)) {
      const since = e.at - spec.lookbackMs;
      const raw = spec.conversion.value === undefined ? undefined : readPath(e, spec.conversion.value);
      const revenue =
        typeof raw === 'number' && Number.isFinite(raw)
          ? raw
          : typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : 0;
      out.push({ conversion: e, revenue, touches: touches.filter((t) => t.event.at >= since) });
    }
    const touch = touchOf(spec, e);
    if (touch) touches.push(touch);
  }
  return out;
}

/** Each touch's credit under one model (rules 3–4); an empty list for a direct conversion. */
export function touchCredits(model: AttributionModel, c: ConversionTouches, halfLifeMs: number): number[] {
  const n = c.touches.length;
  if (n === 0) return [];
  const credits = new Array<number>(n).fill(0);
  switch (model) {
    case 'first_touch':
      credits[0] = 1;
      break;
    case 'last_touch':
      credits[n - 1] = 1;
      break;
    case 'last_non_direct': {
      let i = n - 1;
      while (i > 0 && c.touches[i]?.direct) i--;
      credits[i] = c.touches[i]?.direct ? 0 : 1;
      if (credits[i] === 0) credits[n - 1] = 1;
      break;
    }
    case 'linear':
      credits.fill(1 / n);
      break;
    case 'time_decay': {
      const weights = c.touches.map((t) => Math.pow(2, -(c.conversion.at - t.event.at) / halfLifeMs));
      const sum = weights.reduce((a, b) => a + b, 0);
      weights.forEach((w, i) => (credits[i] = w / sum));
      break;
    }
    case 'position_based':
      if (n === 1) credits[0] = 1;
      else if (n === 2) credits.fill(0.5);
      else {
        credits.fill(0.2 / (n - 2));
        credits[0] = 0.4;
        credits[n - 1] = 0.4;
      }
      break;
    case 'participation': {
      const seen = new Set<string>();
      c.touches.forEach((t, i) => {
        if (!seen.has(t.value)) credits[i] = 1;
        seen.add(t.value);
      });
      break;
    }
  }
  return credits;
}

/** The credited rows per model over many conversions, and how many were direct. */
export function attributionTotals(
  spec: AttributionSpec,
  conversions: Iterable<ConversionTouches>,
): {
  models: Partial<Record<AttributionModel, AttributionRow[]>>;
  conversions: number;
  direct: number;
} {
  const sums = new Map<AttributionModel, Map<string, { conversions: number; revenue: number }>>(spec.models.map((m) => [m, new Map()]));
  let count = 0;
  let direct = 0;
  const add = (table: Map<string, { conversions: number; revenue: number }>, value: string, credit: number, revenue: number) => {
    const row = table.get(value) ?? { conversions: 0, revenue: 0 };
    row.conversions += credit;
    row.revenue += credit * revenue;
    table.set(value, row);
  };
  for (const c of conversions) {
    count++;
    if (c.touches.length === 0) direct++;
    for (const [model, table] of sums) {
      if (c.touches.length === 0) {
        add(table, DIRECT, 1, c.revenue);
        continue;
      }
      touchCredits(model, c, spec.halfLifeMs).forEach((credit, i) => {
        if (credit > 0) add(table, (c.touches[i] as Touch).value, credit, c.revenue);
      });
    }
  }
  const models: Partial<Record<AttributionModel, AttributionRow[]>> = {};
  for (const [model, table] of sums) {
    models[model] = [...table]
      .map(([value, s]) => ({ value, conversions: round(s.conversions), revenue: round(s.revenue) }))
      .sort((a, b) => b.conversions - a.conversions || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }
  return { models, conversions: count, direct };
}

/** Rounds to 6 decimals, so that sums in a different order (another store) give the same answer. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
