import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareRecords, type MatchRecord } from './comparison-features.ts';
import { estimateU, pairLevels, type FellegiSunterParameters } from './fellegi-sunter.ts';
import { createScorer, valueCounts } from './pair-scorer.ts';

function prepared(lastNames: readonly string[]): ReturnType<typeof prepareRecords> {
  const records: MatchRecord[] = lastNames.map((last, i) => ({ key: `k${i}`, values: { last_name: last } }));
  return prepareRecords(records, detectColumnRoles(['last_name']));
}

describe('createScorer', () => {
  // schmidt ×4, schmitt ×4, schmkdt ×1 (a typo of schmidt).
  const names = ['schmidt', 'schmidt', 'schmidt', 'schmidt', 'schmitt', 'schmitt', 'schmitt', 'schmitt', 'schmkdt'];
  const prep = prepared(names);
  const feature = prep.features[0];
  const params: FellegiSunterParameters = {
    lambda: 0.01,
    features: [
      {
        name: 'last_name',
        levels: feature?.levels ?? [],
        m: [0.7, 0.25, 0.02, 0.02, 0.005, 0.005],
        u: [0.01, 0.005, 0.01, 0.02, 0.001, 0.954],
      },
    ],
  };

  it('counts how many records share each value', () => {
    expect([...valueCounts(feature!, names.length)]).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 1]);
  });

  it('weakens a typo level when both values are common, relative to a typo seen about once', () => {
    const plain = createScorer(prep, params);
    const adjusted = createScorer(prep, params, [[undefined, 0, undefined, undefined, undefined, undefined]]);
    // schmidt–schmkdt: the rarer value is seen once, as typos are: no change.
    expect(adjusted.weight(0, 8)).toBeCloseTo(plain.weight(0, 8));
    // schmidt–schmitt: both seen 4 times, so two real names are likelier than a typo: 2 bits weaker.
    expect(adjusted.weight(0, 4)).toBeCloseTo(plain.weight(0, 4) - 2);
    expect(adjusted.explain(0, 4)[0]?.level).toBe('one-edit');
  });
});

describe('household rule for namesakes', () => {
  const headers = ['first_name', 'last_name', 'postcode', 'phone'];
  const records: MatchRecord[] = [
    { key: 'a', values: { first_name: 'Yorick', last_name: 'Quarrington Sr', postcode: 'ZZ9 9ZZ', phone: '07700900555' } },
    { key: 'b', values: { first_name: 'Yorick', last_name: 'Quarrington', postcode: 'ZZ9 9ZZ', phone: '07700900555' } },
    { key: 'c', values: { first_name: 'Yorick', last_name: 'Quarrington Sr', postcode: 'ZZ9 9ZZ', phone: '07700900555' } },
  ];
  const prep = prepareRecords(records, detectColumnRoles(headers));
  const params: FellegiSunterParameters = {
    lambda: 0.001,
    features: prep.features.map((f) => {
      const n = f.levels.length;
      return {
        name: f.name,
        levels: f.levels,
        m: f.levels.map((_, l) => (l === 0 ? 0.9 : 0.1 / (n - 1))),
        u: f.levels.map((_, l) => (l === n - 1 ? 0.9 : 0.1 / (n - 1))),
      };
    }),
  };
  const scorer = createScorer(prep, params, undefined, { termFrequency: false });
  const raw = (i: number, j: number): { total: number; household: number[] } => {
    const out = new Float64Array(prep.features.length);
    scorer.featureWeights(i, j, out);
    const household = prep.features.flatMap((f, k) =>
      ['last_name', 'postcode', 'phone'].includes(f.name) && (out[k] ?? 0) > 0 ? [out[k] ?? 0] : [],
    );
    return { total: scorer.prior + [...out].filter((x) => !Number.isNaN(x)).reduce((s, x) => s + x, 0), household };
  };

  it('counts shared household fields as one piece of evidence when only one record has a generational suffix', () => {
    const { total, household } = raw(0, 1);
    const sum = household.reduce((s, x) => s + x, 0);
    expect(household.length).toBe(3);
    expect(scorer.weight(0, 1)).toBeCloseTo(total - 0.5 * (sum - Math.max(...household)), 9);
  });
  it('keeps the full evidence when both records carry the same suffix', () => {
    expect(scorer.weight(0, 2)).toBeCloseTo(raw(0, 2).total, 9);
  });
});

describe('estimateU', () => {
  it('counts each random pair by its probability of not matching', () => {
    const prep = prepared(['a', 'a', 'b', 'c']);
    // Pairs (0,1) agree exactly, (0,2) and (2,3) do not; (0,1) is almost surely a match.
    const sample = pairLevels(prep.features, [0, 0, 2], [1, 2, 3]);
    const plain = estimateU(prep.features, sample);
    const weighted = estimateU(prep.features, sample, [], [0.01, 1, 1]);
    const levels = prep.features[0]?.levels.length ?? 0;
    expect(plain.u[0]?.[0]).toBeCloseTo(2 / (3 + levels), 9);
    expect(weighted.u[0]?.[0]).toBeCloseTo(1.01 / (2.01 + levels), 9);
    expect(weighted.seen[0]?.[0]).toBe(1);
  });
});
