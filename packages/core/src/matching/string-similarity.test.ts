import { describe, expect, it } from 'vitest';
import { jaro, jaroWinkler, levenshtein, soundex, tokenJaccard, withinOneEdit } from './string-similarity.ts';

describe('jaro / jaroWinkler', () => {
  it('matches published values', () => {
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaro('crate', 'trace')).toBeCloseTo(0.7333, 4);
  });
  it('handles identical, empty and disjoint strings', () => {
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('', 'abc')).toBe(0);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });
  it('is symmetric and unaffected by earlier calls (scratch reuse)', () => {
    const long = 'a'.repeat(200);
    jaro(long, `${long}b`);
    expect(jaroWinkler('marhta', 'martha')).toBeCloseTo(jaroWinkler('martha', 'marhta'), 12);
  });
});

describe('levenshtein', () => {
  it('computes edit distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });
  it('stops early above the bound', () => {
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2);
    expect(levenshtein('abcdef', 'a', 2)).toBe(3);
  });
});

describe('withinOneEdit', () => {
  it.each([
    ['smith', 'smyth', true],
    ['smith', 'smiht', true],
    ['smith', 'smth', true],
    ['smith', 'smitha', true],
    ['smith', 'smote', false],
    ['19781211', '19781121', true],
    ['19781211', '19790211', false],
    ['19781211', '19781212', true],
  ])('%s ~ %s is %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
    expect(withinOneEdit(b, a)).toBe(expected);
  });
});

describe('other comparators', () => {
  it('soundex', () => {
    expect(soundex('Robert')).toBe('R163');
    expect(soundex('Rupert')).toBe('R163');
    expect(soundex('Ashcraft')).toBe('A261');
    expect(soundex('Tymczak')).toBe('T522');
    expect(soundex('')).toBe('');
  });
  it('tokenJaccard', () => {
    expect(tokenJaccard('south east asia center', 'asia center south')).toBeCloseTo(0.75);
  });
});

describe('jaroWinkler with a floor', () => {
  it('equals the full similarity at or above the floor and 0 only below it', () => {
    const words = [
      'martha',
      'marhta',
      'dwayne',
      'duane',
      'dixon',
      'dicksonx',
      'jones',
      'johnson',
      'smith',
      'smyth',
      'a',
      'ab',
      'abcdefgh',
      'xbcdefgy',
      'robert',
      'rupert',
    ];
    for (const a of words)
      for (const b of words)
        for (const floor of [0.7, 0.8, 0.92]) {
          const full = jaroWinkler(a, b);
          const bounded = jaroWinkler(a, b, floor);
          if (full >= floor) expect(bounded).toBeCloseTo(full, 12);
          else expect(bounded).toBeLessThan(floor);
        }
  });
});

describe('tokenJaccard', () => {
  it('counts distinct shared tokens', () => {
    expect(tokenJaccard('a b c', 'c b d')).toBeCloseTo(0.5);
    expect(tokenJaccard('a a b', 'a')).toBeCloseTo(0.5);
    expect(tokenJaccard('', 'a')).toBe(0);
  });
});
