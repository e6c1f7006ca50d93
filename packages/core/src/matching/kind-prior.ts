/**
 * The prior of a pair given what both records name. λ is the share of matches among all pairs, but
 * an organisation never matches a person, so among the pairs of two organisations matches are far
 * denser: with as many true pairs per record in each kind, λ_kind = λ · n / n_kind. In a customer
 * file with a few dozen businesses among two thousand people, the global λ undervalues two records
 * of one business (same name and email, yet 10 bits of prior against them) by log2(n / n_kind) bits,
 * while people (most of the file) keep almost exactly the global prior.
 * Records of unknown kind (no name at all) may match either kind and keep the global prior.
 */
import { RecordKind } from './name-columns.ts';

/** log2 prior odds per pair, from the global λ and the record kinds (see the module comment). */
export function kindPrior(lambda: number, kinds: ArrayLike<number>): (i: number, j: number) => number {
  const counts = [0, 0, 0];
  for (let i = 0; i < kinds.length; i++) counts[kinds[i] ?? 0] = (counts[kinds[i] ?? 0] ?? 0) + 1;
  const odds = (l: number): number => Math.log2(l / (1 - l));
  const global = odds(lambda);
  const byKind = counts.map((c, k) => (k === RecordKind.unknown || c === 0 ? global : odds(Math.min(0.5, (lambda * kinds.length) / c))));
  return (i, j) => {
    const k = kinds[i] ?? 0;
    return k === (kinds[j] ?? 0) ? (byKind[k] ?? global) : global;
  };
}
