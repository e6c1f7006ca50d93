/**
 * `matching` in the identity policy: incremental matching of arriving records (imports, identify calls
 * with person traits) against the stored profiles, through the persistent blocking index. Off unless
 * `incremental` is true. Why in the identity policy: its merges are identity decisions, made by the same
 * resolver under the same limits and do-not-link rules, and the thresholds say when a record is enough
 * of a person to be matched at all.
 */

/** How records are matched as they arrive. */
export interface IncrementalMatchPolicy {
  /** Match arriving records against the stored profiles (a follower of committed writes). */
  incremental: boolean;
  /** Probability at or above which an arriving record's profile is merged with a stored one. */
  linkThreshold: number;
  /** Probability at or above which (and below the link threshold) the pair goes to the review queue. */
  reviewThreshold: number;
  /** Person fields (name, date of birth, address, phone, email, company) a record needs before it is matched. */
  minFields: number;
}

/** The defaults: off; the thresholds of `kin match run`; two person fields. */
export const DEFAULT_MATCH_POLICY: IncrementalMatchPolicy = Object.freeze({
  incremental: false,
  linkThreshold: 0.95,
  reviewThreshold: 0.5,
  minFields: 2,
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `matching`; reports each bad field through `fail`, falling back to its default. */
export function readMatchPolicy(raw: unknown, fail: (path: string, message: string) => void): IncrementalMatchPolicy {
  const result = { ...DEFAULT_MATCH_POLICY };
  if (raw === undefined) return result;
  if (!isRecord(raw)) {
    fail('matching', 'must be an object');
    return result;
  }
  for (const key of Object.keys(raw)) if (!(key in DEFAULT_MATCH_POLICY)) fail(`matching.${key}`, 'unknown key');
  const incremental = raw['incremental'];
  if (typeof incremental === 'boolean') result.incremental = incremental;
  else if (incremental !== undefined) fail('matching.incremental', 'must be true or false');
  for (const key of ['linkThreshold', 'reviewThreshold'] as const) {
    const v = raw[key];
    if (typeof v === 'number' && v > 0 && v < 1) result[key] = v;
    else if (v !== undefined) fail(`matching.${key}`, 'must be a probability between 0 and 1');
  }
  if (result.reviewThreshold > result.linkThreshold) fail('matching.reviewThreshold', 'must not exceed matching.linkThreshold');
  const minFields = raw['minFields'];
  if (typeof minFields === 'number' && Number.isSafeInteger(minFields) && minFields >= 1) result.minFields = minFields;
  else if (minFields !== undefined) fail('matching.minFields', 'must be an integer ≥ 1');
  return result;
}
