/**
 * Answers the analytics questions: streams the events of the time range from the store (analytics-store.ts),
 * files them per unit (analytics-units.ts) and runs core's pure funnel, path and attribution functions.
 * Every question has a deadline (`KIN_ANALYTICS_TIMEOUT_MS`); past it the scan stops with 503 `query_timeout`.
 */
import type {
  AnalyticsUnit,
  AttributionResponse,
  AttributionSpec,
  ConversionExplanation,
  ConversionTouches,
  FunnelActorsResponse,
  FunnelReach,
  FunnelResponse,
  FunnelSpec,
  PathsResponse,
  PathSpec,
  TouchLink,
} from '@kin/core';
import {
  attributionTotals,
  funnelCounts,
  funnelReach,
  isoString,
  pathDiagram,
  round,
  touchCredits,
  unitConversions,
  unitPaths,
} from '@kin/core';
import { ApiError } from '../http/error-catalog.ts';
import type { AnalyticsStore } from '../storage/analytics-store.ts';
import { AnalyticsTimeout, checkDeadline } from '../storage/analytics-store.ts';
import type { MergeRecord, Store } from '../storage/storage.ts';
import type { EventKeep } from './analytics-units.ts';
import { eachSequence, loadSequences, unitOf } from './analytics-units.ts';

/** What the analytics questions need. */
export interface AnalyticsDeps {
  store: Store;
  timeoutMs: number;
  /** Milliseconds now, for the deadline and `meta.ms` (the Clock port's `nowMs` in the app). */
  nowMs: () => number;
}

function portOf(deps: AnalyticsDeps): AnalyticsStore {
  return deps.store.analytics;
}

async function sourceNamer(store: Store): Promise<(id: string) => string> {
  const names = new Map((await store.listSources()).map((s) => [s.id, s.name]));
  return (id) => names.get(id) ?? '';
}

async function timed<T>(deps: AnalyticsDeps, run: (deadline: number) => Promise<T>): Promise<{ value: T; ms: number }> {
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

function referencesProperties(paths: string[]): EventKeep {
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

function attributionKeep(spec: AttributionSpec): EventKeep {
  return referencesProperties([
    ...(spec.conversion.where ?? []).map((w) => w.path),
    ...(spec.conversion.value ? [spec.conversion.value] : []),
  ]);
}

/** `POST /v1/analytics/attribution`: every requested unit, and both units for `direct` and `onlyStitchingExplains`. */
export async function runAttribution(
  deps: AnalyticsDeps,
  question: { spec: AttributionSpec; units: AnalyticsUnit[] },
): Promise<AttributionResponse> {
  const { spec } = question;
  const both: AnalyticsUnit[] = ['profile', 'anonymous_id'];
  const { value, ms } = await timed(deps, async (deadline) => {
    const loaded = await loadSequences({
      analytics: portOf(deps),
      // Only conversions and touches matter: the store skips every other event.
      scan: {
        fromMs: spec.fromMs - spec.lookbackMs,
        toMs: spec.toMs,
        names: [spec.conversion.event, ...spec.touchEvents],
        touches: true,
        payload: true,
        deadline,
      },
      units: both,
      sourceName: await sourceNamer(deps.store),
      keep: attributionKeep(spec),
    });
    const conversions = new Map<AnalyticsUnit, ConversionTouches[]>();
    for (const unit of both)
      conversions.set(
        unit,
        [...(loaded.byUnit.get(unit) ?? new Map()).values()].flatMap((events) => unitConversions(spec, events)),
      );
    return { conversions, scanned: loaded.scanned };
  });
  const results: AttributionResponse['results'] = {};
  const direct: AttributionResponse['direct'] = {};
  let total = 0;
  for (const unit of question.units) {
    const totals = attributionTotals(spec, value.conversions.get(unit) ?? []);
    results[unit] = totals.models;
    direct[unit] = totals.conversions === 0 ? 0 : round(totals.direct / totals.conversions);
    total = totals.conversions;
  }
  const directWithout = new Set(
    (value.conversions.get('anonymous_id') ?? []).filter((c) => c.touches.length === 0).map((c) => c.conversion.messageId),
  );
  const stitched = value.conversions.get('profile') ?? [];
  const explained = stitched.filter((c) => c.touches.length > 0 && directWithout.has(c.conversion.messageId)).length;
  return {
    results,
    direct,
    onlyStitchingExplains: stitched.length === 0 ? 0 : round(explained / stitched.length),
    conversions: total,
    meta: { eventsScanned: value.scanned, ms },
  };
}

/** `GET /v1/analytics/attribution/conversions/{messageId}`: one conversion's touches, credits and links. */
export async function explainConversion(
  deps: AnalyticsDeps,
  question: { messageId: string; spec: AttributionSpec },
): Promise<ConversionExplanation> {
  const analytics = portOf(deps);
  const [row] = await analytics.findEvents(question.messageId, question.spec.conversion.event);
  if (!row) throw new ApiError('not_found', `no ${question.spec.conversion.event} event has this messageId`, 'messageId');
  const live = await analytics.liveProfiles();
  const buyer = unitOf(row, 'profile', live);
  const own = unitOf(row, 'anonymous_id', live);
  const spec: AttributionSpec = { ...question.spec, fromMs: row.at, toMs: row.at + 1 };
  const { value } = await timed(deps, async (deadline) =>
    loadSequences({
      analytics,
      scan: {
        fromMs: row.at - spec.lookbackMs,
        toMs: row.at + 1,
        names: [spec.conversion.event, ...spec.touchEvents],
        touches: true,
        payload: true,
        deadline,
      },
      units: ['profile', 'anonymous_id'],
      sourceName: await sourceNamer(deps.store),
      keep: attributionKeep(spec),
      keepRows: true,
    }),
  );
  const find = (unit: AnalyticsUnit, key: string) =>
    unitConversions(spec, value.byUnit.get(unit)?.get(key) ?? []).find((c) => c.conversion.messageId === row.messageId);
  const stitched = find('profile', buyer);
  if (!stitched) throw new ApiError('not_found', 'the conversion is outside what Kin can read', 'messageId');
  const merges = buyer.startsWith('event:')
    ? []
    : ((await deps.store.explainProfile(buyer))?.merges ?? []).filter(
        (m) => m.undoneBy === undefined && m.rule !== 'undo' && m.rule !== 'split',
      );
  const rows = value.rows ?? new Map();
  return {
    conversion: {
      messageId: row.messageId,
      event: row.name,
      timestamp: isoString(row.at),
      profileId: buyer.startsWith('event:') ? null : buyer,
      value: stitched.revenue,
    },
    touches: stitched.touches.map((touch, i) => {
      const touchRow = rows.get(touch.event);
      const credit: Partial<Record<string, number>> = {};
      for (const model of spec.models) credit[model] = round(touchCredits(model, stitched, spec.halfLifeMs)[i] ?? 0);
      return {
        messageId: touch.event.messageId,
        event: touch.event.name,
        timestamp: isoString(touch.event.at),
        channel: touch.event.channel,
        value: touch.value,
        direct: touch.direct,
        credit,
        link: touchRow ? linkOf(touchRow, row, merges) : { kind: 'profile', profileId: buyer },
      };
    }),
    unstitchedTouches: find('anonymous_id', own)?.touches.length ?? 0,
  };
}

function linkOf(
  touch: { anonymousId?: string; userId?: string; profileId: string | null },
  conversion: typeof touch,
  merges: MergeRecord[],
): TouchLink {
  if (touch.anonymousId !== undefined && touch.anonymousId === conversion.anonymousId)
    return { kind: 'event', identifier: { type: 'anonymous_id', value: touch.anonymousId } };
  if (touch.userId !== undefined && touch.userId === conversion.userId)
    return { kind: 'event', identifier: { type: 'user_id', value: touch.userId } };
  if (touch.profileId === null || touch.profileId === conversion.profileId) return { kind: 'profile', profileId: touch.profileId ?? '' };
  // The merges that joined the touch's profile and the conversion's: each side's chain up to the survivor.
  const chain = (from: string | null) => {
    const out: MergeRecord[] = [];
    let at = from;
    for (let guard = 0; at !== null && guard < 1000; guard++) {
      const m = merges.find((x) => x.absorbedId === at);
      if (!m) break;
      out.push(m);
      at = m.survivorId;
    }
    return out;
  };
  const used = [...chain(touch.profileId), ...chain(conversion.profileId)];
  const unique = [...new Map(used.map((m) => [m.id, m])).values()];
  return {
    kind: 'merge',
    merges: unique.map((m) => ({
      id: m.id,
      survivorId: m.survivorId,
      absorbedId: m.absorbedId,
      rule: m.rule,
      via: m.via,
      messageId: m.messageId,
      createdAt: m.createdAt,
    })),
  };
}
