/**
 * Ground truth for evaluation. The truth column is found by name (or given), removed before the
 * engine sees the records, and turned into entity labels. FEBRL's `rec_id` encodes the answer as
 * `rec-<N>-org` / `rec-<N>-dup-<k>`, so it is a truth source and never matching input.
 */

const TRUTH_COLUMNS = ['cluster', 'ent_id', 'true id', 'true_id', 'entity_id', 'rec_id'];

/** The truth column: the explicit name when given (case-insensitive), else the first known name present. */
export function detectTruthColumn(headers: readonly string[], explicit?: string): string | undefined {
  const lower = headers.map((h) => h.trim().toLowerCase());
  const wanted = explicit === undefined ? TRUTH_COLUMNS : [explicit.trim().toLowerCase()];
  for (const name of wanted) {
    const at = lower.indexOf(name);
    if (at >= 0) return headers[at];
  }
  return undefined;
}

/** Entity label of one truth cell: the N of `rec-N-…`, otherwise the trimmed value. */
export function truthLabel(value: string | undefined): string {
  const v = (value ?? '').trim();
  const febrl = /^rec-(\d+)-/i.exec(v);
  return febrl !== null ? (febrl[1] ?? v) : v;
}
