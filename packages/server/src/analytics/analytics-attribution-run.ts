/**
 * Answers the attribution questions: which touches led to each conversion, per unit, and one conversion's
 * touches with their credits and the identifiers or merges that joined them. Why a file of its own: attribution
 * reads conversions and touches (not every event) and explains itself with the merge ledger; the funnel and path
 * questions (analytics-run.ts) need neither, and this file reuses that one's deadline and scan helpers.
 */
import type { AnalyticsUnit, AttributionResponse, AttributionSpec, ConversionExplanation, ConversionTouches, TouchLink } from '@kin/core';
import { attributionTotals, isoString, round, touchCredits, unitConversions } from '@kin/core';
import { ApiError } from '../http/error-catalog.ts';
import type { MergeRecord } from '../storage/storage.ts';
import type { AnalyticsDeps } from './analytics-run.ts';
import { portOf, referencesProperties, sourceNamer, timed } from './analytics-run.ts';
import type { EventKeep } from './analytics-units.ts';
import { loadSequences, unitOf } from './analytics-units.ts';

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
