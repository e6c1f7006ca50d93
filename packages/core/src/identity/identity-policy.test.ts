import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, isBlocked, parsePolicy, typePolicy } from './identity-policy.ts';

describe('DEFAULT_POLICY', () => {
  it('orders user_id, email, phone, other, devices, anonymous_id', () => {
    const priority = (type: string): number => typePolicy(DEFAULT_POLICY, type).priority;
    expect(
      ['user_id', 'email', 'phone', 'crm_id', 'twitter', 'some_new_type', 'ios.id', 'push_token', 'anonymous_id'].map(priority),
    ).toEqual([1, 2, 3, 4, 4, 4, 5, 5, 6]);
    expect(typePolicy(DEFAULT_POLICY, 'user_id').limit).toBe(1);
    expect(typePolicy(DEFAULT_POLICY, 'constructor')).toBe(DEFAULT_POLICY.defaultType);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_POLICY.types['email'])).toBe(true);
  });
});

describe('isBlocked', () => {
  it.each(['', 'null', 'NULL', 'Undefined', '0', '000', '-1', '0-0', '   ', '[object Object]', 'NaN', 'TEST@test.com'])(
    'blocks %j',
    (value) => {
      expect(isBlocked(DEFAULT_POLICY, value)).toBe(true);
    },
  );

  it.each(['u1', '10', 'ann@example.com', 'nullable'])('allows %j', (value) => {
    expect(isBlocked(DEFAULT_POLICY, value)).toBe(false);
  });
});

describe('parsePolicy', () => {
  it('returns the defaults for an empty file and for empty sections', () => {
    expect(parsePolicy({})).toEqual({ ok: true, policy: DEFAULT_POLICY });
    const result = parsePolicy({ sources: {}, consent: {}, sharedDevice: {} });
    expect(result).toEqual({ ok: true, policy: DEFAULT_POLICY });
  });

  it('reads traitSources and names the bad field', () => {
    const ok = parsePolicy({ traitSources: { email: ['web', 'ios', '*', 'crm'] } });
    expect(ok.ok && ok.policy.traitSources).toEqual({ email: ['web', 'ios', '*', 'crm'] });
    expect(DEFAULT_POLICY.traitSources).toEqual({});
    const bad = parsePolicy({ traitSources: { email: [], phone: ['web', 'web'], name: ['web', 3], city: 'web' } });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual([
      'traitSources.email',
      'traitSources.phone[1]',
      'traitSources.name[1]',
      'traitSources.city',
    ]);
    const notObject = parsePolicy({ traitSources: ['web'] });
    expect(notObject.ok ? [] : notObject.errors.map((e) => e.path)).toEqual(['traitSources']);
  });

  it('reads identity verification per source, shared-device and consent settings', () => {
    const secret = 'a-long-shared-secret-0123';
    const result = parsePolicy({
      sources: {
        web: { identityVerification: 'hmac', hmacSecret: secret },
        ios: {
          identityVerification: 'jwt',
          jwksUrl: 'https://id.example.com/.well-known/jwks.json',
          issuer: 'https://id.example.com',
          audience: 'kin',
        },
        email: {},
      },
      sharedDevice: { maxUserIds: 5, deviceTypes: ['ios.id'] },
      consent: { onMerge: 'latest', requiredForAnonymousLinking: 'analytics' },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.sources).toEqual({
      web: { identityVerification: 'hmac', hmacSecret: secret },
      ios: {
        identityVerification: 'jwt',
        jwksUrl: 'https://id.example.com/.well-known/jwks.json',
        issuer: 'https://id.example.com',
        audience: 'kin',
      },
      email: { identityVerification: 'off' },
    });
    expect(result.policy.sharedDevice).toEqual({ maxUserIds: 5, deviceTypes: ['ios.id'] });
    expect(result.policy.consent).toEqual({ onMerge: 'latest', requiredForAnonymousLinking: 'analytics' });
  });

  it('reads a phone region per source, upper-cased, and refuses one that is not a region code', () => {
    const result = parsePolicy({
      sources: {
        shop_fr: { defaultPhoneRegion: 'fr' },
        web: { identityVerification: 'hmac', hmacSecret: 'a-long-shared-secret-0123', defaultPhoneRegion: 'GB' },
      },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.sources['shop_fr']).toEqual({ identityVerification: 'off', defaultPhoneRegion: 'FR' });
    expect(result.policy.sources['web']?.defaultPhoneRegion).toBe('GB');
    const bad = parsePolicy({ sources: { a: { defaultPhoneRegion: 'France' } } });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['sources.a.defaultPhoneRegion']);
  });

  it('rejects bad verification settings without quoting secrets', () => {
    const result = parsePolicy({
      sources: {
        a: { identityVerification: 'hmac' },
        b: { identityVerification: 'hmac', hmacSecret: 'short-secret' },
        c: { identityVerification: 'jwt', jwtSecret: 'x'.repeat(20), jwksUrl: 'https://k' },
        d: { identityVerification: 'magic' },
      },
      sharedDevice: { maxUserIds: 0 },
      consent: { onMerge: 'first' },
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => e.path).sort()).toEqual(
      [
        'consent.onMerge',
        'sharedDevice.maxUserIds',
        'sources.a.hmacSecret',
        'sources.b.hmacSecret',
        'sources.c',
        'sources.d.identityVerification',
      ].sort(),
    );
    expect(JSON.stringify(errors)).not.toContain('short-secret');
  });

  it('merges types field by field; new types start from defaultType', () => {
    const result = parsePolicy({
      types: { email: { limit: 2, windowDays: 30 }, loyalty_id: { priority: 2 } },
      defaultType: { limit: 3 },
      blocked: { exact: ['demo'], patterns: ['^test-'] },
      traitIdentifiers: { loyaltyNumber: 'loyalty_id' },
      caps: { maxMerges: 10 },
      defaultPhoneRegion: 'de',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const { policy } = result;
    expect(policy.types['email']).toEqual({ limit: 2, priority: 2, windowDays: 30 });
    expect(policy.types['loyalty_id']).toEqual({ limit: 3, priority: 2 });
    expect(policy.defaultType).toEqual({ limit: 3, priority: 4 });
    expect(policy.caps).toEqual({ maxMerges: 10, maxIdentifiers: 1000 });
    expect(policy.defaultPhoneRegion).toBe('DE');
    expect(policy.traitIdentifiers).toEqual({ loyaltyNumber: 'loyalty_id' });
    expect(isBlocked(policy, 'DEMO')).toBe(true);
    expect(isBlocked(policy, 'test-123')).toBe(true);
    expect(isBlocked(policy, 'null')).toBe(true);
  });

  it('removes a window with windowDays: null', () => {
    const first = parsePolicy({ types: { email: { windowDays: 30 } } });
    expect(first.ok).toBe(true);
    const result = parsePolicy({ types: { email: { windowDays: null } } });
    expect(result.ok && result.policy.types['email']).toEqual({ limit: 5, priority: 2 });
  });

  it('reports every bad value with its path', () => {
    const result = parsePolicy({
      types: { email: { limit: 0, priority: 1.5, windowDays: -1, extra: 1 }, 'Bad Type': {}, phone: 3 },
      defaultType: { limit: '5' },
      blocked: { exact: [1], patterns: ['('] },
      traitIdentifiers: { loyalty: 'Not Valid' },
      caps: { maxIdentifiers: 0 },
      defaultPhoneRegion: 'USA',
      unknownKey: true,
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        'unknownKey',
        'defaultType.limit',
        'types.email.limit',
        'types.email.priority',
        'types.email.windowDays',
        'types.email.extra',
        'types.Bad Type',
        'types.phone',
        'blocked.exact[0]',
        'blocked.patterns[0]',
        'traitIdentifiers.loyalty',
        'caps.maxIdentifiers',
        'defaultPhoneRegion',
      ].sort(),
    );
  });

  it.each([null, [], 'policy'])('rejects a non-object policy %j', (json) => {
    expect(parsePolicy(json)).toEqual({ ok: false, errors: [{ path: '', message: 'policy must be an object' }] });
  });

  it('keeps a __proto__ type as a key', () => {
    const result = parsePolicy(JSON.parse('{"types":{"__proto__":{"limit":2}}}'));
    expect(result.ok && Object.getPrototypeOf(result.policy.types)).toBe(Object.prototype);
    expect(result.ok && typePolicy(result.policy, '__proto__').limit).toBe(2);
  });
});
