/**
 * Answers the analytics questions: streams the events of the time range from the store (analytics-store.ts),
 * files them per unit (analytics-units.ts) and runs core's pure funnel and path functions (attribution:
 * analytics-attribution-run.ts, over the helpers exported here). Every question has a deadline
 * (`KIN_ANALYTICS_TIMEOUT_MS`); past it the scan stops with 503 `query_timeout`.
 */
import type { AnalyticsUnit, FunnelActorsResponse, FunnelReach, FunnelResponse, FunnelSpec, PathsResponse, PathSpec } from '@kin/core';
import { funnelCounts, funnelReach, pathDiagram, unitPaths } from '@kin/core';
import { ApiError } from '../http/error-catalog.ts';
import type { AnalyticsStore } from '../storage/analytics-store.ts';
import { AnalyticsTimeout, checkDeadline } from '../storage/analytics-store.ts';
import type { Store } from '../storage/storage.ts';
import type { EventKeep } from './analytics-units.ts';
import { eachSequence } from './analytics-units.ts';

/** What the analytics questions need. */
export interface AnalyticsDeps {
  store: Store;
  timeoutMs: number;
  /** Milliseconds now, for the deadline and `meta.ms` (the Clock port's `nowMs` in the app). */
  nowMs: () => number;
}

/** The store's analytics port. */
export function portOf(deps: AnalyticsDeps): AnalyticsStore {
  return deps.store.analytics;
}

/** A source's name by its id ('' for an unknown one), read once per question. */
export async function sourceNamer(store: Store): Promise<(id: string) => string> {
  const names = new Map((await store.listSources()).map((s) => [s.id, s.name]));
  return (id) => names.get(id) ?? '';
}

/** Runs a question under its deadline: 503 `query_timeout` past it; answers the value and its milliseconds. */
export async function timed<T>(deps: AnalyticsDeps, run: (deadline: number) => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = deps.nowMs();
  try {
    const deadline = Date.now() + deps.timeoutMs;
    const value = await run(deadline);
    // Why again at the end: the stores check between the slices they read, and a scan of a few slices (SQLite reads
    // seq ranges, not one slice per day) can end before its first check comes due; past the limit is past it.
    checkDeadline(deadline);
    return { value, ms: deps.nowMs() - started };
  } catch (error) {
    if (error instanceof AnalyticsTimeout)
      throw new ApiError('query_timeout', `the query ran past its time limit of ${deps.timeoutMs} ms; narrow the time range`);
    throw error;
  }
}

/** Which parts of each event a question's property paths read. */
export function referencesProperties(paths: string[]): EventKeep {
  return {
    properties: paths.some((p) => p.startsWith('properties.')),
    context: paths.some((p) => p.startsWith('context.') && !/^context\.(campaign|kin)(\.|$)/.test(p)) ? 'full' : 'slim',
  };
}

function funnelPaths(spec: FunnelSpec): string[] {
  return [...spec.steps, ...spec.exclusions].flatMap((m) => (m.where ?? []).map((w) => w.path)).concat(spec.breakdownPath ?? []);
}

/** Hands each unit's funnel reach to `each`; answers how many events were scanned. */
async function funnelReaches(
  deps: AnalyticsDeps,
  question: { spec: FunnelSpec; unit: AnalyticsUnit; deadline: number },
  each: (key: string, reach: FunnelReach) => void,
): Promise<number> {
  const { spec, unit, deadline } = question;
  const paths = funnelPaths(spec);
  const names = spec.order === 'strict' ? undefined : [...new Set([...spec.steps, ...spec.exclusions].map((m) => m.event))];
  return eachSequence(
    {
      analytics: portOf(deps),
      scan: { fromMs: spec.fromMs, toMs: spec.toMs + spec.windowMs, ...(names ? { names } : {}), payload: paths.length > 0, deadline },
      units: [unit],
      sourceName: await sourceNamer(deps.store),
      keep: referencesProperties(paths),
    },
    (_, key, events) => each(key, funnelReach(spec, events)),
  );
}

/** `POST /v1/analytics/funnel`. */
export async function runFunnel(deps: AnalyticsDeps, question: { spec: FunnelSpec; unit: AnalyticsUnit }): Promise<FunnelResponse> {
  const { value, ms } = await timed(deps, async (deadline) => {
    const reaches: FunnelReach[] = [];
    const scanned = await funnelReaches(deps, { ...question, deadline }, (_, reach) => reaches.push(reach));
    return { counts: funnelCounts(question.spec, reaches), scanned };
  });
  return { unit: question.unit, ...value.counts, meta: { eventsScanned: value.scanned, ms } };
}

/** `GET /v1/analytics/funnel/actors`: units that reached step `step` (or, `dropped`, reached the one before and not it). */
export async function funnelActors(
  deps: AnalyticsDeps,
  question: { spec: FunnelSpec; unit: AnalyticsUnit; step: number; dropped: boolean; limit: number; cursor?: string },
): Promise<FunnelActorsResponse> {
  const { value } = await timed(deps, async (deadline) => {
    const ids: string[] = [];
    await funnelReaches(deps, { ...question, deadline }, (id, { depth }) => {
      const hit = question.dropped ? depth === question.step : depth > question.step;
      if (hit && (question.cursor === undefined || id > question.cursor)) ids.push(id);
    });
    return ids.sort();
  });
  const page = value.slice(0, question.limit);
  return { data: page.map((id) => ({ id })), cursor: value.length > question.limit ? (page[page.length - 1] ?? null) : null };
}

/** `POST /v1/analytics/paths`. */
export async function runPaths(deps: AnalyticsDeps, question: { spec: PathSpec; unit: AnalyticsUnit }): Promise<PathsResponse> {
  const { spec, unit } = question;
  const { value, ms } = await timed(deps, async (deadline) => {
    const paths: ReturnType<typeof unitPaths> = [];
    const scanned = await eachSequence(
      {
        analytics: portOf(deps),
        scan: { fromMs: spec.fromMs, toMs: spec.toMs, payload: spec.node !== 'event', deadline },
        units: [unit],
        sourceName: await sourceNamer(deps.store),
        // A page_path node reads the page's path; the others read only the name and the channel.
        keep: { properties: false, context: spec.node === 'page_path' ? 'slim' : 'none' },
        keepName: (name) => !spec.exclude.has(name),
      },
      (_, __, events) => paths.push(...unitPaths(spec, events)),
    );
    return { diagram: pathDiagram(spec, paths), scanned };
  });
  return { unit, ...value.diagram, meta: { eventsScanned: value.scanned, ms } };
}
