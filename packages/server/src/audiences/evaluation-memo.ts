/**
 * What each profile was last evaluated on, so a recompute whose inputs did not change costs no evaluation, no
 * state read and no write. Under ingest most queued profiles got only events no definition reads (pages,
 * app opens, the audience events the evaluator wrote itself), and their state cannot have changed.
 *
 * Why it stays exact: the inputs are everything an evaluation reads besides the definitions and the clock —
 * the profile's composition (itself and the profiles merged into it), its traits and consent, and the seqs of
 * the events whose names a definition reads. The clock matters only at the evaluation's next change
 * (`nextChangeAt`, a window boundary), after which the profile is evaluated again; new definitions clear it.
 *
 * It also keeps each trait's last result, so that an evaluation whose inputs did change recomputes only the
 * traits whose events changed (see `TraitReuse` in audience-recompute.ts).
 */
import type { TraitResult } from './audience-recompute.ts';

/** The memory of the last evaluations. */
export interface EvaluationMemo {
  /** True when `inputs` are those of the profile's last evaluation and its next change is still ahead of `now` (epoch ms). */
  unchanged(profileId: string, inputs: string, now: number): boolean;
  /** Records an evaluation whose state was stored, with its trait results. */
  remember(profileId: string, inputs: string, nextChangeAt: number | undefined, traits?: ReadonlyMap<string, TraitResult>): void;
  /** The trait results of the profile's last evaluation. */
  traits(profileId: string): ReadonlyMap<string, TraitResult> | undefined;
  /** Forgets these profiles (identity changes that are worth a full evaluation whatever the inputs say). */
  forget(profileIds: Iterable<string>): void;
  /** Forgets everything (the definitions changed, or another process may have written the states). */
  clear(): void;
}

/** Profiles remembered at most (the least recently evaluated ones are dropped first). */
const MAX_PROFILES = 50_000;

/** Creates an empty memo. */
export function createEvaluationMemo(max = MAX_PROFILES): EvaluationMemo {
  const entries = new Map<string, { inputs: string; nextChangeAt: number; traits: ReadonlyMap<string, TraitResult> | undefined }>();
  return {
    unchanged(profileId, inputs, now) {
      const entry = entries.get(profileId);
      return entry !== undefined && entry.inputs === inputs && now < entry.nextChangeAt;
    },
    remember(profileId, inputs, nextChangeAt, traits) {
      entries.delete(profileId);
      entries.set(profileId, { inputs, nextChangeAt: nextChangeAt ?? Infinity, traits });
      for (const oldest of entries.keys()) {
        if (entries.size <= max) break;
        entries.delete(oldest);
      }
    },
    traits: (profileId) => entries.get(profileId)?.traits,
    forget(profileIds) {
      for (const id of profileIds) entries.delete(id);
    },
    clear() {
      entries.clear();
    },
  };
}
