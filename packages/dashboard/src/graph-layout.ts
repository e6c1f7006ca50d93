/**
 * A deterministic layout for the identity graph: every identifier on one circle, grouped by type (person
 * identifiers first, then accounts, devices, sessions) with a gap between types, ordered by first sighting
 * within a type. Why one circle: every edge is then a chord inside it and every label sits outside it,
 * radially, so no edge ever crosses a label, and the box is sized to hold the longest label. Past
 * COLLAPSE_AT identifiers, a type with more than `maxPerType` shows its most recently seen ones and one
 * "+N more" node that stands for the rest (edges to hidden identifiers go to it). Same input, same picture.
 */

/** A node to place. */
export interface LayoutNodeInput {
  id: string;
  type: string;
  value: string;
  firstSeen: string;
  lastSeen?: string;
  refused?: boolean;
}

/** An edge to draw. */
export interface LayoutEdgeInput {
  from: string;
  to: string;
  kind: string;
}

/** Where an item and its label go. `rotate` turns the label about (lx, ly) so it reads outward. */
interface Placement {
  key: string;
  type: string;
  x: number;
  y: number;
  label: string;
  lx: number;
  ly: number;
  rotate: number;
  anchor: 'start' | 'end';
}

/** A placed identifier, or a collapsed group of identifiers of one type. */
export type PlacedItem<N extends LayoutNodeInput> = Placement & ({ kind: 'node'; node: N } | { kind: 'group'; hidden: N[] });

/** A placed edge (both ends placed; edges to hidden identifiers end at their group). */
export interface PlacedEdge<E extends LayoutEdgeInput> {
  edge: E;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The layout in a `size` × `size` box. */
export interface GraphLayout<N extends LayoutNodeInput, E extends LayoutEdgeInput> {
  size: number;
  radius: number;
  items: PlacedItem<N>[];
  edges: PlacedEdge<E>[];
}

/** Above this many identifiers, big types are collapsed. */
export const COLLAPSE_AT = 36;
const ARC_PER_ITEM = 17;
const LABEL_GAP = 14;
/** Width of a character of the 11 px monospace label font (0.6 em), with a little room. */
const CHAR_WIDTH = 6.8;

const TYPE_RANK: Record<string, number> = { user_id: 0, email: 1, phone: 2, crm_id: 3 };

/** Sort rank of an identifier type: person ids, then accounts/handles, devices, anonymous ids. */
export function typeRank(type: string): number {
  const known = TYPE_RANK[type];
  if (known !== undefined) return known;
  if (type === 'anonymous_id') return 7;
  if (/(^|\.)(id|idfa|push_token)$|device|advertising/.test(type)) return 6;
  return 4;
}

/** A value cut to `max` characters with an ellipsis in the middle (both ends of ids are what people recognise). */
export function shorten(value: string, max: number): string {
  if (value.length <= max) return value;
  const head = Math.ceil((max - 1) / 2);
  return `${value.slice(0, head)}…${value.slice(value.length - (max - 1 - head))}`;
}

/** Places the identifiers (collapsing big types past COLLAPSE_AT unless `expanded` names them) and the edges. */
export function layoutGraph<N extends LayoutNodeInput, E extends LayoutEdgeInput>(
  nodes: readonly N[],
  edges: readonly E[],
  options: { labelChars: number; maxPerType?: number; expanded?: ReadonlySet<string> },
): GraphLayout<N, E> {
  const maxPerType = options.maxPerType ?? 6;
  const order = (a: N, b: N) =>
    typeRank(a.type) - typeRank(b.type) ||
    a.type.localeCompare(b.type) ||
    a.firstSeen.localeCompare(b.firstSeen) ||
    a.id.localeCompare(b.id);
  const unique = [...new Map(nodes.map((n) => [n.id, n])).values()].sort(order);
  const byType = new Map<string, N[]>();
  for (const node of unique) byType.set(node.type, [...(byType.get(node.type) ?? []), node]);

  type Item = { kind: 'node'; node: N; key: string; type: string } | { kind: 'group'; hidden: N[]; key: string; type: string };
  const items: Item[][] = [];
  const itemOf = new Map<string, string>();
  const collapse = unique.length > COLLAPSE_AT;
  for (const [type, list] of byType) {
    if (!collapse || list.length <= maxPerType || options.expanded?.has(type)) {
      items.push(list.map((node) => ({ kind: 'node', node, key: node.id, type })));
      for (const node of list) itemOf.set(node.id, node.id);
      continue;
    }
    const recent = [...list].sort(
      (a, b) => (b.lastSeen ?? b.firstSeen).localeCompare(a.lastSeen ?? a.firstSeen) || a.id.localeCompare(b.id),
    );
    const shown = new Set(recent.slice(0, maxPerType - 1).map((n) => n.id));
    const hidden = list.filter((n) => !shown.has(n.id));
    const groupKey = `more:${type}`;
    items.push([
      ...list.filter((n) => shown.has(n.id)).map((node): Item => ({ kind: 'node', node, key: node.id, type })),
      { kind: 'group', hidden, key: groupKey, type },
    ]);
    for (const node of list) itemOf.set(node.id, shown.has(node.id) ? node.id : groupKey);
  }

  // One empty slot between types, so groups read as groups.
  const count = items.reduce((n, group) => n + group.length, 0);
  const slots = count + (items.length > 1 ? items.length : 0);
  const radius = Math.round(Math.max(60, (slots * ARC_PER_ITEM) / (2 * Math.PI)));
  const labelOf = (item: Item) =>
    item.kind === 'node' ? shorten(item.node.value, options.labelChars) : `+${item.hidden.length} more ${item.type}`;
  const longest = Math.max(0, ...items.flat().map((item) => labelOf(item).length));
  const half = Math.ceil(radius + LABEL_GAP + longest * CHAR_WIDTH + 8);
  const placed: PlacedItem<N>[] = [];
  let slot = 0;
  for (const group of items) {
    for (const item of group) {
      // From the left, clockwise: a small graph then reads across, with horizontal labels.
      const angle = count === 1 ? Math.PI : Math.PI + (2 * Math.PI * slot) / slots;
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const left = cos < -1e-9;
      const degrees = (angle * 180) / Math.PI;
      const text = labelOf(item);
      placed.push({
        ...item,
        x: round(half + radius * cos),
        y: round(half + radius * sin),
        label: text,
        lx: round(half + (radius + LABEL_GAP) * cos),
        ly: round(half + (radius + LABEL_GAP) * sin),
        rotate: round(left ? degrees + 180 : degrees),
        anchor: left ? 'end' : 'start',
      });
      slot++;
    }
    slot++;
  }

  const at = new Map(placed.map((p) => [p.key, p]));
  const seen = new Set<string>();
  const placedEdges: PlacedEdge<E>[] = [];
  for (const edge of edges) {
    const a = at.get(itemOf.get(edge.from) ?? '');
    const b = at.get(itemOf.get(edge.to) ?? '');
    const key = a && b ? `${a.key}\u0000${b.key}\u0000${edge.kind}` : '';
    if (!a || !b || a === b || seen.has(key)) continue;
    seen.add(key);
    placedEdges.push({ edge, x1: a.x, y1: a.y, x2: b.x, y2: b.y });
  }
  return { size: half * 2, radius, items: placed, edges: placedEdges };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
