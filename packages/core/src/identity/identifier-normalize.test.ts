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
    ['phone', '(415) 555-0132', '+14155550132'],
    ['phone', '555', undefined],
    ['phone', 4155550132, '+14155550132'],
    ['twitter', '@AnnLee', 'annlee'],
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
