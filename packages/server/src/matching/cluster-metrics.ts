/**
 * Scores a predicted clustering against true entity labels: pairwise precision/recall/F1 (pairs of
 * records put together) and B-cubed (per-record overlap of predicted and true cluster).
 */

/** Precision, recall and F1. */
export interface PrfScore {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Pairwise scores with the pair counts behind them. */
export interface PairwiseScore extends PrfScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** All clustering scores. */
export interface ClusteringScore {
  readonly records: number;
  readonly pairwise: PairwiseScore;
  readonly b3: PrfScore;
  /** Predicted clusters, singletons included. */
  readonly clusters: number;
  readonly largestCluster: number;
}

function prf(precision: number, recall: number): PrfScore {
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function pairsIn(counts: Iterable<number>): number {
  let s = 0;
  for (const c of counts) s += (c * (c - 1)) / 2;
  return s;
}

function countBy(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/**
 * Scores predicted labels against true labels (one of each per record; blank true labels are
 * singletons). With `sources`, only pairs of records from different sources count (linking tasks).
 */
export function scoreClustering(predicted: readonly string[], truth: readonly string[], sources?: readonly string[]): ClusteringScore {
  const n = predicted.length;
  const t = truth.map((v, i) => (v === '' ? `\u0000singleton-${i}` : v));
  const joint = predicted.map((p, i) => `${p}\u0001${t[i] ?? ''}`);
  const predCounts = countBy(predicted);
  const trueCounts = countBy(t);
  const jointCounts = countBy(joint);
  let tp = pairsIn(jointCounts.values());
  let predPairs = pairsIn(predCounts.values());
  let truePairs = pairsIn(trueCounts.values());
  if (sources !== undefined) {
    const withSource = (labels: readonly string[]): number =>
      pairsIn(countBy(labels.map((l, i) => `${l}\u0002${sources[i] ?? ''}`)).values());
    tp -= withSource(joint);
    predPairs -= withSource(predicted);
    truePairs -= withSource(t);
  }
  let b3p = 0;
  let b3r = 0;
  for (let i = 0; i < n; i++) {
    const both = jointCounts.get(joint[i] ?? '') ?? 1;
    b3p += both / (predCounts.get(predicted[i] ?? '') ?? 1);
    b3r += both / (trueCounts.get(t[i] ?? '') ?? 1);
  }
  let largestCluster = 0;
  for (const c of predCounts.values()) if (c > largestCluster) largestCluster = c;
  const precision = predPairs === 0 ? 1 : tp / predPairs;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  return {
    records: n,
    pairwise: { ...prf(precision, recall), tp, fp: predPairs - tp, fn: truePairs - tp },
    b3: prf(n === 0 ? 1 : b3p / n, n === 0 ? 1 : b3r / n),
    clusters: predCounts.size,
    largestCluster,
  };
}

/** All unordered pairs of record indexes that share a true label (for pair completeness). */
export function truePairs(truth: readonly string[], sources?: readonly string[]): [number, number][] {
  const groups = new Map<string, number[]>();
  truth.forEach((label, i) => {
    if (label === '') return;
    const g = groups.get(label);
    if (g === undefined) groups.set(label, [i]);
    else g.push(i);
  });
  const pairs: [number, number][] = [];
  for (const g of groups.values()) {
    for (let x = 0; x < g.length; x++)
      for (let y = x + 1; y < g.length; y++) {
        const i = g[x] ?? 0;
        const j = g[y] ?? 0;
        if (sources !== undefined && sources[i] === sources[j]) continue;
        pairs.push([i, j]);
      }
  }
  return pairs;
}
