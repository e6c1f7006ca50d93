/**
 * When the incremental matcher learns its model again. Learning is the follower's largest single cost
 * (`learnMatchModel` over up to `sample` stored profiles: about 40 % of what it spent while a 10,000-row
 * import was matched, session 12), so the model is reused until the store has outgrown it:
 *
 * - learnt the first time a turn has something to match, over what is stored then;
 * - learnt again once the arrivals matched since number `GROWTH - 1` times the records it was learnt on (the
 *   store about `GROWTH` times as large), and at least `MIN_ARRIVALS`; never once it was learnt on a full sample.
 *
 * A store growing from empty is therefore learnt on about 1, 4, 16, 64… times its first sample: the learning
 * done over its life is at most 4/3 of the last learning's. Before, the model was learnt again each time the
 * store doubled (3 times in `--import-match 10000`, the benchmark's drain included). A test's drain still learns again first (`drain()`), so what it matches does not depend on when earlier turns ran.
 */

/** How many times larger the store is when the model is learnt again. */
export const GROWTH = 4;
/** Arrivals matched before a model learnt on a handful of records is learnt again. */
export const MIN_ARRIVALS = 50;

/** What the follower knows of its current model. */
export interface LearntModelAge {
  /** Records the model was learnt on. */
  learntOn: number;
  /** Arrivals matched with it since. */
  matchedSince: number;
}

/** Whether a model of this age is to be learnt again before the next turn (`undefined`: none learnt yet). */
export function modelOutgrown(model: LearntModelAge | undefined, sample: number): boolean {
  if (model === undefined) return true;
  if (model.learntOn >= sample) return false;
  return model.matchedSince >= Math.max(MIN_ARRIVALS, (GROWTH - 1) * model.learntOn);
}
