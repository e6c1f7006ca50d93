import { describe, expect, it } from 'vitest';
import { GROWTH, MIN_ARRIVALS, modelOutgrown } from './match-model-refresh.ts';

describe('when the incremental matcher learns its model again', () => {
  it('learns when it has no model yet', () => {
    expect(modelOutgrown(undefined, 20_000)).toBe(true);
  });

  it('keeps the model until the store has grown GROWTH times', () => {
    expect(modelOutgrown({ learntOn: 1000, matchedSince: (GROWTH - 1) * 1000 - 1 }, 20_000)).toBe(false);
    expect(modelOutgrown({ learntOn: 1000, matchedSince: (GROWTH - 1) * 1000 }, 20_000)).toBe(true);
  });

  it('waits for MIN_ARRIVALS after a model learnt on a handful of records', () => {
    expect(modelOutgrown({ learntOn: 2, matchedSince: MIN_ARRIVALS - 1 }, 20_000)).toBe(false);
    expect(modelOutgrown({ learntOn: 2, matchedSince: MIN_ARRIVALS }, 20_000)).toBe(true);
  });

  it('never learns again once the model was learnt on a full sample', () => {
    expect(modelOutgrown({ learntOn: 20_000, matchedSince: 1_000_000 }, 20_000)).toBe(false);
  });

  it('learns a store growing from 1,000 to 10,000 records twice, not three times', () => {
    let model: { learntOn: number; matchedSince: number } | undefined;
    let learnt = 0;
    for (let stored = 1000; stored <= 10_000; stored++) {
      if (modelOutgrown(model, 20_000)) {
        model = { learntOn: stored, matchedSince: 0 };
        learnt++;
      }
      model!.matchedSince++;
    }
    expect(learnt).toBe(2);
  });
});
