import { describe, expect, it } from 'vitest';
import { createFollowerLoop, type FollowerLoopOptions, type FollowerTimers } from './follower-loop.ts';

/** Timers the test fires by hand: each pending timeout with the delay the loop asked for, and a clock turns advance. */
function manualTimers(): FollowerTimers & {
  pending: { fn: () => void; ms: number }[];
  delays: number[];
  advance(ms: number): void;
  fire(): void;
} {
  let now = 0;
  const pending: { fn: () => void; ms: number }[] = [];
  const delays: number[] = [];
  return {
    pending,
    delays,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    setTimeout(fn, ms) {
      const entry = { fn, ms };
      pending.push(entry);
      delays.push(ms);
      return entry;
    },
    clearTimeout(handle) {
      const at = pending.indexOf(handle as { fn: () => void; ms: number });
      if (at >= 0) pending.splice(at, 1);
    },
    fire() {
      const next = pending.shift();
      if (!next) throw new Error('no timer pending');
      next.fn();
    },
  };
}

/** A promise the test resolves. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function loopOf(turns: ((timers: ReturnType<typeof manualTimers>) => Promise<boolean>)[], options: Partial<FollowerLoopOptions> = {}) {
  const timers = manualTimers();
  const errors: unknown[] = [];
  let calls = 0;
  const loop = createFollowerLoop({
    turn: () => {
      const step = turns[Math.min(calls++, turns.length - 1)]!;
      return step(timers);
    },
    pollMs: 250,
    errorPauseMs: 2500,
    onError: (error) => errors.push(error),
    timers,
    ...options,
  });
  return { loop, timers, errors, calls: () => calls };
}

describe('createFollowerLoop', () => {
  it('starts on the next timer tick, goes on at once while work waits and polls when idle', async () => {
    const { loop, timers, calls } = loopOf([async () => true, async () => false]);
    loop.start();
    loop.start(); // a second start is a no-op
    expect(timers.delays).toEqual([0]);
    expect(calls()).toBe(0);
    timers.fire();
    await settle();
    timers.fire();
    await settle();
    expect(calls()).toBe(2);
    expect(timers.delays).toEqual([0, 0, 250]);
    await loop.stop();
  });

  it('with immediateStart, runs the first turn within start', async () => {
    const { loop, timers, calls } = loopOf([async () => false], { immediateStart: true });
    loop.start();
    await settle();
    expect(calls()).toBe(1);
    expect(timers.delays).toEqual([250]);
    await loop.stop();
  });

  it('pauses as long as the turn worked, times dutyPause, capped at maxPauseMs', async () => {
    const work = (ms: number, more: boolean) => async (t: ReturnType<typeof manualTimers>) => {
      t.advance(ms);
      return more;
    };
    const { loop, timers } = loopOf([work(120, true), work(900, true), work(40, false), work(400, false)], {
      dutyPause: 1,
      maxPauseMs: 500,
    });
    loop.start();
    for (let i = 0; i < 4; i++) {
      timers.fire();
      await settle();
    }
    // 120 ms of work: 120 ms pause; 900 ms: the 500 ms cap; idle after 40 ms: pollMs; idle after 400 ms: 400.
    expect(timers.delays).toEqual([0, 120, 500, 250, 400]);
    await loop.stop();

    const half = loopOf([work(200, true)], { dutyPause: 0.5 });
    half.loop.start();
    half.timers.fire();
    await settle();
    expect(half.timers.delays).toEqual([0, 100]);
    await half.loop.stop();

    const none = loopOf([work(200, true)]);
    none.loop.start();
    none.timers.fire();
    await settle();
    expect(none.timers.delays).toEqual([0, 0]);
    await none.loop.stop();
  });

  it('stop waits for the running turn and schedules nothing after it', async () => {
    const gate = deferred<boolean>();
    const { loop, timers } = loopOf([() => gate.promise]);
    loop.start();
    timers.fire();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve(true);
    await stopping;
    expect(stopped).toBe(true);
    expect(timers.pending).toEqual([]);
  });

  it('stop before the first tick cancels it: no turn runs', async () => {
    const { loop, timers, calls } = loopOf([async () => true]);
    loop.start();
    await loop.stop();
    expect(timers.pending).toEqual([]);
    expect(calls()).toBe(0);
  });

  it('an error in a background turn is told and paused on; the loop goes on', async () => {
    const failure = new Error('database away');
    const { loop, timers, errors, calls } = loopOf([
      async () => {
        throw failure;
      },
      async () => false,
    ]);
    loop.start();
    timers.fire();
    await settle();
    expect(errors).toEqual([failure]);
    expect(timers.delays).toEqual([0, 2500]);
    timers.fire();
    await settle();
    expect(calls()).toBe(2);
    expect(timers.delays).toEqual([0, 2500, 250]);
    await loop.stop();
  });

  it('drain waits for the running turn, calls before, then runs turns until none is left', async () => {
    const gate = deferred<boolean>();
    const order: string[] = [];
    let left = 3;
    const { loop, timers } = loopOf([
      async () => {
        order.push('background');
        return gate.promise;
      },
      async () => {
        order.push('drain');
        return --left > 0;
      },
    ]);
    loop.start();
    timers.fire();
    await settle();
    const draining = loop.drain({ before: () => order.push('before') });
    await settle();
    expect(order).toEqual(['background']);
    gate.resolve(false);
    await draining;
    expect(order).toEqual(['background', 'before', 'drain', 'drain', 'drain']);
    await loop.stop();
  });

  it('drain stops at maxTurns and lets a turn error through', async () => {
    const { loop, calls } = loopOf([async () => true]);
    await loop.drain({ maxTurns: 5 });
    expect(calls()).toBe(5);
    const failing = loopOf([
      async () => {
        throw new Error('bad turn');
      },
    ]);
    await expect(failing.loop.drain()).rejects.toThrow('bad turn');
    expect(failing.errors).toEqual([]);
  });

  it('never runs two turns at once, even when a drain meets a background turn', async () => {
    let inTurn = 0;
    let most = 0;
    const timers = manualTimers();
    let n = 0;
    const loop = createFollowerLoop({
      turn: async () => {
        inTurn++;
        most = Math.max(most, inTurn);
        await settle();
        inTurn--;
        return ++n < 6;
      },
      pollMs: 250,
      errorPauseMs: 2500,
      onError: () => undefined,
      timers,
    });
    loop.start();
    const draining = loop.drain();
    timers.fire(); // the background turn starts while the drain runs
    await draining;
    await loop.stop();
    expect(n).toBeGreaterThanOrEqual(6);
    expect(most).toBe(1);
  });
});
