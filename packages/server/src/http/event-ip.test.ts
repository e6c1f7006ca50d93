import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { createTestApp } from '../testing/app-harness.ts';
import { withIpPolicy } from './event-ip.ts';

const event = (context?: Record<string, unknown>): TrackingEvent =>
  ({
    type: 'track',
    event: 'Viewed',
    anonymousId: 'a1',
    messageId: 'm1',
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
    ...(context ? { context } : {}),
  }) as TrackingEvent;

describe('withIpPolicy', () => {
  it('truncates v4 and v6 addresses and keeps the rest of the context', () => {
    expect(withIpPolicy(event({ ip: '203.0.113.77', locale: 'fr' }), 'truncate').context).toEqual({ ip: '203.0.113.0', locale: 'fr' });
    expect(withIpPolicy(event({ ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348' }), 'truncate').context).toEqual({ ip: '2001:db8:85a3::' });
  });

  it('drops the address under drop, and anything that is not an address under truncate', () => {
    expect(withIpPolicy(event({ ip: '203.0.113.77', locale: 'fr' }), 'drop').context).toEqual({ locale: 'fr' });
    expect(withIpPolicy(event({ ip: 'ann@example.com' }), 'truncate').context).toEqual({});
    expect(withIpPolicy(event({ ip: 42 }), 'truncate').context).toEqual({});
  });

  it('leaves events without an address, and every event under keep, untouched', () => {
    const none = event({ locale: 'fr' });
    expect(withIpPolicy(none, 'drop')).toBe(none);
    const bare = event();
    expect(withIpPolicy(bare, 'truncate')).toBe(bare);
    const kept = event({ ip: '203.0.113.77' });
    expect(withIpPolicy(kept, 'keep')).toBe(kept);
  });
});

describe('the stored event holds what privacy.ip keeps', () => {
  const storedContexts = async (env: Record<string, string> = {}) => {
    const kin = await createTestApp({ env });
    try {
      expect(
        (await kin.track('/v1/track', { event: 'Viewed', anonymousId: 'a-ip', context: { ip: '198.51.100.23', locale: 'fr' } })).status,
      ).toBe(200);
      // The batch envelope's context reaches each item (core batch-read.ts) and is cut the same way.
      const batch = { context: { ip: '2001:db8:1:2:3:4:5:6' }, batch: [{ type: 'page', name: 'Home', anonymousId: 'a-ip' }] };
      expect((await kin.track('/v1/batch', batch)).status).toBe(200);
      const page = (await (await kin.admin('/v1/profiles/anonymous_id:a-ip/events')).json()) as {
        data: Array<{ type: string; context?: Record<string, unknown> }>;
      };
      return Object.fromEntries(page.data.map((e) => [e.type, e.context]));
    } finally {
      await kin.close();
    }
  };

  it('truncates by default (embedded and collector edge alike: the tracking routes cut it)', async () => {
    expect(await storedContexts()).toEqual({ track: { ip: '198.51.100.0', locale: 'fr' }, page: { ip: '2001:db8:1::' } });
  });

  it('drops it under privacy.ip "drop", keeps it whole under "keep"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-ip-'));
    try {
      const file = (ip: string) => {
        const path = join(dir, `${ip}.json`);
        writeFileSync(path, JSON.stringify({ privacy: { ip } }));
        return path;
      };
      expect(await storedContexts({ KIN_POLICY: file('drop') })).toEqual({ track: { locale: 'fr' }, page: {} });
      expect(await storedContexts({ KIN_POLICY: file('keep') })).toEqual({
        track: { ip: '198.51.100.23', locale: 'fr' },
        page: { ip: '2001:db8:1:2:3:4:5:6' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
