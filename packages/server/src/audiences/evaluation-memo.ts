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
 * traits whose events changed (see `TraitReuse` in audience-recompute.ts), and the state it stored, which a
 * recompute then need not read back: the evaluator holding the lease is the only writer of states, and a
 * change of definitions or of lease holder clears the memo.
 */
import type { ProfileComputedState } from '../storage/audience-store.ts';
import type { TraitResult } from './audience-recompute.ts';

/** One profile's last evaluation. */
export interface RememberedEvaluation {
  inputs: string;
  /** Epoch ms of its next change by time alone; `undefined`: never. */
  nextChangeAt: number | undefined;
  traits?: ReadonlyMap<string, TraitResult>;
  /** The state the store holds for the profile after it (with its next check). */
  stored?: ProfileComputedState;
}

/** The memory of the last evaluations. */
export interface EvaluationMemo {
  /** True when `inputs` are those of the profile's last evaluation and its next change is still ahead of `now` (epoch ms). */
  unchanged(profileId: string, inputs: string, now: number): boolean;
  /** Records an evaluation whose state was stored. */
  remember(profileId: string, evaluation: RememberedEvaluation): void;
  /** The profile's last evaluation (its trait results and stored state). */
  last(profileId: string): RememberedEvaluation | undefined;
  /** Forgets these profiles (identity changes that are worth a full evaluation whatever the inputs say). */
  forget(profileIds: Iterable<string>): void;
  /** Forgets everything (the definitions changed, or another process may have written the states). */
  clear(): void;
}

/** Profiles remembered at most (the least recently evaluated ones are dropped first). */
const MAX_PROFILES = 50_000;

/** Creates an empty memo. */
export function createEvaluationMemo(max = MAX_PROFILES): EvaluationMemo {
  const entries = new Map<string, RememberedEvaluation>();
  return {
    unchanged(profileId, inputs, now) {
      const entry = entries.get(profileId);
      return entry !== undefined && entry.inputs === inputs && now < (entry.nextChangeAt ?? Infinity);
    },
    remember(profileId, evaluation) {
      entries.delete(profileId);
      entries.set(profileId, evaluation);
      for (const oldest of entries.keys()) {
        if (entries.size <= max) break;
        entries.delete(oldest);
      }
    },
    last: (profileId) => entries.get(profileId),
    forget(profileIds) {
      for (const id of profileIds) entries.delete(id);
    },
    clear() {
      entries.clear();
    },
  };
}
