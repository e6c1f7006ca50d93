import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from './identity-policy.ts';

const pathsOf = (json: unknown) => {
  const result = parsePolicy(json);
  return result.ok ? [] : result.errors.map((e) => e.path).sort();
};

describe('policy: privacy.ip', () => {
  it('truncates by default and reads drop, truncate and keep', () => {
    expect(DEFAULT_POLICY.privacy.ip).toBe('truncate');
    for (const ip of ['drop', 'truncate', 'keep'] as const) {
      const result = parsePolicy({ privacy: { ip } });
      expect(result.ok && result.policy.privacy.ip).toBe(ip);
    }
  });

  it('names a bad mode and an unknown key', () => {
    expect(pathsOf({ privacy: { ip: 'hash', other: 1 } })).toEqual(['privacy.ip', 'privacy.other']);
    expect(pathsOf({ privacy: 'drop' })).toEqual(['privacy']);
  });
});

describe('policy: sources.<name>.rateLimit', () => {
  it('reads a limit (burst 5 s by default) and "off"', () => {
    const result = parsePolicy({
      sources: {
        web: { rateLimit: { eventsPerSecond: 100 } },
        backfill: { rateLimit: 'off' },
        app: {
          identityVerification: 'hmac',
          hmacSecret: 'a-long-shared-secret-0123',
          rateLimit: { eventsPerSecond: 10, burstSeconds: 60 },
        },
      },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.sources['web']).toEqual({ identityVerification: 'off', rateLimit: { eventsPerSecond: 100, burstSeconds: 5 } });
    expect(result.policy.sources['backfill']?.rateLimit).toBe('off');
    expect(result.policy.sources['app']?.rateLimit).toEqual({ eventsPerSecond: 10, burstSeconds: 60 });
  });

  it('names each bad setting', () => {
    expect(
      pathsOf({
        sources: {
          a: { rateLimit: { eventsPerSecond: 0 } },
          b: { rateLimit: { eventsPerSecond: 5, burstSeconds: 1.5, perMinute: 1 } },
          c: { rateLimit: 100 },
        },
      }),
    ).toEqual(
      [
        'sources.a.rateLimit.eventsPerSecond',
        'sources.b.rateLimit.burstSeconds',
        'sources.b.rateLimit.perMinute',
        'sources.c.rateLimit',
      ].sort(),
    );
  });
});
