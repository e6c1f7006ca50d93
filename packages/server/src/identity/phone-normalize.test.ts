import { describe, expect, it } from 'vitest';
import { createPhoneNormalizer } from './phone-normalize.ts';

describe('createPhoneNormalizer', () => {
  const us = createPhoneNormalizer('US');

  it.each([
    ['(415) 555-2671', '+14155552671'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['0033 6 12 34 56 78', '+33612345678'],
    ['00 33 6-12-34-56-78', '+33612345678'],
    ['0044 20 7946 0018', '+442079460018'],
    ['011 33 6 12 34 56 78', '+33612345678'],
  ])('reads %s as %s', (raw, e164) => {
    expect(us(raw)).toBe(e164);
  });

  it('refuses a national number that is not valid in the region instead of inventing an E.164', () => {
    expect(us('06 12 34 56 78')).toBeUndefined();
    expect(us('555-0100')).toBeUndefined();
  });

  it('reads national numbers in the region given per call (a source), else the default', () => {
    expect(us('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(createPhoneNormalizer('FR')('06 12 34 56 78')).toBe('+33612345678');
    expect(us('020 7946 0018', 'gb')).toBe('+442079460018');
    // A number with its country code ignores the region.
    expect(us('+1 415 555 2671', 'FR')).toBe('+14155552671');
  });
});
