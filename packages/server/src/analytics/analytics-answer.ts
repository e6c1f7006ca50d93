/**
 * One analytics question as a plain message (a body or a query string), answered as JSON text: what the routes
 * hand to the admin read thread (http/admin-read-thread.ts), so that in embedded mode a question over a million
 * events never holds the HTTP thread's loop (better-sqlite3 is synchronous). Validation errors come back as
 * `ApiError`s with their field, from wherever the question ran.
 */
import type { AttributionModel } from '@kin/core';
import { ATTRIBUTION_MODELS } from '@kin/core';
import { ApiError } from '../http/error-catalog.ts';
import { parseFlag, parseLimit } from '../http/query-params.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../storage/storage.ts';
import { parseAttribution, parseFunnel, parsePaths } from './analytics-request.ts';
import type { AnalyticsDeps } from './analytics-run.ts';
import { explainConversion, runAttribution } from './analytics-attribution-run.ts';
import { funnelActors, runFunnel, runPaths } from './analytics-run.ts';

/** An analytics question as the routes received it. */
export type AnalyticsAsk =
  | { kind: 'funnel' | 'paths' | 'attribution'; body: unknown }
  | { kind: 'actors'; query: Record<string, string | undefined> }
  | { kind: 'conversion'; messageId: string; query: Record<string, string | undefined> };

/** The default time limit of one question (`KIN_ANALYTICS_TIMEOUT_MS`). */
export const DEFAULT_ANALYTICS_TIMEOUT_MS = 30_000;

/** Answers one question as JSON text. */
export async function answerAnalytics(options: { store: Store; clock: Clock; timeoutMs?: number }, ask: AnalyticsAsk): Promise<string> {
  const deps: AnalyticsDeps = {
    store: options.store,
    timeoutMs: options.timeoutMs ?? DEFAULT_ANALYTICS_TIMEOUT_MS,
    nowMs: () => options.clock.now().getTime(),
  };
  switch (ask.kind) {
    case 'funnel':
      return JSON.stringify(await runFunnel(deps, parseFunnel(ask.body)));
    case 'paths':
      return JSON.stringify(await runPaths(deps, parsePaths(ask.body)));
    case 'attribution':
      return JSON.stringify(await runAttribution(deps, parseAttribution(ask.body)));
    case 'actors':
      return JSON.stringify(await funnelActors(deps, actorsQuestion(ask.query)));
    case 'conversion':
      return JSON.stringify(await explainConversion(deps, { messageId: ask.messageId, spec: conversionSpec(ask.query) }));
  }
}

function actorsQuestion(query: Record<string, string | undefined>) {
  const raw = query['definition'];
  if (!raw) throw new ApiError('invalid_query', 'definition (the funnel body as JSON) is required', 'definition');
  let definition: unknown;
  try {
    definition = JSON.parse(raw);
  } catch {
    throw new ApiError('invalid_query', 'definition must be JSON', 'definition');
  }
  const question = parseFunnel(definition);
  const step = Number(query['step'] ?? '0');
  if (!Number.isInteger(step) || step < 0 || step >= question.spec.steps.length)
    throw new ApiError('invalid_query', 'step is the index of a step (0-based)', 'step');
  const dropped = parseFlag(query['dropped'], 'dropped');
  if (dropped && step === 0) throw new ApiError('invalid_query', 'nobody drops before the first step', 'step');
  const cursor = query['cursor'];
  return { ...question, step, dropped, limit: parseLimit(query['limit'], 100, 1000), ...(cursor ? { cursor } : {}) };
}

function conversionSpec(query: Record<string, string | undefined>) {
  const models = (query['models'] ?? ATTRIBUTION_MODELS.join(',')).split(',').filter((m) => m !== '') as AttributionModel[];
  const number = (name: string, fallback: number) => (query[name] === undefined ? fallback : Number(query[name]));
  // The same checks as the attribution body: one definition, validated in one place.
  return parseAttribution({
    conversion: { event: query['event'] ?? 'Order Completed', value: query['value'] ?? 'properties.total' },
    touchpoints: {
      dimension: query['dimension'] ?? 'channel',
      ...(query['touchEvents'] ? { events: query['touchEvents'].split(',') } : {}),
    },
    models,
    lookback: { days: number('lookbackDays', 30) },
    timeDecay: { halfLifeDays: number('halfLifeDays', 7) },
    from: '1970-01-01T00:00:00.000Z',
    to: '1970-01-02T00:00:00.000Z',
  }).spec;
}
