import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../spec/event-types.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import { prepareEvent } from './identifier-extract.ts';
import { createIdentifierNormalizer } from './identifier-normalize.ts';
import { parsePolicy, DEFAULT_POLICY } from './identity-policy.ts';
import { resolve, snapshotKeys } from './identity-resolve.ts';
import type { Identifier, IdentityPolicy, IdentitySnapshot, SnapshotProfile } from './identity-types.ts';

const NOW = '2024-05-14T10:00:00.000Z';
type Id = [type: string, value: string, lastSeen?: string];

function prepared(ids: Id[], fields: Partial<TrackingEvent> = {}, previousId?: string): PreparedEvent {
  return {
    event: { type: 'track', event: 'E', messageId: 'm1', timestamp: NOW, receivedAt: NOW, ...fields },
    identifiers: ids.map(([type, value]) => ({ type, value })),
    refused: [],
    ...(previousId === undefined ? {} : { previousId }),
  };
}

interface ProfileSpec {
  id: string;
  createdAt?: string;
  mergeCount?: number;
  ids: Id[];
}

function snapshot(...profiles: ProfileSpec[]): IdentitySnapshot {
  const result: IdentitySnapshot = { known: [], profiles: new Map() };
  for (const spec of profiles) {
    const profile: SnapshotProfile = {
      id: spec.id,
      createdAt: spec.createdAt ?? '2024-01-01T00:00:00.000Z',
      mergeCount: spec.mergeCount ?? 0,
      identifiers: spec.ids.map(([type, value, lastSeen]) => ({ type, value, profileId: spec.id, lastSeen: lastSeen ?? NOW })),
    };
    result.profiles.set(spec.id, profile);
    result.known.push(...profile.identifiers);
  }
  return result;
}

function policyWith(json: unknown): IdentityPolicy {
  const parsed = parsePolicy(json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

const id = (type: string, value: string): Identifier => ({ type, value });
const normalize = createIdentifierNormalizer({ normalizePhone: (raw) => (/^\+\d{8,15}$/.test(raw) ? raw : undefined) });

describe('resolve', () => {
  it('R1 looks up every event identifier, and both readings of an alias previousId', () => {
    expect(
      snapshotKeys(
        prepared([
          ['user_id', 'u1'],
          ['anonymous_id', 'a1'],
        ]),
      ),
    ).toEqual([id('anonymous_id', 'a1'), id('user_id', 'u1')]);
    expect(snapshotKeys(prepared([['user_id', 'u1']], { type: 'alias' }, 'p'))).toEqual([
      id('anonymous_id', 'p'),
      id('user_id', 'p'),
      id('user_id', 'u1'),
    ]);
    const plan = resolve(snapshot({ id: 'p1', ids: [['anonymous_id', 'a1']] }), prepared([['anonymous_id', 'a1']]), DEFAULT_POLICY);
    expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
    expect(plan.touches).toEqual([id('anonymous_id', 'a1')]);
  });

  describe('R2 alias', () => {
    const alias = { type: 'alias' as const };

    it('R2 types an unknown previousId as anonymous_id and links it with rule alias', () => {
      const plan = resolve(snapshot({ id: 'p1', ids: [['user_id', 'u1']] }), prepared([['user_id', 'u1']], alias, 'a1'), DEFAULT_POLICY);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
      expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'a1'), rule: 'alias' }]);
    });

    it('R2 attaches the new user id to the anonymous profile with rule alias', () => {
      const plan = resolve(
        snapshot({ id: 'p1', ids: [['anonymous_id', 'a1']] }),
        prepared([['user_id', 'u1']], alias, 'a1'),
        DEFAULT_POLICY,
      );
      expect(plan.links).toEqual([{ identifier: id('user_id', 'u1'), rule: 'alias' }]);
      expect(plan.touches).toEqual([id('anonymous_id', 'a1')]);
    });

    it('R2 merges the previous and the new profile with rule alias', () => {
      const plan = resolve(
        snapshot(
          { id: 'p1', ids: [['user_id', 'u1']] },
          { id: 'p2', createdAt: '2024-02-01T00:00:00.000Z', ids: [['anonymous_id', 'a1']] },
        ),
        prepared([['user_id', 'u1']], alias, 'a1'),
        DEFAULT_POLICY,
      );
      expect(plan.merges).toEqual([
        { survivorId: 'p1', absorbedId: 'p2', rule: 'alias', via: [id('user_id', 'u1'), id('anonymous_id', 'a1')] },
      ]);
    });

    it('R2 reads a known previousId as user_id (and the user_id limit still applies)', () => {
      const plan = resolve(snapshot({ id: 'p1', ids: [['user_id', 'old']] }), prepared([['user_id', 'new']], alias, 'old'), DEFAULT_POLICY);
      expect(plan.refused).toMatchObject([{ identifier: id('user_id', 'old'), reason: 'limit' }]);
      expect(plan.target).toEqual({ kind: 'new' });
      expect(plan.links).toEqual([{ identifier: id('user_id', 'new'), rule: 'new_profile' }]);
    });

    it('R2 adds nothing when previousId equals userId', () => {
      const plan = resolve({ known: [], profiles: new Map() }, prepared([['user_id', 'u1']], alias, 'u1'), DEFAULT_POLICY);
      expect(plan.links).toEqual([{ identifier: id('user_id', 'u1'), rule: 'new_profile' }]);
    });

    it('R2 marks an anonymousId equal to previousId as the alias identifier', () => {
      const plan = resolve(
        { known: [], profiles: new Map() },
        prepared(
          [
            ['user_id', 'u1'],
            ['anonymous_id', 'a1'],
          ],
          alias,
          'a1',
        ),
        DEFAULT_POLICY,
      );
      expect(plan.links).toEqual([
        { identifier: id('user_id', 'u1'), rule: 'alias' },
        { identifier: id('anonymous_id', 'a1'), rule: 'alias' },
      ]);
    });
  });

  it('R3 creates a new profile and refuses what exceeds a limit within the event', () => {
    const policy = policyWith({ types: { crm_id: { limit: 2 } } });
    const plan = resolve(
      { known: [], profiles: new Map() },
      prepared([
        ['user_id', 'u1'],
        ['crm_id', 'c'],
        ['crm_id', 'a'],
        ['crm_id', 'b'],
      ]),
      policy,
    );
    expect(plan.target).toEqual({ kind: 'new' });
    expect(plan.links).toEqual([
      { identifier: id('user_id', 'u1'), rule: 'new_profile' },
      { identifier: id('crm_id', 'a'), rule: 'new_profile' },
      { identifier: id('crm_id', 'b'), rule: 'new_profile' },
    ]);
    expect(plan.refused).toMatchObject([{ identifier: id('crm_id', 'c'), reason: 'limit' }]);
    expect(plan.warnings.map((w) => w.kind)).toEqual(['identifier_refused']);
  });

  it('R4 attaches unknown identifiers to the one known profile and touches the known ones', () => {
    const plan = resolve(
      snapshot({ id: 'p1', ids: [['anonymous_id', 'a1']] }),
      prepared([
        ['email', 'e@x.io'],
        ['anonymous_id', 'a1'],
      ]),
      DEFAULT_POLICY,
    );
    expect(plan).toMatchObject({
      target: { kind: 'existing', profileId: 'p1' },
      merges: [],
      links: [{ identifier: id('email', 'e@x.io'), rule: 'attach' }],
      touches: [id('anonymous_id', 'a1')],
      refused: [],
      warnings: [],
    });
  });

  it('R4 finds every known identifier of an event that carries many (the lookup past a few entries)', () => {
    const policy = policyWith({ types: { crm_id: { limit: 20 } } });
    const known: Id[] = Array.from({ length: 10 }, (_, i) => ['crm_id', `c${i}`]);
    const plan = resolve(snapshot({ id: 'p1', ids: known }), prepared([...known, ['crm_id', 'new']]), policy);
    expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
    expect(plan.links).toEqual([{ identifier: id('crm_id', 'new'), rule: 'attach' }]);
    expect(plan.touches).toHaveLength(10);
  });

  it('R4 refuses a new identifier that would exceed its limit on the profile', () => {
    const emails: Id[] = ['1', '2', '3', '4', '5'].map((n) => ['email', `${n}@x.io`]);
    const plan = resolve(
      snapshot({ id: 'p1', ids: [['user_id', 'u1'], ...emails] }),
      prepared([
        ['user_id', 'u1'],
        ['email', '6@x.io'],
        ['anonymous_id', 'a1'],
      ]),
      DEFAULT_POLICY,
    );
    expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
    expect(plan.refused).toMatchObject([{ identifier: id('email', '6@x.io'), reason: 'limit' }]);
    expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'a1'), rule: 'attach' }]);
  });

  it('R5 merges into the oldest profile (createdAt, then id) with via per absorbed profile', () => {
    const plan = resolve(
      snapshot(
        { id: 'p9', createdAt: '2024-03-01T00:00:00.000Z', ids: [['email', 'e@x.io']] },
        { id: 'p3', createdAt: '2024-01-01T00:00:00.000Z', ids: [['anonymous_id', 'a2']] },
        {
          id: 'p2',
          createdAt: '2024-01-01T00:00:00.000Z',
          ids: [
            ['anonymous_id', 'a1'],
            ['user_id', 'u1'],
          ],
        },
      ),
      prepared([
        ['email', 'e@x.io'],
        ['anonymous_id', 'a1'],
        ['anonymous_id', 'a2'],
        ['phone', '+1'],
      ]),
      DEFAULT_POLICY,
    );
    expect(plan.target).toEqual({ kind: 'existing', profileId: 'p2' });
    expect(plan.merges).toEqual([
      { survivorId: 'p2', absorbedId: 'p3', rule: 'merge', via: [id('anonymous_id', 'a1'), id('anonymous_id', 'a2')] },
      { survivorId: 'p2', absorbedId: 'p9', rule: 'merge', via: [id('email', 'e@x.io'), id('anonymous_id', 'a1')] },
    ]);
    expect(plan.links).toEqual([{ identifier: id('phone', '+1'), rule: 'attach' }]);
    expect(plan.touches).toEqual([id('email', 'e@x.io'), id('anonymous_id', 'a1'), id('anonymous_id', 'a2')]);
  });

  describe('R6 limits', () => {
    it('R6 never merges two logged-in people through a shared browser', () => {
      const plan = resolve(
        snapshot({
          id: 'pA',
          ids: [
            ['user_id', 'A'],
            ['anonymous_id', 'X'],
          ],
        }),
        prepared([
          ['user_id', 'B'],
          ['anonymous_id', 'X'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.target).toEqual({ kind: 'new' });
      expect(plan.links).toEqual([{ identifier: id('user_id', 'B'), rule: 'new_profile' }]);
      expect(plan.refused).toMatchObject([{ identifier: id('anonymous_id', 'X'), reason: 'limit' }]);
      expect(plan.warnings).toMatchObject([{ kind: 'identifier_refused', identifier: id('anonymous_id', 'X') }]);
    });

    it('R6 refuses a merge that would exceed a limit and keeps the higher-priority link', () => {
      const plan = resolve(
        snapshot(
          {
            id: 'p1',
            ids: [
              ['user_id', 'u1'],
              ['anonymous_id', 'a1'],
            ],
          },
          {
            id: 'p2',
            createdAt: '2024-02-01T00:00:00.000Z',
            ids: [
              ['user_id', 'u2'],
              ['email', 'e@x.io'],
            ],
          },
        ),
        prepared([
          ['email', 'e@x.io'],
          ['anonymous_id', 'a1'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p2' });
      expect(plan.merges).toEqual([]);
      expect(plan.refused).toMatchObject([{ identifier: id('anonymous_id', 'a1'), reason: 'limit' }]);
    });

    it('R6 breaks priority ties deterministically: known first, then the greater value', () => {
      const plan = resolve(
        snapshot(
          {
            id: 'p1',
            ids: [
              ['user_id', 'u1'],
              ['anonymous_id', 'a1'],
            ],
          },
          {
            id: 'p2',
            ids: [
              ['user_id', 'u2'],
              ['anonymous_id', 'a2'],
            ],
          },
        ),
        prepared([
          ['anonymous_id', 'a1'],
          ['anonymous_id', 'a2'],
          ['anonymous_id', 'a3'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.refused.map((r) => r.identifier)).toEqual([id('anonymous_id', 'a2')]);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
      expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'a3'), rule: 'attach' }]);
    });

    it('R6 counts only identifiers seen within windowDays', () => {
      const policy = policyWith({ types: { email: { limit: 1, windowDays: 30 } } });
      const stale = snapshot({
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['email', 'old@x.io', '2024-01-01T00:00:00.000Z'],
        ],
      });
      const plan = resolve(
        stale,
        prepared([
          ['user_id', 'u1'],
          ['email', 'new@x.io'],
        ]),
        policy,
      );
      expect(plan.links).toEqual([{ identifier: id('email', 'new@x.io'), rule: 'attach' }]);
      const fresh = snapshot({
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['email', 'old@x.io', '2024-05-01T00:00:00.000Z'],
        ],
      });
      expect(
        resolve(
          fresh,
          prepared([
            ['user_id', 'u1'],
            ['email', 'new@x.io'],
          ]),
          policy,
        ).refused,
      ).toMatchObject([{ reason: 'limit' }]);
    });

    it('R6 links a value that brings a type exactly to its limit and refuses the one past it', () => {
      const policy = policyWith({ types: { email: { limit: 2 } } });
      const event = prepared([
        ['user_id', 'u1'],
        ['email', 'c@x.io'],
      ]);
      const one = snapshot({
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['email', 'a@x.io'],
        ],
      });
      expect(resolve(one, event, policy).links).toEqual([{ identifier: id('email', 'c@x.io'), rule: 'attach' }]);
      const two = snapshot({
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['email', 'a@x.io'],
          ['email', 'b@x.io'],
        ],
      });
      expect(resolve(two, event, policy).refused).toMatchObject([{ reason: 'limit', identifier: id('email', 'c@x.io') }]);
    });

    it('R6 does not blame the event for a profile already over a limit', () => {
      const plan = resolve(
        snapshot({
          id: 'p1',
          ids: [
            ['user_id', 'u1'],
            ['user_id', 'u2'],
          ],
        }),
        prepared([
          ['user_id', 'u1'],
          ['anonymous_id', 'a1'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.refused).toEqual([]);
      expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'a1'), rule: 'attach' }]);
    });

    it('R6a cookie churn never drops a person-level identifier: a login merges the side profile whatever its cookies', () => {
      const policy = policyWith({ types: { anonymous_id: { limit: 2 } } });
      const main = {
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['email', 'e@x.io'],
          ['anonymous_id', 'a1'],
          ['anonymous_id', 'a2'],
        ] satisfies Id[],
      };
      const side = {
        id: 'p2',
        createdAt: '2024-02-01T00:00:00.000Z',
        ids: [
          ['anonymous_id', 's1'],
          ['twitter', '@e'],
        ] satisfies Id[],
      };
      const plan = resolve(
        snapshot(main, side),
        prepared([
          ['email', 'e@x.io'],
          ['twitter', '@e'],
          ['anonymous_id', 's1'],
        ]),
        policy,
      );
      expect(plan.refused).toEqual([]);
      expect(plan.merges).toMatchObject([{ survivorId: 'p1', absorbedId: 'p2' }]);
    });

    it('R6a a device-level type over its limit refuses only the newest value of it, and the person-level one beside it links', () => {
      const policy = policyWith({ types: { anonymous_id: { limit: 2 } } });
      const full = snapshot({
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['anonymous_id', 'a1'],
          ['anonymous_id', 'a2'],
        ],
      });
      const plan = resolve(
        full,
        prepared([
          ['user_id', 'u1'],
          ['twitter', '@e'],
          ['anonymous_id', 'a3'],
        ]),
        policy,
      );
      expect(plan.refused).toMatchObject([{ identifier: id('anonymous_id', 'a3'), reason: 'limit' }]);
      expect(plan.links).toEqual([{ identifier: id('twitter', '@e'), rule: 'attach' }]);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
    });

    it('R6a a shared browser still never merges two people: the person-level conflict drops the shared id', () => {
      const policy = policyWith({ types: { anonymous_id: { limit: 2 } } });
      const a = {
        id: 'pA',
        ids: [
          ['user_id', 'A'],
          ['anonymous_id', 'X'],
          ['anonymous_id', 'a2'],
        ] satisfies Id[],
      };
      const b = {
        id: 'pB',
        createdAt: '2024-02-01T00:00:00.000Z',
        ids: [
          ['user_id', 'B'],
          ['anonymous_id', 'b1'],
        ] satisfies Id[],
      };
      const plan = resolve(
        snapshot(a, b),
        prepared([
          ['user_id', 'B'],
          ['anonymous_id', 'X'],
          ['anonymous_id', 'new'],
        ]),
        policy,
      );
      expect(plan.merges).toEqual([]);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'pB' });
      expect(plan.refused.map((r) => r.identifier)).toContainEqual(id('anonymous_id', 'X'));
      expect(plan.refused.map((r) => r.identifier)).not.toContainEqual(id('user_id', 'B'));
    });

    it('R6a the defaults: anonymous and device ids have high windowed limits, person-level ids small lifetime ones', () => {
      for (const type of ['anonymous_id', 'ios.id', 'device_id']) {
        expect(DEFAULT_POLICY.sharedDevice.deviceTypes).toContain(type);
        expect(DEFAULT_POLICY.types[type]).toMatchObject({ limit: expect.any(Number) as number, windowDays: expect.any(Number) as number });
        expect(DEFAULT_POLICY.types[type]!.limit).toBeGreaterThanOrEqual(20);
      }
      for (const type of ['user_id', 'email', 'phone', 'crm_id', 'twitter']) {
        expect(DEFAULT_POLICY.sharedDevice.deviceTypes).not.toContain(type);
        expect(DEFAULT_POLICY.types[type]!.windowDays).toBeUndefined();
      }
      expect(DEFAULT_POLICY.types['user_id']!.limit).toBe(1);
    });

    it('R6 returns target none with no_identity when every identifier is dropped or none is usable', () => {
      const plan = resolve(
        { known: [], profiles: new Map() },
        { ...prepared([]), refused: [{ identifier: id('user_id', 'null'), reason: 'blocked', detail: 'x' }] },
        DEFAULT_POLICY,
      );
      expect(plan).toMatchObject({
        target: { kind: 'none' },
        links: [],
        refused: [{ reason: 'blocked' }],
        warnings: [{ kind: 'no_identity' }],
      });
    });
  });

  it('R7 warns when merges or identifiers exceed the caps but still proceeds', () => {
    const policy = policyWith({ caps: { maxMerges: 3, maxIdentifiers: 3 } });
    const plan = resolve(
      snapshot(
        { id: 'p1', mergeCount: 2, ids: [['anonymous_id', 'a1']] },
        {
          id: 'p2',
          createdAt: '2024-02-01T00:00:00.000Z',
          mergeCount: 1,
          ids: [
            ['anonymous_id', 'a2'],
            ['anonymous_id', 'a3'],
          ],
        },
      ),
      prepared([
        ['anonymous_id', 'a1'],
        ['anonymous_id', 'a2'],
        ['email', 'e@x.io'],
      ]),
      policy,
    );
    expect(plan.merges).toHaveLength(1);
    expect(plan.warnings).toMatchObject([
      { kind: 'merge_cap', profileId: 'p1' },
      { kind: 'identifier_cap', profileId: 'p1' },
    ]);
  });

  it('R8 only identify sets traits; null traits are unset', () => {
    const identify = resolve(
      { known: [], profiles: new Map() },
      prepared([['user_id', 'u1']], { type: 'identify', traits: { plan: 'pro', company: null, age: 0 } }),
      DEFAULT_POLICY,
    );
    expect(identify.traits).toEqual({ set: { age: 0, plan: 'pro' }, unset: ['company'] });
    const group = resolve(
      { known: [], profiles: new Map() },
      prepared([['user_id', 'u1']], { type: 'group', groupId: 'g', traits: { name: 'Acme' } }),
      DEFAULT_POLICY,
    );
    expect(group.traits).toEqual({ set: {}, unset: [] });
  });

  it('R8 an identifier-valued trait that is invalid, blocked or refused never becomes a trait', () => {
    const identify = (traits: Record<string, unknown>, policy = DEFAULT_POLICY) =>
      prepareEvent({ type: 'identify', messageId: 'm1', timestamp: NOW, receivedAt: NOW, userId: 'u2', traits }, policy, normalize);
    const empty: IdentitySnapshot = { known: [], profiles: new Map() };
    expect(resolve(empty, identify({ email: 'not-an-email', phone: '12', name: 'Ann' }), DEFAULT_POLICY).traits.set).toEqual({
      name: 'Ann',
    });
    expect(resolve(empty, identify({ email: 'test@test.com' }), DEFAULT_POLICY).traits.set).toEqual({});
    expect(resolve(empty, identify({ email: 'Ann@X.io' }), DEFAULT_POLICY).traits.set).toEqual({ email: 'Ann@X.io' });
    // Refused by a limit: the email belongs to another person's profile, joining it would give two user ids.
    const other = snapshot({
      id: 'p1',
      ids: [
        ['user_id', 'u1'],
        ['email', 'ann@x.io'],
      ],
    });
    const plan = resolve(other, identify({ email: 'ann@x.io', plan: 'pro' }), DEFAULT_POLICY);
    expect(plan.refused).toMatchObject([{ identifier: id('email', 'ann@x.io'), reason: 'limit' }]);
    expect(plan.traits.set).toEqual({ plan: 'pro' });
    const mapped = policyWith({ traitIdentifiers: { crm: 'crm_id' } });
    expect(resolve(empty, identify({ crm: 'null' }, mapped), mapped).traits.set).toEqual({});
  });

  it('R8 ranks the sending source per trait when the policy lists traitSources', () => {
    const policy = policyWith({ traitSources: { email: ['web', '*', 'crm'] } });
    const event = (sourceName: string): PreparedEvent => ({
      ...prepared([['user_id', 'u1']], { type: 'identify', traits: { email: 'a@x.io', plan: 'p' } }),
      sourceName,
    });
    const empty: IdentitySnapshot = { known: [], profiles: new Map() };
    expect(resolve(empty, event('web'), policy).traits.trust).toEqual({ email: 3 });
    expect(resolve(empty, event('ios'), policy).traits.trust).toEqual({ email: 2 });
    expect(resolve(empty, event('crm'), policy).traits.trust).toEqual({ email: 1 });
    expect(resolve(empty, event('web'), DEFAULT_POLICY).traits.trust).toBeUndefined();
  });

  it('R9 warns for identifiers prepareEvent refused as unverified, naming the reason', () => {
    const event = prepareEvent(
      { type: 'identify', messageId: 'm1', timestamp: NOW, receivedAt: NOW, userId: 'u1', anonymousId: 'a1', traits: { email: 'e@x.io' } },
      DEFAULT_POLICY,
      normalize,
      { unverified: { types: ['user_id', 'email'], reason: 'userHash does not match' } },
    );
    const plan = resolve({ known: [], profiles: new Map() }, event, DEFAULT_POLICY);
    expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'a1'), rule: 'new_profile' }]);
    expect(plan.refused).toMatchObject([
      { identifier: id('email', 'e@x.io'), reason: 'unverified', detail: 'userHash does not match' },
      { identifier: id('user_id', 'u1'), reason: 'unverified' },
    ]);
    expect(plan.warnings.filter((w) => w.kind === 'unverified_identity')).toHaveLength(2);
  });

  it('R10 refuses a tombstoned identifier before anything else', () => {
    const snap: IdentitySnapshot = { ...snapshot({ id: 'p1', ids: [['user_id', 'u1']] }), tombstoned: [id('email', 'old@x.io')] };
    const plan = resolve(
      snap,
      prepared([
        ['user_id', 'u1'],
        ['email', 'old@x.io'],
      ]),
      DEFAULT_POLICY,
    );
    expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
    expect(plan.links).toEqual([]);
    expect(plan.refused).toEqual([{ identifier: id('email', 'old@x.io'), reason: 'tombstoned', detail: 'removed by an admin' }]);
  });

  it('R11 refuses a device seen with more than maxUserIds user ids, and records the pairs', () => {
    const policy = policyWith({ sharedDevice: { maxUserIds: 2 } });
    const device = (userIds: string[]): IdentitySnapshot => ({
      ...snapshot({
        id: 'p1',
        ids: [
          ['ios.id', 'd1'],
          ['user_id', 'u1'],
        ],
      }),
      deviceUsers: [{ identifier: id('ios.id', 'd1'), userIds }],
    });
    const second = resolve(
      device(['u1']),
      prepared([
        ['user_id', 'u2'],
        ['ios.id', 'd1'],
      ]),
      policy,
    );
    expect(second.deviceUsers).toEqual([{ identifier: id('ios.id', 'd1'), userId: 'u2' }]);
    expect(second.refused.map((r) => r.reason)).toEqual(['limit']);
    const third = resolve(
      device(['u1', 'u2']),
      prepared([
        ['user_id', 'u3'],
        ['ios.id', 'd1'],
      ]),
      policy,
    );
    expect(third.target).toEqual({ kind: 'new' });
    expect(third.links).toEqual([{ identifier: id('user_id', 'u3'), rule: 'new_profile' }]);
    expect(third.refused).toMatchObject([{ identifier: id('ios.id', 'd1'), reason: 'shared_device' }]);
    expect(third.warnings.map((w) => w.kind)).toEqual(['shared_device']);
    // Once shared, the device links nobody, not even its first user.
    const first = resolve(
      device(['u1', 'u2', 'u3']),
      prepared([
        ['user_id', 'u1'],
        ['ios.id', 'd1'],
      ]),
      policy,
    );
    expect(first.touches).toEqual([id('user_id', 'u1')]);
    expect(first.refused).toMatchObject([{ reason: 'shared_device' }]);
  });

  it('R12 records consent and refuses anonymous identifiers without the required category', () => {
    const policy = policyWith({ consent: { requiredForAnonymousLinking: 'analytics' } });
    const without = resolve(
      { known: [], profiles: new Map() },
      prepared([
        ['user_id', 'u1'],
        ['anonymous_id', 'a1'],
      ]),
      policy,
    );
    expect(without.links).toEqual([{ identifier: id('user_id', 'u1'), rule: 'new_profile' }]);
    expect(without.refused).toMatchObject([{ identifier: id('anonymous_id', 'a1'), reason: 'no_consent' }]);
    const denied = prepared([['anonymous_id', 'a1']], { context: { consent: { categoryPreferences: { analytics: false, ads: true } } } });
    const deniedPlan = resolve({ known: [], profiles: new Map() }, denied, policy);
    expect(deniedPlan.target).toEqual({ kind: 'none' });
    expect(deniedPlan.consent).toEqual({ categories: { ads: true, analytics: false }, onMerge: 'most_restrictive' });
    const granted = prepared([['anonymous_id', 'a1']], { context: { consent: { categoryPreferences: { analytics: true } } } });
    expect(resolve({ known: [], profiles: new Map() }, granted, policy).links).toEqual([
      { identifier: id('anonymous_id', 'a1'), rule: 'new_profile' },
    ]);
    // Without the policy setting, consent is recorded but never blocks linking.
    expect(resolve({ known: [], profiles: new Map() }, denied, DEFAULT_POLICY).links).toHaveLength(1);
  });

  describe('R13 do-not-link', () => {
    const rule = {
      id: 'r1',
      sides: [[id('user_id', 'u1')], [id('anonymous_id', 'a1'), id('email', 'e@x.io')]] as [Identifier[], Identifier[]],
    };

    it('R13 refuses the lowest-priority identifier that would merge the two sides', () => {
      const snap: IdentitySnapshot = {
        ...snapshot(
          { id: 'p1', ids: [['user_id', 'u1']] },
          {
            id: 'p2',
            createdAt: '2024-02-01T00:00:00.000Z',
            ids: [
              ['anonymous_id', 'a1'],
              ['email', 'e@x.io'],
            ],
          },
        ),
        doNotLink: [rule],
      };
      const plan = resolve(
        snap,
        prepared([
          ['user_id', 'u1'],
          ['anonymous_id', 'a1'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.merges).toEqual([]);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
      expect(plan.refused).toMatchObject([{ identifier: id('anonymous_id', 'a1'), reason: 'do_not_link' }]);
    });

    it('R13 applies to a new profile too: both sides unknown on one event', () => {
      const plan = resolve(
        { known: [], profiles: new Map(), doNotLink: [rule] },
        prepared([
          ['user_id', 'u1'],
          ['email', 'e@x.io'],
          ['phone', '+14155552671'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.links.map((l) => l.identifier)).toEqual([id('user_id', 'u1'), id('phone', '+14155552671')]);
      expect(plan.refused).toMatchObject([{ identifier: id('email', 'e@x.io'), reason: 'do_not_link' }]);
    });

    it('R13 ignores a rule whose sides one involved profile already joins', () => {
      const snap: IdentitySnapshot = {
        ...snapshot({
          id: 'p1',
          ids: [
            ['user_id', 'u1'],
            ['anonymous_id', 'a1'],
          ],
        }),
        doNotLink: [rule],
      };
      const plan = resolve(
        snap,
        prepared([
          ['user_id', 'u1'],
          ['email', 'e@x.io'],
        ]),
        DEFAULT_POLICY,
      );
      expect(plan.links).toEqual([{ identifier: id('email', 'e@x.io'), rule: 'attach' }]);
      expect(plan.refused).toEqual([]);
    });
  });

  describe('R14 link click', () => {
    const CLICK_AT = '2024-05-13T10:00:00.000Z';
    const click = (over: Partial<NonNullable<IdentitySnapshot['linkClick']>> = {}): NonNullable<IdentitySnapshot['linkClick']> => ({
      clickId: 'c1',
      at: CLICK_AT,
      bot: false,
      anchor: id('email', 'ann@x.io'),
      browsers: [],
      ...over,
    });
    const landing = (ids: Id[] = [['anonymous_id', 'b1']]): PreparedEvent => ({ ...prepared(ids, { type: 'page' }), linkClick: 'c1' });
    const recipient = { id: 'p1', ids: [['email', 'ann@x.io']] as Id[] };

    it('R14 links the landing browser to the clicked profile and counts it', () => {
      const plan = resolve({ ...snapshot(recipient), linkClick: click() }, landing(), DEFAULT_POLICY);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p1' });
      expect(plan.links).toEqual([{ identifier: id('anonymous_id', 'b1'), rule: 'link_click' }]);
      expect(plan.touches).toEqual([]);
      expect(plan.linkBrowser).toEqual({ clickId: 'c1', anonymousId: 'b1' });
      expect(plan.warnings).toEqual([]);
    });

    it('R14 merges a known browser profile into the clicked one, the click named as the way', () => {
      const snap = {
        ...snapshot(recipient, { id: 'p2', createdAt: '2024-03-01T00:00:00.000Z', ids: [['anonymous_id', 'b1']] }),
        linkClick: click(),
      };
      const plan = resolve(snap, landing(), DEFAULT_POLICY);
      expect(plan.merges).toEqual([
        { survivorId: 'p1', absorbedId: 'p2', rule: 'link_click', via: [id('anonymous_id', 'b1'), id('link_click', 'c1')] },
      ]);
    });

    it('R14 refuses bot, old and over-forwarded clicks as warnings, and ignores tokenless and unknown ones', () => {
      const refusedBy = (linkClick: IdentitySnapshot['linkClick'], event = landing()) => {
        const plan = resolve({ ...snapshot(recipient), linkClick }, event, DEFAULT_POLICY);
        expect(plan.target).toEqual({ kind: 'new' });
        return plan.refused.map((r) => `${r.identifier.type}:${r.identifier.value} ${r.reason} ${r.detail}`);
      };
      expect(refusedBy(click({ bot: true }))).toEqual(['link_click:c1 link_click the click was flagged as a bot or link scanner']);
      expect(refusedBy(click({ at: '2024-05-01T00:00:00.000Z' }))[0]).toMatch(/more than 7 days old/);
      expect(refusedBy(null)).toEqual([]);
      expect(refusedBy(click({ browsers: ['x1', 'x2', 'x3'] }))[0]).toMatch(/already brought 3 browsers/);
      const tokenless: NonNullable<IdentitySnapshot['linkClick']> = { clickId: 'c1', at: CLICK_AT, bot: false, browsers: [] };
      expect(refusedBy(tokenless)).toEqual([]);
      // A browser the click already brought comes back without counting again.
      const again = resolve({ ...snapshot(recipient), linkClick: click({ browsers: ['b1', 'x2', 'x3'] }) }, landing(), DEFAULT_POLICY);
      expect(again.links).toEqual([{ identifier: id('anonymous_id', 'b1'), rule: 'link_click' }]);
      expect(again.linkBrowser).toBeUndefined();
      const warned = resolve({ ...snapshot(recipient), linkClick: click({ bot: true }) }, landing(), DEFAULT_POLICY);
      expect(warned.warnings.map((w) => w.kind)).toEqual(['identifier_refused']);
    });

    it('R14 never joins two profiles that each have a user id', () => {
      const snap = {
        ...snapshot(
          {
            id: 'p1',
            ids: [
              ['email', 'ann@x.io'],
              ['user_id', 'ann'],
            ],
          },
          {
            id: 'p2',
            ids: [
              ['anonymous_id', 'b1'],
              ['user_id', 'bob'],
            ],
          },
        ),
        linkClick: click(),
      };
      const plan = resolve(snap, landing(), DEFAULT_POLICY);
      expect(plan.target).toEqual({ kind: 'existing', profileId: 'p2' });
      expect(plan.merges).toEqual([]);
      expect(plan.refused).toMatchObject([{ identifier: id('link_click', 'c1'), reason: 'link_click' }]);
      // A user id the landing event brings counts too.
      const withUser = resolve(
        {
          ...snapshot({
            id: 'p1',
            ids: [
              ['email', 'ann@x.io'],
              ['user_id', 'ann'],
            ],
          }),
          linkClick: click(),
        },
        landing([
          ['user_id', 'bob'],
          ['anonymous_id', 'b1'],
        ]),
        DEFAULT_POLICY,
      );
      expect(withUser.target).toEqual({ kind: 'new' });
      expect(withUser.refused).toMatchObject([{ reason: 'link_click' }]);
    });

    it('R14 honours the policy: linkClick.maxBrowsers and maxAgeDays', () => {
      const policy = policyWith({ linkClick: { maxBrowsers: 1, maxAgeDays: 30 } });
      const old = resolve({ ...snapshot(recipient), linkClick: click({ at: '2024-05-01T00:00:00.000Z' }) }, landing(), policy);
      expect(old.target).toEqual({ kind: 'existing', profileId: 'p1' });
      const second = resolve({ ...snapshot(recipient), linkClick: click({ browsers: ['x1'] }) }, landing(), policy);
      expect(second.refused).toMatchObject([{ reason: 'link_click' }]);
    });
  });

  it('is deterministic: the same input in any snapshot order gives a byte-identical plan', () => {
    const a = snapshot(
      {
        id: 'p1',
        ids: [
          ['user_id', 'u1'],
          ['anonymous_id', 'a1'],
        ],
      },
      {
        id: 'p2',
        ids: [
          ['email', 'e@x.io'],
          ['anonymous_id', 'a2'],
        ],
      },
    );
    const b: IdentitySnapshot = {
      known: [...a.known].reverse(),
      profiles: new Map([...a.profiles].reverse().map(([k, p]) => [k, { ...p, identifiers: [...p.identifiers].reverse() }])),
    };
    const event = prepared(
      [
        ['email', 'e@x.io'],
        ['anonymous_id', 'a1'],
        ['anonymous_id', 'a2'],
      ],
      { type: 'identify', traits: { b: 1, a: 2 } },
    );
    expect(JSON.stringify(resolve(b, event, DEFAULT_POLICY))).toBe(JSON.stringify(resolve(a, event, DEFAULT_POLICY)));
  });

  it('throws on an inconsistent snapshot (a store bug)', () => {
    const broken: IdentitySnapshot = { known: [{ type: 'user_id', value: 'u1', profileId: 'p404', lastSeen: NOW }], profiles: new Map() };
    expect(() => resolve(broken, prepared([['user_id', 'u1']]), DEFAULT_POLICY)).toThrow(/p404/);
  });
});
