import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyStatus, DEFAULT_RETRY_POLICY } from './retry-policy.ts';

describe('backoffDelay', () => {
  it('doubles from the base, half fixed and half jitter', () => {
    const policy = { baseMs: 1_000, maxMs: 8_000, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, 0.5))).toEqual([750, 1_500, 3_000, 6_000, 6_000]);
  });

  it('stays within [ceiling/2, ceiling]', () => {
    expect(backoffDelay(3, DEFAULT_RETRY_POLICY, 0)).toBe(2_000);
    expect(backoffDelay(3, DEFAULT_RETRY_POLICY, 0.999999)).toBe(4_000);
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [0, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'drop'],
    [401, 'drop'],
    [413, 'drop'],
  ] as const)('HTTP %i is %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});
