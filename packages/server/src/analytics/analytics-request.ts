/**
 * The analytics request bodies, validated at the edge with zod into the core's specs (durations in
 * milliseconds). A bad definition is a 400 `invalid_query` naming the field (`steps`, `window.days`,
 * `models[2]`), never a 500 or a hung query.
 */
import { z } from 'zod';
import type { AnalyticsUnit, AttributionSpec, FunnelSpec, PathSpec } from '@kin/core';
import { ATTRIBUTION_MODELS, durationMs, textProblem } from '@kin/core';
import { parseAdminBody } from '../http/admin-body.ts';
import { ApiError } from '../http/error-catalog.ts';

/** Most steps of a funnel. */
export const MAX_FUNNEL_STEPS = 20;
/** Longest time range of one question: about 400 days. */
const MAX_RANGE_MS = 400 * 86_400_000;

const amount = z
  .number()
  .positive()
  .max(3650 * 1440);
const duration = z.union([
  z.object({ minutes: amount }).strict(),
  z.object({ hours: amount }).strict(),
  z.object({ days: amount.max(3650) }).strict(),
]);
const path = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^(event|messageId|channel|properties(\.[^.]+)+|context(\.[^.]+)+)$/,
    'a path is event, channel, messageId, properties.… or context.…',
  );
const where = z
  .array(
    z
      .object({ path, op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists']), value: z.unknown().optional() })
      .strict(),
  )
  .max(20);
/** An event name: what the tracking API can store (no NUL, no lone surrogate), else no event could match. */
const eventName = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => textProblem(s) === undefined, 'an event name holds no NUL character or lone surrogate');
const matcher = z.object({ event: eventName, where: where.optional() }).strict();
const time = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO-8601 time');
const unit = z.enum(['profile', 'anonymous_id']);

const funnelSchema = z
  .object({
    steps: z.array(matcher).min(1).max(MAX_FUNNEL_STEPS),
    window: duration.optional(),
    order: z.enum(['ordered', 'strict', 'any']).default('ordered'),
    stepWindows: z.array(duration.nullable()).optional(),
    exclusions: z.array(matcher).max(10).optional(),
    from: time,
    to: time,
    unit: unit.default('profile'),
    breakdown: z.object({ path }).strict().optional(),
  })
  .strict();

const pathsSchema = z
  .object({
    start: eventName.optional(),
    end: eventName.optional(),
    node: z.enum(['event', 'page_path', 'channel', 'channel_event']).default('event'),
    steps: z.number().int().min(2).max(20).default(5),
    acrossSessions: z.boolean().default(true),
    maxEdges: z.number().int().min(1).max(500).default(50),
    exclude: z.array(eventName).max(100).optional(),
    from: time,
    to: time,
    unit: unit.default('profile'),
  })
  .strict();

const attributionSchema = z
  .object({
    conversion: z.object({ event: eventName, where: where.optional(), value: path.optional() }).strict(),
    touchpoints: z
      .object({
        events: z.array(eventName).max(50).optional(),
        dimension: z.enum(['channel', 'utm_source', 'utm_medium', 'utm_campaign']).default('channel'),
      })
      .strict()
      .default({ dimension: 'channel' }),
    models: z
      .array(z.enum(ATTRIBUTION_MODELS as [string, ...string[]]))
      .min(1)
      .max(ATTRIBUTION_MODELS.length)
      .default([...ATTRIBUTION_MODELS]),
    lookback: duration.optional(),
    timeDecay: z
      .object({ halfLifeDays: z.number().positive().max(3650).default(7) })
      .strict()
      .default({ halfLifeDays: 7 }),
    compare: z
      .object({ units: z.array(unit).min(1).max(2).default(['profile']) })
      .strict()
      .default({ units: ['profile'] }),
    from: time,
    to: time,
    unit: unit.optional(),
  })
  .strict();

function range(from: string, to: string): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (toMs <= fromMs) throw new ApiError('invalid_query', 'to must be after from', 'to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new ApiError('invalid_query', 'a question covers at most 400 days', 'to');
  return { fromMs, toMs };
}

/** A validated funnel question. */
export interface FunnelQuestion {
  spec: FunnelSpec;
  unit: AnalyticsUnit;
}

/** Validates a funnel body. */
export function parseFunnel(body: unknown): FunnelQuestion {
  const f = parseAdminBody(funnelSchema, body, 'invalid_query');
  const stepWindows = f.stepWindows ?? f.steps.slice(1).map(() => null);
  if (stepWindows.length !== f.steps.length - 1)
    throw new ApiError('invalid_query', 'stepWindows has one entry per pair of consecutive steps', 'stepWindows');
  if (f.order === 'any' && stepWindows.some((w) => w !== null))
    throw new ApiError('invalid_query', 'stepWindows need order "ordered" or "strict"', 'stepWindows');
  const spec: FunnelSpec = {
    steps: f.steps,
    windowMs: durationMs(f.window ?? { days: 14 }),
    order: f.order,
    stepWindowsMs: stepWindows.map((w) => (w === null ? null : durationMs(w))),
    exclusions: f.exclusions ?? [],
    ...range(f.from, f.to),
    ...(f.breakdown ? { breakdownPath: f.breakdown.path } : {}),
  };
  return { spec, unit: f.unit };
}

/** A validated paths question. */
export interface PathsQuestion {
  spec: PathSpec;
  unit: AnalyticsUnit;
}

/** Validates a paths body. */
export function parsePaths(body: unknown): PathsQuestion {
  const p = parseAdminBody(pathsSchema, body, 'invalid_query');
  const spec: PathSpec = {
    node: p.node,
    steps: p.steps,
    acrossSessions: p.acrossSessions,
    maxEdges: p.maxEdges,
    exclude: new Set(p.exclude ?? []),
    ...range(p.from, p.to),
    ...(p.start !== undefined ? { start: p.start } : {}),
    ...(p.end !== undefined ? { end: p.end } : {}),
  };
  return { spec, unit: p.unit };
}

/** A validated attribution question. */
export interface AttributionQuestion {
  spec: AttributionSpec;
  units: AnalyticsUnit[];
}

/** Validates an attribution body (`unit` alone stands for `compare.units: [unit]`). */
export function parseAttribution(body: unknown): AttributionQuestion {
  const a = parseAdminBody(attributionSchema, body, 'invalid_query');
  const spec: AttributionSpec = {
    conversion: a.conversion,
    touchEvents: new Set(a.touchpoints.events ?? []),
    dimension: a.touchpoints.dimension,
    models: [...new Set(a.models)] as AttributionSpec['models'],
    lookbackMs: durationMs(a.lookback ?? { days: 30 }),
    halfLifeMs: a.timeDecay.halfLifeDays * 86_400_000,
    ...range(a.from, a.to),
  };
  const units = a.unit && a.compare.units.length === 1 && a.compare.units[0] === 'profile' ? [a.unit] : [...new Set(a.compare.units)];
  return { spec, units };
}
