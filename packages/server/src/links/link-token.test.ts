import { describe, expect, it } from 'vitest';
import { claimedRecipient, recipientIdOf, tokenMatches, tokenOf, tokenStatus } from './link-token.ts';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

describe('recipient tokens', () => {
  const rid = recipientIdOf(SECRET, 'link-1', 'email:ann@example.com');
  const token = tokenOf(SECRET, 'link-1', rid);

  it('carry 2 × 132 bits, no part of the ref, and are stable for (link, ref)', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    expect(token).not.toMatch(/ann|example/i);
    expect(recipientIdOf(SECRET, 'link-1', 'email:ann@example.com')).toBe(rid);
    expect(recipientIdOf(SECRET, 'link-2', 'email:ann@example.com')).not.toBe(rid);
    expect(claimedRecipient(token)).toBe(rid);
  });

  it('fail on any changed character, another link, another secret', () => {
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(tokenMatches(SECRET, 'link-1', changed), `position ${i}`).toBe(false);
    }
    expect(tokenMatches(SECRET, 'link-1', token)).toBe(true);
    expect(tokenMatches(SECRET, 'link-2', token)).toBe(false);
    expect(tokenMatches(`${SECRET}!`, 'link-1', token)).toBe(false);
    expect(tokenMatches(SECRET, 'link-1', `${token}x`)).toBe(false);
  });

  it('read as valid, expired, foreign or invalid', () => {
    const base = { token, expired: false };
    const status = (input: { token: string; expired: boolean; linkId: string; recipientLinkId: string | undefined }) =>
      tokenStatus({ ...input, matches: (linkId) => tokenMatches(SECRET, linkId, input.token) });
    expect(status({ ...base, linkId: 'link-1', recipientLinkId: 'link-1' })).toBe('valid');
    expect(status({ ...base, linkId: 'link-1', recipientLinkId: 'link-1', expired: true })).toBe('expired');
    expect(status({ ...base, linkId: 'link-2', recipientLinkId: 'link-1' })).toBe('foreign');
    expect(status({ ...base, linkId: 'link-1', recipientLinkId: undefined })).toBe('invalid');
    expect(
      status({ ...base, token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, linkId: 'link-1', recipientLinkId: 'link-1' }),
    ).toBe('invalid');
  });
});
