import { describe, expect, it } from 'vitest';
import { createEvaluationMemo } from './evaluation-memo.ts';

describe('evaluation memo', () => {
  it('skips only a profile evaluated on the same inputs, before its next change', () => {
    const memo = createEvaluationMemo();
    expect(memo.unchanged('p', 'a', 0)).toBe(false);
    memo.remember('p', { inputs: 'a', nextChangeAt: 1000 });
    expect(memo.unchanged('p', 'a', 999)).toBe(true);
    expect(memo.unchanged('p', 'a', 1000)).toBe(false);
    expect(memo.unchanged('p', 'b', 0)).toBe(false);
    memo.remember('q', { inputs: 'a', nextChangeAt: undefined });
    expect(memo.unchanged('q', 'a', Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('forgets named profiles, everything on clear, and the least recently evaluated past its size', () => {
    const memo = createEvaluationMemo(2);
    memo.remember('p', { inputs: 'a', nextChangeAt: undefined });
    memo.remember('q', { inputs: 'a', nextChangeAt: undefined });
    memo.forget(['p']);
    expect(memo.unchanged('p', 'a', 0)).toBe(false);
    expect(memo.unchanged('q', 'a', 0)).toBe(true);
    memo.remember('r', { inputs: 'a', nextChangeAt: undefined });
    memo.remember('s', { inputs: 'a', nextChangeAt: undefined });
    expect(memo.unchanged('q', 'a', 0)).toBe(false);
    expect(memo.unchanged('s', 'a', 0)).toBe(true);
    memo.clear();
    expect(memo.unchanged('s', 'a', 0)).toBe(false);
  });
});
