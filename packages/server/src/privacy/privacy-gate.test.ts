import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { ApiError } from '../http/error-catalog.ts';
import { normalizerFor } from '../identity/policy-load.ts';
import { createPrivacyGate, eventKeys } from './privacy-gate.ts';
import { createPrivacyKeyer } from './privacy-keys.ts';
import { memoryPrivacyList } from './privacy-list.ts';
import type { PrivacyList } from './privacy-list.ts';

const keyer = createPrivacyKeyer('a-test-secret-of-16+');
const base = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY), keyer };
const T = '2026-11-01T10:00:00.000Z';
const ev = (e: Record<string, unknown>) => ({ messageId: 'm', timestamp: T, receivedAt: T, ...e }) as TrackingEvent;

describe('privacy keys and gate', () => {
  it('keys are keyed: the same identifier gives the same key under one secret, another under another', () => {
    const id = { type: 'email', value: 'ann@example.com' };
    expect(keyer.keyOf(id)).toMatch(/^email\.[0-9a-f]{64}$/);
    expect(keyer.keyOf(id)).toBe(createPrivacyKeyer('a-test-secret-of-16+').keyOf(id));
    expect(keyer.keyOf(id)).not.toBe(createPrivacyKeyer('another-secret-of-16').keyOf(id));
    expect(() => createPrivacyKeyer('short')).toThrow(/16 characters/);
  });

  it('finds every identifier an event carries: ids, normalised trait email and phone, device ids, an alias previousId', () => {
    const keys = eventKeys(
      ev({ type: 'identify', userId: 'u1', traits: { email: ' Ann@Example.com ' }, context: { device: { id: 'd1', type: 'ios' } } }),
      base,
    );
    expect(keys).toEqual(
      expect.arrayContaining([
        keyer.keyOf({ type: 'user_id', value: 'u1' }),
        keyer.keyOf({ type: 'email', value: 'ann@example.com' }),
        keyer.keyOf({ type: 'ios.id', value: 'd1' }),
      ]),
    );
    expect(eventKeys(ev({ type: 'alias', userId: 'u2', previousId: 'old' }), base)).toEqual(
      expect.arrayContaining([keyer.keyOf({ type: 'anonymous_id', value: 'old' })]),
    );
  });

  it('drops and counts the events of listed people; waits for what passed before; fails closed', async () => {
    const counted: number[] = [];
    const list = memoryPrivacyList([keyer.keyOf({ type: 'anonymous_id', value: 'gone' })]);
    const gate = createPrivacyGate({ ...base, list, count: async (n) => void counted.push(n) });
    const out = await gate.filter([
      ev({ type: 'track', event: 'A', anonymousId: 'gone' }),
      ev({ type: 'track', event: 'B', anonymousId: 'kept' }),
    ]);
    expect([out.kept.map((e) => e.event), out.suppressed, counted]).toEqual([['B'], 1, [1]]);

    let release: () => void = () => undefined;
    const slow = gate.pass(
      [ev({ type: 'track', event: 'C', anonymousId: 'kept' })],
      () => new Promise<string>((r) => (release = () => r('written'))),
    );
    await new Promise((r) => setTimeout(r, 0));
    let settled = false;
    const waiting = gate.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(await slow).toBe('written');

    const unreadable: PrivacyList = { ...memoryPrivacyList(), readable: () => false };
    const closed = createPrivacyGate({ ...base, list: unreadable, count: async () => undefined });
    await expect(closed.filter([ev({ type: 'track', event: 'D', anonymousId: 'x' })])).rejects.toMatchObject({
      code: 'service_unavailable',
    } satisfies Partial<ApiError>);
  });
});
