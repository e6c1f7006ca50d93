import { describe, expect, it } from 'vitest';
import { decorate } from './port-decorator.ts';

interface Counter {
  readonly name: string;
  count: number;
  add(n: number): number;
  total(): Promise<number>;
}

/** A port built the way the stores are: an object literal whose methods use its closure, one of them inherited. */
function counter(): Counter {
  let sum = 0;
  const base = { total: () => Promise.resolve(sum) };
  return Object.assign(Object.create(base) as Counter, { name: 'c', count: 0, add: (n: number) => (sum += n) });
}

describe('decorate', () => {
  it('forwards every method (inherited ones too) to the inner port and copies its values', async () => {
    const inner = counter();
    const outer = decorate(inner, {});
    expect(outer.add(2)).toBe(2);
    expect(outer.add(3)).toBe(5);
    expect(await outer.total()).toBe(5);
    expect(outer.name).toBe('c');
    expect(Object.getPrototypeOf(outer)).toBe(Object.prototype);
  });

  it('runs every forwarded call through `around`, and never the overrides', async () => {
    const inner = counter();
    const calls: unknown[] = [];
    const outer = decorate(inner, {
      around(call) {
        const result = call();
        calls.push(result);
        return result instanceof Promise ? result.then((n: unknown) => Number(n) * 10) : result;
      },
      overrides: { add: (n) => inner.add(n * 2) },
    });
    expect(outer.add(4)).toBe(8);
    expect(calls).toEqual([]);
    expect(await outer.total()).toBe(80);
    expect(calls).toHaveLength(1);
  });
});
