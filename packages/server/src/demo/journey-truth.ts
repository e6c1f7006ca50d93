/**
 * The true answers for generated journeys (journey-data.ts), computed without Kin's store or resolver: each
 * event becomes a core analytics event directly from the generated JSON, filed under the generator's own
 * stitched unit (profile) or its anonymousId / userId (anonymous_id), and core's pure functions answer.
 * What this proves about Kin: its stitching, its store reads, its merge handling and its unit grouping give
 * the same sequences. (Core's table tests prove the funnel, path and attribution rules themselves.)
 */
import type { AnalyticsEvent, AnalyticsUnit, AttributionSpec, FunnelSpec, PathSpec } from '@kin/core';
import {
  attributionTotals,
  byTime,
  classifyChannel,
  funnelCounts,
  funnelReach,
  pathDiagram,
  round,
  unitConversions,
  unitPaths,
} from '@kin/core';
import type { Journeys } from './journey-data.ts';

/** The generated events per unit, as core analytics events. */
export function truthSequences(journeys: Journeys, unit: AnalyticsUnit): Map<string, AnalyticsEvent[]> {
  const out = new Map<string, AnalyticsEvent[]>();
  journeys.events.forEach(({ source, event }, seq) => {
    const messageId = String(event['messageId']);
    const context = event['context'] as Record<string, unknown> | undefined;
    const properties = event['properties'] as Record<string, unknown> | undefined;
    const e: AnalyticsEvent = {
      messageId,
      at: Date.parse(String(event['timestamp'])),
      seq,
      name: typeof event['event'] === 'string' ? event['event'] : String(event['type']),
      channel: classifyChannel({ type: String(event['type']), ...(context ? { context } : {}) }, source),
      ...(context ? { context } : {}),
      ...(properties ? { properties } : {}),
    };
    const key = unit === 'profile' ? (journeys.stitch.get(messageId) as string) : String(event['anonymousId'] ?? event['userId']);
    const list = out.get(key) ?? [];
    list.push(e);
    out.set(key, list);
  });
  for (const list of out.values()) list.sort(byTime);
  return out;
}

/** The true funnel counts. */
export function truthFunnel(journeys: Journeys, spec: FunnelSpec, unit: AnalyticsUnit) {
  return funnelCounts(
    spec,
    [...truthSequences(journeys, unit).values()].map((events) => funnelReach(spec, events)),
  );
}

/** The true path diagram. */
export function truthPaths(journeys: Journeys, spec: PathSpec, unit: AnalyticsUnit) {
  return pathDiagram(
    spec,
    [...truthSequences(journeys, unit).values()].flatMap((events) => unitPaths(spec, events)),
  );
}

/** The true attribution of one unit, with its direct share. */
export function truthAttribution(journeys: Journeys, spec: AttributionSpec, unit: AnalyticsUnit) {
  const totals = attributionTotals(
    spec,
    [...truthSequences(journeys, unit).values()].flatMap((events) => unitConversions(spec, events)),
  );
  return {
    models: totals.models,
    direct: totals.conversions === 0 ? 0 : round(totals.direct / totals.conversions),
    conversions: totals.conversions,
  };
}
