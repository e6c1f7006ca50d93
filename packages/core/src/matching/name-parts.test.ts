import { describe, expect, it } from 'vitest';
import { looksLikeOrganisation, organisationName, splitFullName, stripSuffix } from './name-parts.ts';

describe('splitFullName', () => {
  it.each([
    ['Bob Smith', { first: 'bob', last: 'smith' }],
    ['SMITH, Robert James', { first: 'robert', middle: 'james', last: 'smith' }],
    ['Dr. Jane van Dyke', { first: 'jane', last: 'van dyke' }],
    ['Quentin Marlowe-Fitch', { first: 'quentin', last: 'marlowefitch' }],
    ['John Smith Jr.', { first: 'john', last: 'smith', suffix: 'jr' }],
    ['Smith, John III', { first: 'john', last: 'smith', suffix: 'iii' }],
    ['Madonna', { last: 'madonna' }],
    ['  ', {}],
  ])('%s', (raw, parts) => {
    expect(splitFullName(raw)).toEqual(parts);
  });
});

describe('organisations and suffixes', () => {
  it('tells organisations from people by legal form or business word', () => {
    expect(looksLikeOrganisation('Smith Plumbing Ltd')).toBe(true);
    expect(looksLikeOrganisation('Baker & Sons')).toBe(true);
    expect(looksLikeOrganisation('Robert Baker')).toBe(false);
  });

  it('drops legal forms before comparing organisation names', () => {
    expect(organisationName('Baker Motors Ltd.')).toBe(organisationName('Baker Motors Limited'));
    expect(organisationName('Ltd')).toBe('ltd');
  });

  it('keeps a generational suffix apart from the last name', () => {
    expect(stripSuffix('smith jr')).toEqual({ name: 'smith', suffix: 'jr' });
    expect(stripSuffix('smith')).toEqual({ name: 'smith' });
    expect(stripSuffix('jr')).toEqual({ name: 'jr' });
  });
});
