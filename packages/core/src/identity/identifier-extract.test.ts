import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../spec/event-types.ts';
import { prepareEvent } from './identifier-extract.ts';
import { createIdentifierNormalizer } from './identifier-normalize.ts';
import { DEFAULT_POLICY, parsePolicy } from './identity-policy.ts';

const normalize = createIdentifierNormalizer({
  normalizePhone: (raw) => (/^\+\d{8,15}$/.test(raw.replace(/[\s-]/g, '')) ? raw.replace(/[\s-]/g, '') : undefined),
});
const at = '2024-05-14T10:00:00.000Z';

function event(fields: Partial<TrackingEvent>): TrackingEvent {
  return { type: 'track', event: 'E', messageId: 'm1', timestamp: at, receivedAt: at, ...fields };
}

describe('prepareEvent', () => {
  it('extracts ids, email and phone from traits, context.traits and properties, sorted by priority', () => {
    const prepared = prepareEvent(
      event({
        type: 'identify',
        userId: 'u1',
        anonymousId: 'a1',
        traits: { email: 'Ann@Example.com', phone: '+1 415 555 0132' },
        context: { traits: { email: 'other@example.com' } },
        properties: { email: 'ann@example.com' },
      }),
      DEFAULT_POLICY,
      normalize,
    );
    expect(prepared.identifiers).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'email', value: 'ann@example.com' },
      { type: 'email', value: 'other@example.com' },
      { type: 'phone', value: '+14155550132' },
      { type: 'anonymous_id', value: 'a1' },
    ]);
    expect(prepared.refused).toEqual([]);
  });

  it('ignores group traits (they describe the company) and never uses groupId', () => {
    const prepared = prepareEvent(
      event({ type: 'group', userId: 'u1', groupId: 'g1', traits: { email: 'billing@acme.example' } }),
      DEFAULT_POLICY,
      normalize,
    );
    expect(prepared.identifiers).toEqual([{ type: 'user_id', value: 'u1' }]);
  });

  it.each([
    ['iOS', { id: 'D1', advertisingId: 'AD1', adTrackingEnabled: true, token: 'T1' }, ['ios.id', 'ios.idfa', 'ios.push_token']],
    [
      'android',
      { id: 'D1', advertisingId: 'AD1', adTrackingEnabled: true, token: 'T1' },
      ['android.id', 'android.idfa', 'android.push_token'],
    ],
    ['mac', { id: 'D1', advertisingId: 'AD1', adTrackingEnabled: true, token: 'T1' }, ['advertising_id', 'device_id', 'push_token']],
    ['ios', { id: 'D1', advertisingId: 'AD1', adTrackingEnabled: false }, ['ios.id']],
    ['ios', { id: 'D1', advertisingId: 'AD1' }, ['ios.id']],
  ])('maps device ids of a %s device', (type, device, types) => {
    const prepared = prepareEvent(event({ anonymousId: 'a1', context: { device: { type, ...device } } }), DEFAULT_POLICY, normalize);
    expect(prepared.identifiers.filter((i) => i.type !== 'anonymous_id').map((i) => i.type)).toEqual(types);
  });

  it('reads context.externalIds with lower-cased types and refuses bad ones', () => {
    const prepared = prepareEvent(
      event({
        userId: 'u1',
        context: {
          externalIds: [
            { id: 'SF1', type: 'Salesforce_ID', collection: 'users' },
            { id: 'x', type: 'bad type' },
            { id: {}, type: 'crm_id' },
            'junk',
          ],
        },
      }),
      DEFAULT_POLICY,
      normalize,
    );
    expect(prepared.identifiers).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'salesforce_id', value: 'SF1' },
    ]);
    expect(prepared.refused.map((r) => [r.identifier.type, r.reason])).toEqual([
      ['bad type', 'invalid'],
      ['crm_id', 'invalid'],
    ]);
  });

  it('refuses invalid and blocked values', () => {
    const prepared = prepareEvent(
      event({
        userId: 'null',
        anonymousId: '00000000-0000-0000-0000-000000000000',
        context: { traits: { email: 'not-an-email', phone: 'test@test.com' } },
      }),
      DEFAULT_POLICY,
      normalize,
    );
    expect(prepared.identifiers).toEqual([]);
    expect(prepared.refused.map((r) => [r.identifier.type, r.identifier.value, r.reason])).toEqual([
      ['anonymous_id', '00000000-0000-0000-0000-000000000000', 'blocked'],
      ['email', 'not-an-email', 'invalid'],
      ['phone', 'test@test.com', 'invalid'],
      ['user_id', 'null', 'blocked'],
    ]);
  });

  it('de-duplicates identical identifiers', () => {
    const prepared = prepareEvent(
      event({ type: 'identify', userId: 'u1', traits: { email: 'A@x.io' }, context: { traits: { email: 'a@x.io ' } } }),
      DEFAULT_POLICY,
      normalize,
    );
    expect(prepared.identifiers).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'email', value: 'a@x.io' },
    ]);
  });

  it('reads the trait identifiers named by the policy', () => {
    const parsed = parsePolicy({ traitIdentifiers: { loyaltyNumber: 'loyalty_id' } });
    if (!parsed.ok) throw new Error('policy');
    const prepared = prepareEvent(event({ type: 'identify', userId: 'u1', traits: { loyaltyNumber: 12345 } }), parsed.policy, normalize);
    expect(prepared.identifiers).toContainEqual({ type: 'loyalty_id', value: '12345' });
  });

  it('keeps an alias previousId aside', () => {
    const prepared = prepareEvent(event({ type: 'alias', userId: 'u1', previousId: ' a1 ', anonymousId: 'a1' }), DEFAULT_POLICY, normalize);
    expect(prepared.previousId).toBe('a1');
    expect(prepared.identifiers).toEqual([
      { type: 'user_id', value: 'u1' },
      { type: 'anonymous_id', value: 'a1' },
    ]);
    const blocked = prepareEvent(event({ type: 'alias', userId: 'u1', previousId: 'undefined' }), DEFAULT_POLICY, normalize);
    expect(blocked.previousId).toBeUndefined();
    expect(blocked.refused).toMatchObject([{ identifier: { type: 'previous_id', value: 'undefined' }, reason: 'blocked' }]);
  });
});
