import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareRecords } from './comparison-features.ts';
import { MIN_FIELDS, singleDisagreement, singleDisagreementBonus } from './disagreement-count.ts';
import { pairLevels, type FellegiSunterParameters, type PairLevels } from './fellegi-sunter.ts';
import { createScorer } from './pair-scorer.ts';

/** Level vectors of three fields (first name, last name, date of birth; 0 exact, 1 not, −1 missing). */
function pairs(rows: readonly (readonly number[])[]): PairLevels {
  return { count: rows.length, levels: Int8Array.from(rows.flat()) };
}

describe('single-disagreement bonus (one keying error per duplicate)', () => {
  it('is learnt where duplicates get exactly one field wrong (RLdata: same name, year of birth replaced)', () => {
    // 300 likely matches, each with exactly one field wrong, as RLdata's generator makes them.
    const oneError = pairs(Array.from({ length: 300 }, (_, p) => [0, 1, 2].map((k) => (k === p % 3 ? 1 : 0))));
    const m = [0.7, 0.7, 0.7];
    // Independence predicts 3 · 0.3 · 0.7² = 0.441 of them with one field wrong; all are: log2(1 / 0.441) ≈ 1.18, shrunk a little.
    const bonus = singleDisagreementBonus(oneError, m, () => 1);
    expect(bonus).toBeGreaterThan(1);
    expect(bonus).toBeLessThan(Math.log2(1 / 0.441));
  });

  it('is zero where errors come in bunches (fewer single disagreements than independence predicts)', () => {
    const bunched = pairs(Array.from({ length: 300 }, (_, p) => (p % 2 === 0 ? [0, 0, 0] : [1, 1, 1])));
    expect(singleDisagreementBonus(bunched, [0.7, 0.7, 0.7], () => 1)).toBe(0);
  });

  it('leans on independence for a handful of pairs, and ignores pairs with fewer than three fields', () => {
    const few = pairs([
      [0, 0, 1],
      [0, 1, 0],
    ]);
    const many = pairs(Array.from({ length: 300 }, (_, p) => [0, 1, 2].map((k) => (k === p % 3 ? 1 : 0))));
    expect(singleDisagreementBonus(few, [0.7, 0.7, 0.7], () => 1)).toBeLessThan(singleDisagreementBonus(many, [0.7, 0.7, 0.7], () => 1));
    const twoFields = pairs(Array.from({ length: 300 }, () => [0, 1, -1]));
    expect(singleDisagreementBonus(twoFields, [0.7, 0.7, 0.7], () => 1)).toBe(0);
    expect(MIN_FIELDS).toBe(3);
    expect(singleDisagreement((k) => [0, 1, -1][k] ?? -1, 3)).toBe(false);
    expect(singleDisagreement((k) => [0, 0, 1][k] ?? -1, 3)).toBe(true);
    expect(singleDisagreement((k) => [0, 1, 1][k] ?? -1, 3)).toBe(false);
  });

  it('raises the weight of pairs exact on all fields but one, and of complete agreement, by the bonus', () => {
    const headers = ['first_name', 'last_name', 'dob'];
    const rows = [
      ['sabine', 'seidel', '1994-06-23'],
      ['sabine', 'seidel', '1958-06-23'],
      ['sabina', 'seidel', '1958-06-22'],
      ['sabine', 'seidel', '1994-06-23'],
    ];
    const records = rows.map((r, i) => ({ key: `r${i}`, values: Object.fromEntries(headers.map((h, c) => [h, r[c] ?? ''])) }));
    const prepared = prepareRecords(records, detectColumnRoles(headers));
    const params: FellegiSunterParameters = {
      lambda: 0.001,
      features: prepared.features.map((f) => ({
        name: f.name,
        levels: f.levels,
        m: f.levels.map((_, l) => (l === 0 ? 0.7 : 0.3 / (f.levels.length - 1))),
        u: f.levels.map((_, l) => (l === f.levels.length - 1 ? 0.9 : 0.1 / (f.levels.length - 1))),
      })),
    };
    const plain = createScorer(prepared, params, undefined, { termFrequency: false });
    const adjusted = createScorer(prepared, { ...params, singleDisagreementBonus: 1.25 }, undefined, { termFrequency: false });
    // Same name, year of birth replaced: one field off.
    expect(adjusted.weight(0, 1) - plain.weight(0, 1)).toBeCloseTo(1.25, 6);
    // Every field exact.
    expect(adjusted.weight(0, 3) - plain.weight(0, 3)).toBeCloseTo(1.25, 6);
    // Explained as a row of its own, so the rows and the prior add up to the weight.
    const explained = adjusted.explain(0, 1);
    expect(explained.at(-1)).toEqual({ feature: 'fields_in_error', level: 'one', weight: 1.25 });
    expect(adjusted.prior + explained.reduce((sum, e) => sum + e.weight, 0)).toBeCloseTo(adjusted.weight(0, 1), 6);
    expect(plain.explain(0, 1).some((e) => e.feature === 'fields_in_error')).toBe(false);
    // First name and date off: two errors, no bonus.
    expect(adjusted.weight(0, 2) - plain.weight(0, 2)).toBeCloseTo(0, 6);
    // Candidate pairs are scored from their level vectors: the same bonus there.
    const levels = pairLevels(prepared.features, [0, 0], [1, 2]);
    const f = prepared.features.length;
    expect(adjusted.weightFromLevels(levels.levels, 0, 0, 1)).toBeCloseTo(adjusted.weight(0, 1), 6);
    expect(adjusted.weightFromLevels(levels.levels, f, 0, 2)).toBeCloseTo(plain.weight(0, 2), 6);
  });
});
