import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdentifierNormalizer, normalizeIdentifierType } from './identifier-normalize.ts';

const normalize = createIdentifierNormalizer({
  normalizePhone: (raw) => {
    const digits = raw.replace(/\D/g, '');
    return digits.length >= 10 ? `+${digits.length === 10 ? `1${digits}` : digits}` : undefined;
  },
});

describe('normalizeIdentifierType', () => {
  it.each([
    ['Email', 'email'],
    [' ios.ID ', 'ios.id'],
    ['crm-id_2', 'crm-id_2'],
    ['', undefined],
    ['has space', undefined],
    ['a'.repeat(65), undefined],
    ['émail', undefined],
  ])('%s → %s', (raw, type) => {
    expect(normalizeIdentifierType(raw)).toBe(type);
  });
});

describe('createIdentifierNormalizer', () => {
  it.each([
    ['email', ' Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['email', 'no-at-sign', undefined],
    ['email', 'two@@example.com', undefined],
    ['email', '@example.com', undefined],
    ['email', 'ann@', undefined],
    ['email', 'ann lee@example.com', undefined],
    ['email', 'zo\u00eb@example.com', 'zo\u00eb@example.com'],
    ['email', 'zoe\u0308@example.com', 'zo\u00eb@example.com'],
    ['email', 'ann\uff20example.com', 'ann@example.com'],
    ['email', '\uff21nn@\uff45xample.com', 'ann@example.com'],
    ['email', 'ann\uff20\uff20example.com', undefined],
    ['phone', '(415) 555-0132', '+14155550132'],
    ['phone', '555', undefined],
    ['phone', 4155550132, '+14155550132'],
    ['twitter', '@AnnLee', 'annlee'],
    ['twitter', '\uff20AnnLee', 'annlee'],
    ['X', '@@AnnLee', 'annlee'],
    ['instagram', '@', undefined],
    ['user_id', '  User-42 ', 'User-42'],
    ['user_id', 42, '42'],
    ['user_id', '   ', undefined],
    ['user_id', {}, undefined],
    ['user_id', ['a'], undefined],
    ['user_id', true, undefined],
    ['user_id', Number.NaN, undefined],
    ['bad type!', 'x', undefined],
  ])('%s %s → %s', (type, raw, value) => {
    expect(normalize(type, raw)).toBe(value);
  });
});

describe('createIdentifierNormalizer: context', () => {
  it('passes the phone region of the context to the phone normaliser, and NFKC-normalised text', () => {
    const seen: Array<[string, string | undefined]> = [];
    const withRegion = createIdentifierNormalizer({
      normalizePhone: (raw, region) => {
        seen.push([raw, region]);
        return '+1';
      },
    });
    withRegion('phone', '０６ 12', { phoneRegion: 'FR' });
    withRegion('phone', '06 12');
    expect(seen).toEqual([
      ['06 12', 'FR'],
      ['06 12', undefined],
    ]);
  });

  it('gives NFC and NFD spellings of any email one identifier (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'é', 'e\u0301', 'ö', 'o\u0308', 'ñ', 'Å', '\u212b', 'x'), minLength: 1, maxLength: 8 }),
        (local) => {
          const nfc = normalize('email', `${local.normalize('NFC')}@example.com`);
          expect(normalize('email', `${local.normalize('NFD')}@example.com`)).toBe(nfc);
        },
      ),
    );
  });
});
