/**
 * Runs tasks one at a time, in arrival order. Why: a store with one writer connection must never let a
 * second write slip into an open transaction between two awaits of the first.
 */
export interface WriteQueue {
  run<T>(task: () => T | Promise<T>): Promise<T>;
}

/** Creates an empty queue. */
export function createWriteQueue(): WriteQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => T | Promise<T>): Promise<T> {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
