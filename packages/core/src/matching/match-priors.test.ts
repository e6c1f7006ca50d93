import { describe, expect, it } from 'vitest';
import { blendLambda, blendM, DEFAULT_PRIORS, featurePrior, PRIOR_MATCHES } from './match-priors.ts';

const prior = { levels: ['exact', 'different'], m: [0.9, 0.1], u: [0.01, 0.99] };

describe('match priors', () => {
  it('ship a prior for every comparison level of the person fields', () => {
    for (const name of ['first_name', 'last_name', 'date_of_birth', 'email', 'phone', 'postcode', 'address', 'suffix'])
      expect(DEFAULT_PRIORS.features[name]).toBeDefined();
    expect(featurePrior(DEFAULT_PRIORS, { name: 'account_id', levels: ['exact', 'one-edit', 'different'] }, true)).toBe(
      DEFAULT_PRIORS.identifier,
    );
    expect(featurePrior(DEFAULT_PRIORS, { name: 'email', levels: ['exact', 'other'] }, false)).toBeUndefined();
  });

  it('use the prior as it is without data and let the data take over as it grows', () => {
    expect(blendM(undefined, 0, prior)).toEqual({ m: [0.9, 0.1], dataShare: 0 });
    const some = blendM([0.5, 0.5], PRIOR_MATCHES, prior);
    expect(some?.dataShare).toBe(0.5);
    expect(some?.m[0]).toBeCloseTo(0.7);
    expect(blendM([0.5, 0.5], 1e6, prior)?.m[0]).toBeCloseTo(0.5, 3);
    expect(blendM([0.5, 0.5], 10, undefined)).toEqual({ m: [0.5, 0.5], dataShare: 1 });
  });

  it('take λ from the data once the sure-match rule can judge enough pairs', () => {
    const few = blendLambda({ sureMatches: 0, judgedPairs: 0, assumedRecall: 0.5, records: 100, totalPairs: 4950, priors: DEFAULT_PRIORS });
    expect(few.dataShare).toBe(0);
    expect(few.lambda).toBeCloseTo((DEFAULT_PRIORS.pairsPerRecord * 100) / 4950);
    const judged = blendLambda({
      sureMatches: 0,
      judgedPairs: 5000,
      assumedRecall: 0.5,
      records: 100,
      totalPairs: 4950,
      priors: DEFAULT_PRIORS,
    });
    expect(judged.dataShare).toBe(1);
    expect(judged.lambda).toBeCloseTo(1 / 4950);
  });
});
