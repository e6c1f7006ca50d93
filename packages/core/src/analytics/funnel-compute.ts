/**
 * Funnels over one unit's ordered events, and the counts over many units. The rules (docs/analytics.md):
 * 1. An attempt starts at an event of the first step (any step for `any`) whose time is in [from, to).
 *    Later steps may run past `to`, never past the start + `window`.
 * 2. `ordered`: each next step happens after the previous one (other events may come between);
 *    `strict`: the next step is the unit's very next event; `any`: the steps happen in any order
 *    within the window, and the attempt counts up to step k when its first event is one of steps 0..k.
 * 3. `stepWindows[i]` bounds the time between step i and step i + 1 (ordered and strict).
 * 4. An exclusion event after the start ends the attempt: steps after it do not count.
 * 5. A unit counts once, with its deepest attempt (the earliest of equally deep ones), which gives the
 *    times to convert (from the start to the first time each step was reached) and the breakdown value.
 */
import type { EventMatcher, FunnelOrder } from '../api/analytics-api.ts';
import type { AnalyticsEvent } from './analytics-event.ts';
import { matches, median, readPath } from './analytics-event.ts';
import { round } from './attribution-compute.ts';

/** A funnel definition with its durations in milliseconds (validated by the caller). */
export interface FunnelSpec {
  steps: EventMatcher[];
  windowMs: number;
  order: FunnelOrder;
  /** Length steps - 1; null: no bound between those two steps. */
  stepWindowsMs: Array<number | null>;
  exclusions: EventMatcher[];
  fromMs: number;
  toMs: number;
  breakdownPath?: string;
}

/** How far one unit got: `depth` steps (0: never started), each step's time from the start. */
export interface FunnelReach {
  depth: number;
  /** Milliseconds from the start to each reached step (0 for the first). */
  times: number[];
  start?: AnalyticsEvent;
}

const NOWHERE: FunnelReach = { depth: 0, times: [] };

/** The deepest attempt of one unit (rule 5). */
export function funnelReach(spec: FunnelSpec, events: readonly AnalyticsEvent[]): FunnelReach {
  let best = NOWHERE;
  const n = spec.steps.length;
  for (let j = 0; j < events.length; j++) {
    const e = events[j] as AnalyticsEvent;
    if (e.at < spec.fromMs || e.at >= spec.toMs) continue;
    const attempt =
      spec.order === 'any' ? anyOrder(spec, events, j) : spec.order === 'strict' ? strictOrder(spec, events, j) : ordered(spec, events, j);
    if (attempt.depth > best.depth) best = attempt;
    if (best.depth === n) break;
  }
  return best;
}

function excluded(spec: FunnelSpec, e: AnalyticsEvent): boolean {
  return spec.exclusions.some((x) => matches(e, x));
}

function ordered(spec: FunnelSpec, events: readonly AnalyticsEvent[], j: number): FunnelReach {
  const start = events[j] as AnalyticsEvent;
  const first = spec.steps[0];
  if (!first || !matches(start, first)) return NOWHERE;
  const n = spec.steps.length;
  const deadline = start.at + spec.windowMs;
  // Why the latest reachable time per step: a later match of step i leaves the most room for step i + 1's bound.
  const last: Array<number | undefined> = [start.at];
  const times: number[] = [0];
  for (let k = j + 1; k < events.length && times.length < n; k++) {
    const e = events[k] as AnalyticsEvent;
    if (e.at > deadline || excluded(spec, e)) break;
    for (let i = n - 1; i >= 1; i--) {
      const before = last[i - 1];
      if (before === undefined || !matches(e, spec.steps[i] as EventMatcher)) continue;
      const bound = spec.stepWindowsMs[i - 1] ?? null;
      if (bound !== null && e.at - before > bound) continue;
      if (times[i] === undefined) times[i] = e.at - start.at;
      last[i] = e.at;
    }
  }
  return { depth: times.length, times, start };
}

function strictOrder(spec: FunnelSpec, events: readonly AnalyticsEvent[], j: number): FunnelReach {
  const start = events[j] as AnalyticsEvent;
  const first = spec.steps[0];
  if (!first || !matches(start, first)) return NOWHERE;
  const times: number[] = [0];
  let previous = start.at;
  for (let i = 1; i < spec.steps.length; i++) {
    const e = events[j + i];
    if (!e || e.at > start.at + spec.windowMs || excluded(spec, e) || !matches(e, spec.steps[i] as EventMatcher)) break;
    const bound = spec.stepWindowsMs[i - 1] ?? null;
    if (bound !== null && e.at - previous > bound) break;
    times.push(e.at - start.at);
    previous = e.at;
  }
  return { depth: times.length, times, start };
}

function anyOrder(spec: FunnelSpec, events: readonly AnalyticsEvent[], j: number): FunnelReach {
  const start = events[j] as AnalyticsEvent;
  const startStep = spec.steps.findIndex((s) => matches(start, s));
  if (startStep < 0) return NOWHERE;
  const found: Array<number | undefined> = [];
  for (let k = j; k < events.length; k++) {
    const e = events[k] as AnalyticsEvent;
    if (e.at > start.at + spec.windowMs || (k > j && excluded(spec, e))) break;
    spec.steps.forEach((s, i) => {
      if (found[i] === undefined && matches(e, s)) found[i] = e.at - start.at;
    });
  }
  let depth = 0;
  while (depth < spec.steps.length && found[depth] !== undefined) depth++;
  if (depth <= startStep) return NOWHERE;
  // Time to reach step k in any order: when the last of steps 0..k happened.
  const times: number[] = [];
  let latest = 0;
  for (let i = 0; i < depth; i++) {
    latest = Math.max(latest, found[i] as number);
    times.push(latest);
  }
  return { depth, times, start };
}

/** The counts of a funnel over many units' reaches. */
export interface FunnelCounts {
  steps: Array<{
    event: string;
    count: number;
    conversionFromStart: number;
    conversionFromPrevious: number;
    timeToConvertSeconds: { p50: number | null; avg: number | null };
  }>;
  breakdown?: Array<{ value: string; counts: number[] }>;
}

/** Aggregates units' reaches into step counts, conversion rates, times to convert and a breakdown. */
export function funnelCounts(spec: FunnelSpec, reaches: Iterable<FunnelReach>): FunnelCounts {
  const n = spec.steps.length;
  const counts = new Array<number>(n).fill(0);
  const times: number[][] = Array.from({ length: n }, () => []);
  const byValue = new Map<string, number[]>();
  for (const reach of reaches) {
    if (reach.depth === 0) continue;
    for (let i = 0; i < reach.depth; i++) {
      counts[i] = (counts[i] as number) + 1;
      (times[i] as number[]).push((reach.times[i] as number) / 1000);
    }
    if (spec.breakdownPath !== undefined && reach.start) {
      const raw = readPath(reach.start, spec.breakdownPath);
      const value = raw === undefined || raw === null ? '(none)' : typeof raw === 'string' ? raw : JSON.stringify(raw);
      const row = byValue.get(value) ?? new Array<number>(n).fill(0);
      for (let i = 0; i < reach.depth; i++) row[i] = (row[i] as number) + 1;
      byValue.set(value, row);
    }
  }
  const steps = spec.steps.map((step, i) => {
    const count = counts[i] as number;
    const first = counts[0] as number;
    const previous = i === 0 ? count : (counts[i - 1] as number);
    const t = times[i] as number[];
    return {
      event: step.event,
      count,
      conversionFromStart: first === 0 ? 0 : round(count / first),
      conversionFromPrevious: previous === 0 ? 0 : round(count / previous),
      // Rounded: another store hands the units over in another order, and sums must not differ in the last bit.
      timeToConvertSeconds:
        i === 0 || t.length === 0
          ? { p50: null, avg: null }
          : { p50: round(median(t) ?? 0), avg: round(t.reduce((a, b) => a + b, 0) / t.length) },
    };
  });
  if (spec.breakdownPath === undefined) return { steps };
  const breakdown = [...byValue]
    .map(([value, c]) => ({ value, counts: c }))
    .sort((a, b) => (b.counts[0] as number) - (a.counts[0] as number) || (a.value < b.value ? -1 : 1));
  return { steps, breakdown };
}
