import { describe, expect, it } from 'vitest';
import { kindPrior } from './kind-prior.ts';
import { RecordKind } from './name-columns.ts';

describe('kindPrior', () => {
  const { person, organisation, unknown } = RecordKind;
  // 8 people, 2 organisations, 2 records of unknown kind.
  const kinds = [person, person, person, person, person, person, person, person, organisation, organisation, unknown, unknown];
  const lambda = 0.01;
  const global = Math.log2(lambda / (1 - lambda));
  const prior = kindPrior(lambda, kinds);

  it('raises the prior of two organisations by their rarity (λ · n / n_kind)', () => {
    const l = (lambda * 12) / 2;
    expect(prior(8, 9)).toBeCloseTo(Math.log2(l / (1 - l)), 9);
  });
  it('gives two people λ · n / n_person and mixed or unknown pairs the global prior', () => {
    const l = (lambda * 12) / 8;
    expect(prior(0, 1)).toBeCloseTo(Math.log2(l / (1 - l)), 9);
    expect(prior(0, 8)).toBeCloseTo(global, 9);
    expect(prior(10, 11)).toBeCloseTo(global, 9);
    expect(prior(0, 10)).toBeCloseTo(global, 9);
  });
});
