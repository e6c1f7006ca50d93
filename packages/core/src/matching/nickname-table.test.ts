import { describe, expect, it } from 'vitest';
import { areNicknames, canonicalGivenName, nicknameGroups } from './nickname-table.ts';

describe('nickname table', () => {
  it('links common English short forms', () => {
    expect(areNicknames('bob', 'robert')).toBe(true);
    expect(areNicknames('rob', 'bobby')).toBe(true);
    expect(areNicknames('bill', 'william')).toBe(true);
    expect(areNicknames('peggy', 'margaret')).toBe(true);
  });
  it('does not link unrelated names', () => {
    expect(areNicknames('bob', 'william')).toBe(false);
    expect(areNicknames('zoe', 'zara')).toBe(false);
  });
  it('handles names in several groups and gives canonical blocking keys', () => {
    expect(nicknameGroups('chris').length).toBeGreaterThan(1);
    expect(areNicknames('chris', 'christopher')).toBe(true);
    expect(areNicknames('chris', 'christine')).toBe(true);
    expect(canonicalGivenName('bobby')).toBe('robert');
    expect(canonicalGivenName('zoe')).toBe('zoe');
  });
});
