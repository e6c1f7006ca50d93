/**
 * Turns the store's rows into per-unit event sequences: each row becomes a core `AnalyticsEvent` (channel
 * classified with core's `classifyChannel`, only the context and properties a question reads kept) and is
 * filed under its unit — the profile it belongs to now (merges followed through the current identity graph,
 * so an undone merge no longer joins anything), or its own anonymousId (userId when it has none).
 */
import type { AnalyticsEvent, AnalyticsUnit } from '@kin/core';
import { byTime, classifyChannel } from '@kin/core';
import type { AnalyticsRow, AnalyticsScan, AnalyticsStore } from '../storage/analytics-store.ts';
import { eachProfileSequence } from './analytics-columns.ts';

/** What of each event a question keeps. */
export interface EventKeep {
  /** `properties` (conditions, breakdowns, revenue). */
  properties: boolean;
  /**
   * Which context: `full`, `slim` (only `campaign`, `kin` and `page.path`: touches, dimensions, page nodes) or `none`
   * (the channel, classified from the context, is all the question reads). Why not always slim: a million kept
   * events are a heap V8's collector walks again and again while the scan grows it.
   */
  context: 'full' | 'slim' | 'none';
}

/** The sequences of a scan, per unit kind asked for. */
export interface UnitSequences {
  byUnit: Map<AnalyticsUnit, Map<string, AnalyticsEvent[]>>;
  scanned: number;
  /** Each kept event's row (explain reads their identifiers and profiles). */
  rows?: Map<AnalyticsEvent, AnalyticsRow>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The analytics event of a row. */
export function eventOfRow(row: AnalyticsRow, sourceName: (id: string) => string, keep: EventKeep): AnalyticsEvent {
  const event: AnalyticsEvent = { messageId: row.messageId, at: row.at, seq: row.seq, name: row.name, channel: 'other' };
  if (row.payload === undefined) return event;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  const context = record(payload['context']);
  event.channel = classifyChannel({ type: String(payload['type']), ...(context ? { context } : {}) }, sourceName(row.sourceId));
  if (context && keep.context !== 'none') {
    if (keep.context === 'full') event.context = context;
    else {
      const page = record(context['page']);
      const kept: Record<string, unknown> = {};
      if (context['campaign'] !== undefined) kept['campaign'] = context['campaign'];
      if (context['kin'] !== undefined) kept['kin'] = context['kin'];
      if (page && page['path'] !== undefined) kept['page'] = { path: page['path'] };
      event.context = kept;
    }
  }
  const properties = record(payload['properties']);
  if (keep.properties && properties) event.properties = properties;
  return event;
}

/** The unit key of a row (see the module comment). */
export function unitOf(row: AnalyticsRow, unit: AnalyticsUnit, live: ReadonlyMap<string, string>): string {
  if (unit === 'profile') return row.profileId === null ? `event:${row.seq}` : (live.get(row.profileId) ?? row.profileId);
  return row.anonymousId ?? row.userId ?? `event:${row.seq}`;
}

/** What `loadSequences` and `eachSequence` read. */
export interface SequenceScan {
  analytics: AnalyticsStore;
  scan: Omit<AnalyticsScan, 'identity'>;
  units: readonly AnalyticsUnit[];
  sourceName: (id: string) => string;
  keep: EventKeep;
  keepRows?: boolean;
  /** Only events whose names this says yes to are kept (all when absent); they count as scanned still. */
  keepName?: (name: string) => boolean;
}

/** Reads a scan and files its events per unit, each sequence ordered by time, then store order. */
export async function loadSequences(options: SequenceScan): Promise<UnitSequences> {
  const live = await options.analytics.liveProfiles();
  const byUnit = new Map<AnalyticsUnit, Map<string, AnalyticsEvent[]>>(options.units.map((u) => [u, new Map()]));
  const rows = options.keepRows ? new Map<AnalyticsEvent, AnalyticsRow>() : undefined;
  const identity = options.units.includes('anonymous_id') || options.keepRows === true;
  // One string per event name: the store hands out a new one per row, and the kept events would hold them all.
  const names = new Map<string, string>();
  const scan = { ...options.scan, identity, slim: true, noProperties: !options.keep.properties };
  const scanned = await options.analytics.scanEvents(scan, (batch) => {
    for (const row of batch) {
      if (options.keepName && !options.keepName(row.name)) continue;
      const name = names.get(row.name);
      if (name === undefined) names.set(row.name, row.name);
      else row.name = name;
      const event = eventOfRow(row, options.sourceName, options.keep);
      rows?.set(event, row);
      for (const [unit, sequences] of byUnit) {
        const key = unitOf(row, unit, live);
        const list = sequences.get(key);
        if (list) list.push(event);
        else sequences.set(key, [event]);
      }
    }
  });
  for (const sequences of byUnit.values()) for (const list of sequences.values()) list.sort(byTime);
  return { byUnit, scanned, ...(rows ? { rows } : {}) };
}

/**
 * Reads a scan and hands each unit's sequence (ordered as `loadSequences` orders it) to `each`, one at a time;
 * answers how many events were scanned. A scan without the JSON (a funnel without conditions, paths by event)
 * keeps only numbers while it reads: each unit's time, seq and name index side by side in one array. Its events
 * become objects only when their unit is handed over, and are garbage by the next one.
 *
 * Why: a funnel over 1,000,000 events kept 874,159 event objects alive until the end of the scan, and V8's
 * collector walked that growing heap again and again (bench:analytics).
 */
export async function eachSequence(
  options: SequenceScan,
  each: (unit: AnalyticsUnit, key: string, events: AnalyticsEvent[]) => void,
): Promise<number> {
  if (options.scan.payload || options.keepRows) {
    const loaded = await loadSequences(options);
    for (const [unit, sequences] of loaded.byUnit) for (const [key, events] of sequences) each(unit, key, events);
    return loaded.scanned;
  }
  if (options.units.length === 1 && options.units[0] === 'profile') return eachProfileSequence(options, each);
  const live = await options.analytics.liveProfiles();
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const packed = new Map<AnalyticsUnit, Map<string, number[]>>(options.units.map((u) => [u, new Map()]));
  const identity = options.units.includes('anonymous_id');
  // An array, not the map: a map's iterator and entries per row would be garbage too.
  const targets = [...packed];
  const scanned = await options.analytics.scanEvents({ ...options.scan, identity }, (batch) => {
    for (const row of batch) {
      if (options.keepName && !options.keepName(row.name)) continue;
      let name = nameIds.get(row.name);
      if (name === undefined) {
        name = names.length;
        names.push(row.name);
        nameIds.set(row.name, name);
      }
      for (let t = 0; t < targets.length; t++) {
        const [unit, sequences] = targets[t] as [AnalyticsUnit, Map<string, number[]>];
        const key = unitOf(row, unit, live);
        const list = sequences.get(key);
        if (list) list.push(row.at, row.seq, name);
        else sequences.set(key, [row.at, row.seq, name]);
      }
    }
  });
  for (const [unit, sequences] of packed)
    for (const [key, list] of sequences) {
      const events: AnalyticsEvent[] = [];
      for (let i = 0; i < list.length; i += 3)
        events.push({
          messageId: '',
          at: list[i] as number,
          seq: list[i + 1] as number,
          name: names[list[i + 2] as number] as string,
          channel: 'other',
        });
      each(unit, key, events.sort(byTime));
    }
  return scanned;
}
