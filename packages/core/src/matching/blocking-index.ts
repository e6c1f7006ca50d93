/**
 * Blocking: records that share a key (one or more prepared key columns, all present) form a block,
 * and only pairs inside a block are compared. Blocks larger than `maxBlockSize` are dropped, because a
 * key shared by thousands of records ("smith") says little and costs quadratically.
 */
import type { PreparedRecords } from './comparison-features.ts';

/** A blocking rule: records agree exactly on every listed key column. */
export interface BlockingRule {
  readonly keys: readonly string[];
}

/** Records grouped by one rule's key, in compressed-row form. */
export interface BlockIndex {
  readonly rule: BlockingRule;
  /** Block id per record, or -1 when the key is missing or its block was dropped or a singleton. */
  readonly blockOf: Int32Array;
  /** Records ordered by block; block b holds order[starts[b]] … order[starts[b + 1] - 1]. */
  readonly order: Int32Array;
  readonly starts: Int32Array;
  /** Pairs the rule generates (within kept blocks). */
  readonly pairCount: number;
}

/** Human-readable rule name, e.g. `last_name+dob`. */
export function ruleName(rule: BlockingRule): string {
  return rule.keys.join('+');
}

/** Interned key columns: per record a dense value id (-1 when missing) and the number of distinct values. */
interface InternedColumn {
  readonly ids: Int32Array;
  readonly distinct: number;
}

// Why a cache: dozens of rules share a dozen key columns; interning each column once turns every
// rule's grouping into integer arithmetic instead of building a string key per record per rule.
const interned = new WeakMap<readonly (string | undefined)[], InternedColumn>();

function internColumn(col: readonly (string | undefined)[], n: number): InternedColumn {
  const cached = interned.get(col);
  if (cached !== undefined) return cached;
  const map = new Map<string, number>();
  const ids = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === undefined) continue;
    let id = map.get(v);
    if (id === undefined) {
      id = map.size;
      map.set(v, id);
    }
    ids[i] = id;
  }
  const out = { ids, distinct: map.size };
  interned.set(col, out);
  return out;
}

/** Groups records by the rule's composite key. */
export function buildBlockIndex(prepared: PreparedRecords, rule: BlockingRule, maxBlockSize: number): BlockIndex {
  const n = prepared.size;
  const cols = rule.keys.map((k) => internColumn(prepared.keys.get(k) ?? [], n));
  // Composite ids as exact integers (value ids in mixed radix); past 2^53 fall back to string keys.
  const radix = cols.reduce((r, c) => r * Math.max(1, c.distinct), 1);
  const exact = radix < Number.MAX_SAFE_INTEGER;
  const ids = new Map<number | string, number>();
  const raw = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    let key: number | string = 0;
    let ok = true;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c];
      const v = col?.ids[i] ?? -1;
      if (col === undefined || v < 0) {
        ok = false;
        break;
      }
      key = exact ? (key as number) * col.distinct + v : `${key}|${v}`;
    }
    if (!ok) continue;
    let id = ids.get(key);
    if (id === undefined) {
      id = sizes.length;
      ids.set(key, id);
      sizes.push(0);
    }
    raw[i] = id;
    sizes[id] = (sizes[id] ?? 0) + 1;
  }
  // Renumber the kept blocks densely.
  const keptId = new Int32Array(sizes.length).fill(-1);
  let kept = 0;
  let pairCount = 0;
  for (let b = 0; b < sizes.length; b++) {
    const s = sizes[b] ?? 0;
    if (s >= 2 && s <= maxBlockSize) {
      keptId[b] = kept++;
      pairCount += (s * (s - 1)) / 2;
    }
  }
  const blockOf = new Int32Array(n).fill(-1);
  const starts = new Int32Array(kept + 1);
  for (let i = 0; i < n; i++) {
    const r = raw[i] ?? -1;
    if (r < 0) continue;
    const k = keptId[r] ?? -1;
    blockOf[i] = k;
    if (k >= 0) starts[k + 1] = (starts[k + 1] ?? 0) + 1;
  }
  for (let b = 0; b < kept; b++) starts[b + 1] = (starts[b + 1] ?? 0) + (starts[b] ?? 0);
  const fill = starts.slice(0, kept);
  const order = new Int32Array(starts[kept] ?? 0);
  for (let i = 0; i < n; i++) {
    const k = blockOf[i] ?? -1;
    if (k < 0) continue;
    order[fill[k] ?? 0] = i;
    fill[k] = (fill[k] ?? 0) + 1;
  }
  return { rule, blockOf, order, starts, pairCount };
}

/** True when records i and j share a kept block under this index. */
export function inSameBlock(index: BlockIndex, i: number, j: number): boolean {
  const b = index.blockOf[i] ?? -1;
  return b >= 0 && b === index.blockOf[j];
}

/**
 * Visits every pair (i < j) of the union of indexes exactly once: a pair from index r is skipped
 * when an earlier index already produced it. `accept` filters pairs (e.g. cross-source only).
 */
export function forEachCandidatePair(
  indexes: readonly BlockIndex[],
  visit: (i: number, j: number) => void,
  accept?: (i: number, j: number) => boolean,
): void {
  for (let r = 0; r < indexes.length; r++) {
    const index = indexes[r];
    if (index === undefined) continue;
    const { order, starts } = index;
    const blocks = starts.length - 1;
    for (let b = 0; b < blocks; b++) {
      const lo = starts[b] ?? 0;
      const hi = starts[b + 1] ?? 0;
      for (let x = lo; x < hi; x++) {
        const p = order[x] ?? 0;
        for (let y = x + 1; y < hi; y++) {
          const q = order[y] ?? 0;
          const i = p < q ? p : q;
          const j = p < q ? q : p;
          let seen = false;
          for (let e = 0; e < r; e++) {
            const prev = indexes[e];
            if (prev !== undefined && inSameBlock(prev, i, j)) {
              seen = true;
              break;
            }
          }
          if (seen) continue;
          if (accept !== undefined && !accept(i, j)) continue;
          visit(i, j);
        }
      }
    }
  }
}
