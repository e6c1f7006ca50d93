/**
 * Paths: the sequence of nodes each unit went through, and the diagram (nodes per step, edges between
 * consecutive steps) over many units. The rules (docs/analytics.md):
 * 1. A unit's events in [from, to), without the excluded names and events that have no node (a `page_path`
 *    node exists for page calls only), make its sequence; with `acrossSessions: false` a gap of more than
 *    30 minutes starts a new path.
 * 2. Repeats of the same node in a row count once (a reload is not a step).
 * 3. With `start`, a path begins at the first node with that label (no such node: no path). With `end`, it
 *    stops at the first node with that label after its beginning (not reached: no path); with `end` and no
 *    `start`, the path is the `steps` nodes up to that node.
 * 4. Paths are cut after `steps` nodes. A path shorter than `steps` that did not stop at `end` drops off at
 *    its last node.
 */
import type { PathNodeKind, PathsResponse } from '../api/analytics-api.ts';
import type { AnalyticsEvent } from './analytics-event.ts';
import { median } from './analytics-event.ts';

/** A paths definition, validated by the caller. */
export interface PathSpec {
  node: PathNodeKind;
  steps: number;
  start?: string;
  end?: string;
  acrossSessions: boolean;
  exclude: ReadonlySet<string>;
  fromMs: number;
  toMs: number;
  maxEdges: number;
}

/** One node visit of a path. */
export interface PathVisit {
  label: string;
  at: number;
}

/** The gap that ends a session when paths do not cross sessions. */
export const SESSION_GAP_MS = 30 * 60_000;

/** The label of an event's node, or undefined when the event has none of this kind. */
export function nodeLabel(event: AnalyticsEvent, node: PathNodeKind): string | undefined {
  if (node === 'event') return event.name;
  if (node === 'channel') return event.channel;
  if (node === 'channel_event') return `${event.channel}: ${event.name}`;
  if (event.name !== 'page') return undefined;
  const page = event.context?.['page'];
  const path = typeof page === 'object' && page !== null ? (page as Record<string, unknown>)['path'] : undefined;
  return typeof path === 'string' ? path : undefined;
}

/** The paths of one unit (rules 1–4); each is at most `steps` visits. */
export function unitPaths(spec: PathSpec, events: readonly AnalyticsEvent[]): PathVisit[][] {
  const sequences: PathVisit[][] = [];
  let current: PathVisit[] = [];
  let lastAt = -Infinity;
  for (const e of events) {
    if (e.at < spec.fromMs || e.at >= spec.toMs || spec.exclude.has(e.name)) continue;
    const label = nodeLabel(e, spec.node);
    if (label === undefined) continue;
    if (!spec.acrossSessions && e.at - lastAt > SESSION_GAP_MS && current.length > 0) {
      sequences.push(current);
      current = [];
    }
    lastAt = e.at;
    if (current[current.length - 1]?.label !== label) current.push({ label, at: e.at });
  }
  if (current.length > 0) sequences.push(current);
  const paths: PathVisit[][] = [];
  for (const sequence of sequences) {
    const path = cut(spec, sequence);
    if (path) paths.push(path);
  }
  return paths;
}

function cut(spec: PathSpec, sequence: PathVisit[]): PathVisit[] | undefined {
  let begin = 0;
  if (spec.start !== undefined) {
    begin = sequence.findIndex((v) => v.label === spec.start);
    if (begin < 0) return undefined;
  }
  if (spec.end === undefined) return sequence.slice(begin, begin + spec.steps);
  const stop = sequence.findIndex((v, i) => i >= begin && v.label === spec.end);
  if (stop < 0) return undefined;
  if (spec.start === undefined) return sequence.slice(Math.max(0, stop + 1 - spec.steps), stop + 1);
  return stop - begin < spec.steps ? sequence.slice(begin, stop + 1) : sequence.slice(begin, begin + spec.steps);
}

/** The diagram of many paths: nodes, the `maxEdges` busiest edges, drop-offs and the top paths. */
export function pathDiagram(spec: PathSpec, paths: Iterable<PathVisit[]>): Omit<PathsResponse, 'unit' | 'meta'> {
  const nodes = new Map<string, { id: string; label: string; step: number; count: number }>();
  const edges = new Map<string, { from: string; to: string; count: number; gaps: number[] }>();
  const drops = new Map<string, number>();
  const whole = new Map<string, { path: string[]; count: number }>();
  for (const path of paths) {
    path.forEach((visit, step) => {
      const id = `${step}:${visit.label}`;
      const node = nodes.get(id) ?? { id, label: visit.label, step, count: 0 };
      node.count++;
      nodes.set(id, node);
      const previous = path[step - 1];
      if (previous) {
        const from = `${step - 1}:${previous.label}`;
        const key = `${from}\u0000${id}`;
        const edge = edges.get(key) ?? { from, to: id, count: 0, gaps: [] };
        edge.count++;
        edge.gaps.push((visit.at - previous.at) / 1000);
        edges.set(key, edge);
      }
    });
    const last = path[path.length - 1];
    if (last && path.length < spec.steps && last.label !== spec.end) {
      const id = `${path.length - 1}:${last.label}`;
      drops.set(id, (drops.get(id) ?? 0) + 1);
    }
    const labels = path.map((v) => v.label);
    const key = labels.join('\u0000');
    const entry = whole.get(key) ?? { path: labels, count: 0 };
    entry.count++;
    whole.set(key, entry);
  }
  const kept = [...edges.values()].sort((a, b) => b.count - a.count || cmp(a.from, b.from) || cmp(a.to, b.to)).slice(0, spec.maxEdges);
  const used = new Set(kept.flatMap((e) => [e.from, e.to]));
  return {
    nodes: [...nodes.values()]
      .filter((n) => n.step === 0 || used.has(n.id))
      .sort((a, b) => a.step - b.step || b.count - a.count || cmp(a.label, b.label)),
    edges: kept.map((e) => ({ from: e.from, to: e.to, count: e.count, medianGapSeconds: median(e.gaps) ?? 0 })),
    dropOffs: [...drops].map(([node, count]) => ({ node, count })).sort((a, b) => b.count - a.count || cmp(a.node, b.node)),
    topPaths: [...whole.values()].sort((a, b) => b.count - a.count || cmp(a.path.join('>'), b.path.join('>'))).slice(0, 10),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
