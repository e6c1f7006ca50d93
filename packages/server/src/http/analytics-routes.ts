/**
 * The analytics routes (admin only): funnels, who dropped, paths, attribution and one conversion explained.
 * Bodies are validated by analytics/analytics-request.ts; the questions run in analytics/analytics-run.ts.
 */
import { Hono } from 'hono';
import type { AttributionModel } from '@kin/core';
import { ATTRIBUTION_MODELS } from '@kin/core';
import { parseAttribution, parseFunnel, parsePaths } from '../analytics/analytics-request.ts';
import type { AnalyticsDeps } from '../analytics/analytics-run.ts';
import { explainConversion, funnelActors, runAttribution, runFunnel, runPaths } from '../analytics/analytics-run.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { parseFlag, parseLimit } from './query-params.ts';
import { readAdminJson } from './request-body.ts';

/** What the analytics routes need. */
export interface AnalyticsRouteDeps {
  store: Store;
  clock: Clock;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** Paths these routes serve (all need the admin token). */
export const ANALYTICS_PATHS = ['/v1/analytics/*'];

/** Builds the analytics routes. */
export function analyticsRoutes(deps: AnalyticsRouteDeps): Hono {
  const app = new Hono();
  const run: AnalyticsDeps = { store: deps.store, timeoutMs: deps.timeoutMs, nowMs: () => deps.clock.now().getTime() };
  const body = async (request: Request): Promise<unknown> => {
    const parsed = await readAdminJson(request, deps.maxBodyBytes);
    if (parsed === undefined) throw new ApiError('invalid_json', 'the body must be a JSON object');
    return parsed;
  };

  app.post('/v1/analytics/funnel', async (c) => c.json(await runFunnel(run, parseFunnel(await body(c.req.raw)))));

  app.get('/v1/analytics/funnel/actors', async (c) => {
    const raw = c.req.query('definition');
    if (!raw) throw new ApiError('invalid_query', 'definition (the funnel body as JSON) is required', 'definition');
    let definition: unknown;
    try {
      definition = JSON.parse(raw);
    } catch {
      throw new ApiError('invalid_query', 'definition must be JSON', 'definition');
    }
    const question = parseFunnel(definition);
    const step = Number(c.req.query('step') ?? '0');
    if (!Number.isInteger(step) || step < 0 || step >= question.spec.steps.length) throw new ApiError('invalid_query', 'step is the index of a step (0-based)', 'step');
    const dropped = parseFlag(c.req.query('dropped'), 'dropped');
    if (dropped && step === 0) throw new ApiError('invalid_query', 'nobody drops before the first step', 'step');
    const cursor = c.req.query('cursor');
    return c.json(await funnelActors(run, { ...question, step, dropped, limit: parseLimit(c.req.query('limit'), 100, 1000), ...(cursor ? { cursor } : {}) }));
  });

  app.post('/v1/analytics/paths', async (c) => c.json(await runPaths(run, parsePaths(await body(c.req.raw)))));

  app.post('/v1/analytics/attribution', async (c) => c.json(await runAttribution(run, parseAttribution(await body(c.req.raw)))));

  app.get('/v1/analytics/attribution/conversions/:messageId', async (c) => {
    const models = (c.req.query('models') ?? ATTRIBUTION_MODELS.join(',')).split(',').filter((m) => m !== '') as AttributionModel[];
    const number = (name: string, fallback: number) => {
      const text = c.req.query(name);
      return text === undefined ? fallback : Number(text);
    };
    // The same checks as the attribution body: one definition, validated in one place.
    const { spec } = parseAttribution({
      conversion: { event: c.req.query('event') ?? 'Order Completed', value: c.req.query('value') ?? 'properties.total' },
      touchpoints: { dimension: c.req.query('dimension') ?? 'channel', ...(c.req.query('touchEvents') ? { events: c.req.query('touchEvents')?.split(',') } : {}) },
      models,
      lookback: { days: number('lookbackDays', 30) },
      timeDecay: { halfLifeDays: number('halfLifeDays', 7) },
      from: '1970-01-01T00:00:00.000Z',
      to: '1970-01-02T00:00:00.000Z',
    });
    return c.json(await explainConversion(run, { messageId: c.req.param('messageId'), spec }));
  });

  return app;
}
