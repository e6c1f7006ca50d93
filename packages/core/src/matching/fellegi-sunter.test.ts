import { describe, expect, it } from 'vitest';
import { detectColumnRoles } from './column-roles.ts';
import { prepareRecords, type MatchRecord } from './comparison-features.ts';
import { createScorer, valueCounts, type FellegiSunterParameters } from './fellegi-sunter.ts';

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
    features: [{ name: 'last_name', levels: feature?.levels ?? [], m: [0.7, 0.25, 0.02, 0.02, 0.005, 0.005], u: [0.01, 0.005, 0.01, 0.02, 0.001, 0.954] }],
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
