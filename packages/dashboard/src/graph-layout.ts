/**
 * A small deterministic layout for the identity graph: identifiers on a circle, grouped by type (person
 * identifiers first, then accounts, devices, sessions) and ordered by first sighting within a type;
 * refused identifiers on an outer ring beside the node they were offered with. Same input, same picture.
 */

/** A node to place. */
export interface LayoutNodeInput {
  id: string;
  type: string;
  firstSeen: string;
  refused?: boolean;
}

/** An edge to draw. */
export interface LayoutEdgeInput {
  from: string;
  to: string;
  kind: string;
}

/** A placed node. */
export interface PlacedNode<N extends LayoutNodeInput> {
  node: N;
  x: number;
  y: number;
}

/** A placed edge (both ends known). */
export interface PlacedEdge<E extends LayoutEdgeInput> {
  edge: E;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The layout of a graph in a `size` × `size` box. */
export interface GraphLayout<N extends LayoutNodeInput, E extends LayoutEdgeInput> {
  size: number;
  nodes: PlacedNode<N>[];
  edges: PlacedEdge<E>[];
  /** Nodes left out to keep the picture readable. */
  hidden: number;
}

const TYPE_RANK: Record<string, number> = { user_id: 0, email: 1, phone: 2, crm_id: 3 };

/** Sort rank of an identifier type: person ids, then accounts/handles, devices, anonymous ids. */
export function typeRank(type: string): number {
  const known = TYPE_RANK[type];
  if (known !== undefined) return known;
  if (type === 'anonymous_id') return 7;
  if (/(^|\.)(id|idfa|push_token)$|device|advertising/.test(type)) return 6;
  return 4;
}

/** Places the nodes (at most `maxNodes`, refused ones included) and the edges between placed nodes. */
export function layoutGraph<N extends LayoutNodeInput, E extends LayoutEdgeInput>(
  nodes: readonly N[],
  edges: readonly E[],
  options: { size?: number; maxNodes?: number } = {},
): GraphLayout<N, E> {
  const size = options.size ?? 560;
  const maxNodes = options.maxNodes ?? 48;
  const order = (a: N, b: N) => typeRank(a.type) - typeRank(b.type) || a.type.localeCompare(b.type) || a.firstSeen.localeCompare(b.firstSeen) || a.id.localeCompare(b.id);
  const inner = nodes.filter((n) => !n.refused).sort(order).slice(0, maxNodes);
  const center = size / 2;
  const radius = inner.length <= 1 ? 0 : size * 0.32;
  const placed = new Map<string, PlacedNode<N>>();
  inner.forEach((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(inner.length, 1);
    placed.set(node.id, { node, x: round(center + radius * Math.cos(angle)), y: round(center + radius * Math.sin(angle)) });
  });

  const outer = nodes.filter((n) => n.refused).sort(order).slice(0, Math.max(0, maxNodes - inner.length));
  const outerRadius = Math.max(radius, size * 0.2) + size * 0.13;
  const usedAngles: number[] = [];
  for (const node of outer) {
    const anchorEdge = edges.find((e) => e.to === node.id && placed.has(e.from));
    const anchor = anchorEdge ? placed.get(anchorEdge.from) : undefined;
    let angle = anchor && (anchor.x !== center || anchor.y !== center) ? Math.atan2(anchor.y - center, anchor.x - center) : Math.PI / 2;
    while (usedAngles.some((a) => Math.abs(a - angle) < 0.35)) angle += 0.4;
    usedAngles.push(angle);
    placed.set(node.id, { node, x: round(center + outerRadius * Math.cos(angle)), y: round(center + outerRadius * Math.sin(angle)) });
  }

  const placedEdges: PlacedEdge<E>[] = [];
  for (const edge of edges) {
    const a = placed.get(edge.from);
    const b = placed.get(edge.to);
    if (a && b) placedEdges.push({ edge, x1: a.x, y1: a.y, x2: b.x, y2: b.y });
  }
  return { size, nodes: [...placed.values()], edges: placedEdges, hidden: nodes.length - placed.size };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
