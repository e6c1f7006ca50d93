/**
 * Pairs → entities without chaining. Links are applied strongest first; a link that would join two
 * existing clusters is accepted only when enough of the cross pairs (every member of one cluster
 * against every member of the other) score at least the review threshold. A single strong edge
 * between two groups therefore cannot glue them together, which stops the "giant cluster" failure
 * of plain connected components. Optionally a cluster may hold at most one record per source
 * (one-to-one linking between sources that have no internal duplicates).
 */

/** Inputs of {@link clusterPairs}; edges must already be sorted strongest first. */
export interface ClusterPairsOptions {
  readonly size: number;
  readonly left: ArrayLike<number>;
  readonly right: ArrayLike<number>;
  readonly weight: ArrayLike<number>;
  /** Weight at or above which an edge proposes a link. */
  readonly linkWeight: number;
  /** Weight at or above which a cross pair supports a merge. */
  readonly reviewWeight: number;
  /** Share of cross pairs that must support a merge (0.5 = average-linkage-like majority). */
  readonly supportShare: number;
  /** Weight of any pair (scored on demand when it was not a candidate). */
  pairWeight(i: number, j: number): number;
  /** Source of each record when at most one record per source may join a cluster. */
  readonly sourceOf?: (i: number) => string | undefined;
  /** True when records i and j conflict (see record-conflicts.ts): they never share a cluster (coherence guard against chaining). */
  readonly conflict?: (i: number, j: number) => boolean;
  /** True when clusters a and b may not merge as wholes (an initial bridging incompatible first names). */
  readonly clusterConflict?: (a: readonly number[], b: readonly number[]) => boolean;
}

/** Per edge: whether it ended inside one cluster, plus the cluster id (root) of every record. */
export interface ClusterPairsResult {
  readonly clusterOf: Int32Array;
  /** 1 accepted, 0 refused (or below the link weight). */
  readonly accepted: Uint8Array;
  /** 1 when the edge was refused because of the one-per-source rule. */
  readonly refusedBySource: Uint8Array;
  /** 1 when the edge joined two clusters (0 when its records were already together). */
  readonly joined: Uint8Array;
  /** 1 when the edge was refused because two records of the would-be cluster conflict. */
  readonly refusedByConflict: Uint8Array;
}

/** Greedy supported merging; deterministic for a given edge order. */
export function clusterPairs(options: ClusterPairsOptions): ClusterPairsResult {
  const { size, left, right, weight } = options;
  const parent = new Int32Array(size);
  for (let i = 0; i < size; i++) parent[i] = i;
  const members = new Map<number, number[]>();
  const find = (x: number): number => {
    let r = x;
    while ((parent[r] ?? r) !== r) r = parent[r] ?? r;
    while ((parent[x] ?? x) !== r) {
      const next = parent[x] ?? x;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const membersOf = (root: number): number[] => members.get(root) ?? [root];
  const known = new Map<number, number>();
  for (let e = 0; e < left.length; e++) known.set((left[e] ?? 0) * size + (right[e] ?? 0), weight[e] ?? 0);
  const weightOf = (x: number, y: number): number => {
    const i = x < y ? x : y;
    const j = x < y ? y : x;
    return known.get(i * size + j) ?? options.pairWeight(i, j);
  };
  const accepted = new Uint8Array(left.length);
  const refusedBySource = new Uint8Array(left.length);
  const refusedByConflict = new Uint8Array(left.length);
  const joined = new Uint8Array(left.length);
  for (let e = 0; e < left.length; e++) {
    if ((weight[e] ?? 0) < options.linkWeight) break;
    const a = find(left[e] ?? 0);
    const b = find(right[e] ?? 0);
    if (a === b) {
      accepted[e] = 1;
      continue;
    }
    const ma = membersOf(a);
    const mb = membersOf(b);
    if (options.sourceOf !== undefined) {
      const sources = new Set(ma.map((x) => options.sourceOf?.(x)));
      if (mb.some((y) => sources.has(options.sourceOf?.(y)))) {
        refusedBySource[e] = 1;
        continue;
      }
    }
    if (
      (options.conflict !== undefined && ma.some((x) => mb.some((y) => options.conflict?.(x, y) === true))) ||
      options.clusterConflict?.(ma, mb) === true
    ) {
      refusedByConflict[e] = 1;
      continue;
    }
    if (ma.length * mb.length > 1) {
      const needed = Math.ceil(options.supportShare * ma.length * mb.length);
      let support = 0;
      let remaining = ma.length * mb.length;
      for (const x of ma) {
        for (const y of mb) {
          if (weightOf(x, y) >= options.reviewWeight) support++;
          remaining--;
          if (support >= needed || support + remaining < needed) break;
        }
        if (support >= needed || support + remaining < needed) break;
      }
      if (support < needed) continue;
    }
    // Union by size; the smaller cluster's members move.
    const [big, small] = ma.length >= mb.length ? [a, b] : [b, a];
    parent[small] = big;
    members.set(big, [...membersOf(big), ...membersOf(small)]);
    members.delete(small);
    accepted[e] = 1;
    joined[e] = 1;
  }
  const clusterOf = new Int32Array(size);
  for (let i = 0; i < size; i++) clusterOf[i] = find(i);
  return { clusterOf, accepted, joined, refusedBySource, refusedByConflict };
}
