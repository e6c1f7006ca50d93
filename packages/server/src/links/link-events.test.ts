import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkHit } from './link-events.ts';
import { visitorOf } from './link-events.ts';

const link: LinkRecord = { id: 'l-1', code: 'sale', url: 'https://shop.example/sale', tags: [], createdAt: '2026-12-01T00:00:00.000Z' };
const hit = (ip: string | undefined, userAgent: string | undefined, token: LinkHit['token'] = 'none'): LinkHit => ({
  clickId: 'c-1',
  kind: 'get',
  link,
  at: '2026-12-06T00:00:00.000Z',
  token,
  machine: undefined,
  recipient: { id: 'r-1', ref: { type: 'email', value: 'ann@example.com' } },
  ...(ip !== undefined ? { ip } : {}),
  ...(userAgent !== undefined ? { userAgent } : {}),
});
const hashed = (ip: string | undefined, userAgent: string | undefined): string =>
  `v:${createHash('sha256')
    .update(`${ip ?? ''}\u0000${userAgent ?? ''}`)
    .digest('base64url')
    .slice(0, 16)}`;

describe('the visitor of a hit', () => {
  it('is the hash of address and agent whatever came before (the last one is reused only when both are the same)', () => {
    const seq: Array<[string | undefined, string | undefined]> = [
      ['10.0.0.0', 'A'],
      ['10.0.0.0', 'A'],
      ['10.0.0.0', 'B'],
      ['10.0.1.0', 'B'],
      [undefined, 'B'],
      [undefined, undefined],
      ['10.0.0.0', 'A'],
    ];
    for (const [ip, agent] of seq) expect(visitorOf(hit(ip, agent))).toBe(hashed(ip, agent));
  });

  it('is the recipient for a valid token, and the hash again right after', () => {
    expect(visitorOf(hit('10.0.0.0', 'A', 'valid'))).toBe('r:r-1');
    expect(visitorOf(hit('10.0.0.0', 'A'))).toBe(hashed('10.0.0.0', 'A'));
    expect(visitorOf(hit('10.0.0.0', 'A', 'valid'))).toBe('r:r-1');
  });
});
