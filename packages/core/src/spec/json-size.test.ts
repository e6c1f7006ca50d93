import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/mulberry32.ts';
import { jsonSizeBound } from './json-size.ts';
import { utf8Length } from './utf8-length.ts';

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  const chars = ['a', 'é', '€', '😀', '"', '\\', '\n', '\u0001', '\ud800', ' '];
  const text = () => Array.from({ length: Math.floor(random() * 12) }, () => chars[Math.floor(random() * chars.length)]).join('');
  switch (pick) {
    case 0:
      return text();
    case 1:
      return [1e21, -0.000001234, 123456789012, Math.PI, -1, 0][Math.floor(random() * 6)];
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(), randomValue(random, depth + 1)]));
  }
}

describe('jsonSizeBound', () => {
  it('is never below the UTF-8 size of the JSON text', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 5000; i++) {
      const value = { type: 'track', properties: randomValue(random, 0), context: randomValue(random, 0) };
      const exact = utf8Length(JSON.stringify(value));
      const bound = jsonSizeBound(value, Number.MAX_SAFE_INTEGER);
      expect(bound).toBeGreaterThanOrEqual(exact);
    }
  });

  it('gives up on what only serialising can tell: past the budget, BigInt, cycles, toJSON, class instances', () => {
    expect(jsonSizeBound({ bio: 'x'.repeat(100) }, 500)).toBeUndefined();
    expect(jsonSizeBound({ n: 1n }, 1e6)).toBeUndefined();
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(jsonSizeBound(cycle, 1e9)).toBeUndefined();
    expect(jsonSizeBound({ toJSON: () => 'x'.repeat(10_000) }, 1e6)).toBeUndefined();
    expect(jsonSizeBound({ at: new Date() }, 1e6)).toBeUndefined();
    expect(jsonSizeBound({ ok: 'yes' }, 1e6)).toBeGreaterThan(0);
  });
});
