import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/mulberry32.ts';
import { scanJson, textProblem } from './json-scan.ts';
import { utf8Length } from './utf8-length.ts';

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  const chars = ['a', 'é', '€', '😀', '"', '\\', '\n', '\u0001', ' '];
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

/** The reference answer, written the slow and obvious way. */
function hasUnstorableText(text: string): boolean {
  if (text.includes('\0')) return true;
  return !(text as string & { isWellFormed(): boolean }).isWellFormed();
}

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe('scanJson: size bound', () => {
  it('is never below the UTF-8 size of the JSON text', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 5000; i++) {
      const value = { type: 'track', properties: randomValue(random, 0), context: randomValue(random, 0) };
      const exact = utf8Length(JSON.stringify(value));
      const scan = scanJson(value);
      expect(scan.problem).toBeUndefined();
      expect(scan.bound).toBeGreaterThanOrEqual(exact);
    }
  });

  it('gives no bound for what only serialising can tell: BigInt, toJSON, class instances', () => {
    expect(scanJson({ n: 1n }).bound).toBeUndefined();
    expect(scanJson({ toJSON: () => 'x'.repeat(10_000) }).bound).toBeUndefined();
    expect(scanJson({ at: new Date() }).bound).toBeUndefined();
    expect(scanJson({ ok: 'yes' }).bound).toBeGreaterThan(0);
  });
});

describe('scanJson: what no store can keep', () => {
  it('textProblem agrees with isWellFormed and a NUL search on any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }), (text) => {
        expect(textProblem(text) !== undefined).toBe(hasUnstorableText(text));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '\0', '\ud800', '\udc00', '😀', 'é')), (chars) => {
        const text = chars.join('');
        expect(textProblem(text) !== undefined).toBe(hasUnstorableText(text));
      }),
    );
  });

  it('finds a bad string or key anywhere and names its path (property)', () => {
    const bad = fc.constantFrom('x\0y', '\ud800', 'a\udfff', '\udc00\ud800');
    const key = fc.string({ minLength: 1, maxLength: 5 }).filter((k) => !hasUnstorableText(k) && k !== '__proto__');
    fc.assert(
      fc.property(fc.array(fc.oneof(key, fc.nat(3)), { minLength: 1, maxLength: 10 }), bad, fc.boolean(), (path, text, inKey) => {
        // Build { p0: { p1: [ ... text ] } } along `path` (numbers become array indices).
        let value: unknown = inKey ? { [text]: 1 } : text;
        for (let i = path.length - 1; i >= 0; i--) {
          const segment = path[i]!;
          if (typeof segment === 'number') {
            const array: unknown[] = Array.from({ length: segment }, () => 'ok');
            array.push(value);
            value = array;
          } else value = Object.fromEntries([[segment, value]]);
        }
        const scan = scanJson(value);
        const expected = inKey ? [...path, text] : path;
        expect(scan.problem?.path).toEqual(expected);
        expect(scan.problem?.kind).toBe(text.includes('\0') ? 'nul' : 'lone_surrogate');
      }),
      { numRuns: 500 },
    );
  });

  it('accepts well-formed text: emoji pairs, U+FFFD, controls other than NUL', () => {
    expect(scanJson({ a: '😀 \ufffd \u0001 é', '😀': ['\ud83d\ude00'] }).problem).toBeUndefined();
  });

  it('skips unchecked top-level keys but checks them below the top', () => {
    const unchecked = (key: string) => key === 'writeKey';
    expect(scanJson({ writeKey: 'a\0' }, { unchecked }).problem).toBeUndefined();
    expect(scanJson({ traits: { writeKey: 'a\0' } }, { unchecked }).problem?.path).toEqual(['traits', 'writeKey']);
  });

  it('stops at maxDepth levels without recursing further, even 100,000 deep or a cycle', () => {
    expect(scanJson(nested(63)).problem).toBeUndefined();
    expect(scanJson(nested(64)).problem).toBeUndefined();
    expect(scanJson(nested(65)).problem).toEqual({ kind: 'too_deep', path: Array.from({ length: 64 }, () => 'a') });
    expect(scanJson(nested(100_000)).problem?.kind).toBe('too_deep');
    expect(scanJson(nested(5), { maxDepth: 4 }).problem?.kind).toBe('too_deep');
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(scanJson(cycle).problem?.kind).toBe('too_deep');
    let array: unknown = [];
    for (let i = 0; i < 100; i++) array = [array];
    expect(scanJson({ list: array }).problem?.path.slice(0, 2)).toEqual(['list', 0]);
  });
});
