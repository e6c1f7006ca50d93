import { describe, expect, it } from 'vitest';
import { fixedClock } from '../ports/clock.ts';
import { createTokenBuckets, takeTokens } from './token-bucket.ts';

const rule = { perSecond: 100, capacity: 500 };

describe('token bucket (fixed clock)', () => {
  it('starts full: a burst of `capacity` is granted at once, the rest refused', () => {
    const first = takeTokens(rule, undefined, 700, 0);
    expect(first).toMatchObject({ granted: 500, remaining: 0, retryAfterSeconds: 1, resetSeconds: 5 });
  });

  it('refills at the rate, never above capacity', () => {
    const empty = takeTokens(rule, undefined, 500, 0).state;
    expect(takeTokens(rule, empty, 1000, 250).granted).toBe(25);
    expect(takeTokens(rule, empty, 1000, 60_000).granted).toBe(500);
  });

  it('grants whole tokens only, and exactly the refilled ones (no float loss)', () => {
    const slow = { perSecond: 10, capacity: 1 };
    let state = takeTokens(slow, undefined, 1, 0).state;
    let granted = 0;
    for (let ms = 100; ms <= 10_000; ms += 100) {
      const take = takeTokens(slow, state, 1, ms);
      granted += take.granted;
      state = take.state;
    }
    expect(granted).toBe(100);
  });

  it('refills nothing when the clock steps back', () => {
    const empty = takeTokens(rule, undefined, 500, 10_000).state;
    expect(takeTokens(rule, empty, 10, 5_000).granted).toBe(0);
  });

  it('1,000 events in one second against 100/s with a 5 s burst: about 600 granted', () => {
    const clock = fixedClock('2026-01-01T00:00:00Z');
    const buckets = createTokenBuckets();
    let granted = 0;
    for (let i = 0; i < 10; i++) {
      granted += buckets.take('web', rule, 100, clock.now().getTime()).granted;
      clock.advance(100);
    }
    // 500 (the burst) + 90 refilled over the 0.9 s between the first and the last request.
    expect(granted).toBe(590);
    const over = buckets.take('web', rule, 100, clock.now().getTime() - 100);
    expect(over).toMatchObject({ granted: 0, retryAfterSeconds: 1 });
  });

  it('keeps one bucket per key and forgets full buckets past its bound', () => {
    const buckets = createTokenBuckets({ maxKeys: 2 });
    buckets.take('a', rule, 500, 0);
    expect(buckets.take('a', rule, 1, 0).granted).toBe(0);
    buckets.take('b', rule, 500, 59_000);
    buckets.take('c', rule, 1, 60_000);
    expect(buckets.size()).toBe(2);
    // "a" was drained at 0 but is full again at 60 s, so it was the one forgotten; "b" (drained at 59 s) is kept.
    expect(buckets.take('b', rule, 500, 60_000).granted).toBe(100);
  });
});
