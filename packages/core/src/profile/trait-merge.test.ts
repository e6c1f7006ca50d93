import { describe, expect, it } from 'vitest';
import { computeTraitChanges } from './trait-changes.ts';
import { applyTraitChanges, mergeTraitStates, traitTrust, visibleTraits } from './trait-merge.ts';
import type { TraitState } from './trait-merge.ts';

const T1 = '2024-05-14T10:00:00.000Z';
const T2 = '2024-05-14T11:00:00.000Z';

describe('computeTraitChanges', () => {
  it('sets non-null traits and unsets null ones, sorted, for identify only', () => {
    const base = { messageId: 'm', timestamp: T1, receivedAt: T1 };
    expect(computeTraitChanges({ ...base, type: 'identify', traits: { z: 1, a: null, m: false } })).toEqual({
      set: { m: false, z: 1 },
      unset: ['a'],
    });
    expect(computeTraitChanges({ ...base, type: 'track', event: 'e', traits: { z: 1 } })).toEqual({ set: {}, unset: [] });
  });
});

describe('applyTraitChanges', () => {
  it('lets a newer event overwrite and never an older one', () => {
    let state = applyTraitChanges({}, { set: { plan: 'pro' }, unset: [] }, T2, 's1');
    state = applyTraitChanges(state, { set: { plan: 'free', age: 3 }, unset: [] }, T1, 's1');
    expect(visibleTraits(state)).toEqual({ plan: 'pro', age: 3 });
  });

  it('ignores an unset older than the value, applies a newer one, and remembers it', () => {
    let state = applyTraitChanges({}, { set: { plan: 'pro' }, unset: [] }, T2, 's1');
    state = applyTraitChanges(state, { set: {}, unset: ['plan'] }, T1, 's1');
    expect(visibleTraits(state)).toEqual({ plan: 'pro' });
    state = applyTraitChanges(state, { set: {}, unset: ['plan'] }, '2024-05-14T12:00:00.000Z', 's1');
    expect(visibleTraits(state)).toEqual({});
    state = applyTraitChanges(state, { set: { plan: 'late' }, unset: [] }, T1, 's1');
    expect(visibleTraits(state)).toEqual({});
  });

  it('breaks timestamp ties by sourceId, then by JSON value', () => {
    const a = applyTraitChanges({}, { set: { plan: 'x' }, unset: [] }, T1, 'b-source');
    expect(visibleTraits(applyTraitChanges(a, { set: { plan: 'y' }, unset: [] }, T1, 'a-source'))).toEqual({ plan: 'x' });
    expect(visibleTraits(applyTraitChanges(a, { set: { plan: 'y' }, unset: [] }, T1, 'b-source'))).toEqual({ plan: 'y' });
  });
});

describe('mergeTraitStates', () => {
  it('is commutative and picks the latest entry per key', () => {
    const a: TraitState = { plan: { value: 'pro', timestamp: T2, sourceId: 's' }, name: { value: 'A', timestamp: T1, sourceId: 's' } };
    const b: TraitState = {
      plan: { value: 'free', timestamp: T1, sourceId: 's' },
      name: { value: 'B', timestamp: T2, sourceId: 's' },
      city: { value: 'X', timestamp: T1, sourceId: 's' },
    };
    expect(mergeTraitStates(a, b)).toEqual(mergeTraitStates(b, a));
    expect(visibleTraits(mergeTraitStates(a, b))).toEqual({ city: 'X', name: 'B', plan: 'pro' });
    expect(JSON.stringify(mergeTraitStates(a, b))).toBe(JSON.stringify(mergeTraitStates(b, a)));
  });
});

describe('source ranking (trust)', () => {
  it('ranks listed sources first to last, "*" for the rest, unlisted without "*" and unranked keys at 0', () => {
    const ranking = { email: ['web', 'ios', '*', 'crm'], phone: ['crm'] };
    expect(['web', 'ios', 'android', 'crm'].map((s) => traitTrust(ranking, 'email', s))).toEqual([4, 3, 2, 1]);
    expect(traitTrust(ranking, 'phone', 'web')).toBe(0);
    expect(traitTrust(ranking, 'name', 'web')).toBe(0);
    expect(traitTrust(ranking, 'constructor', 'web')).toBe(0);
  });

  it('a more trusted value wins whatever its time; among equal trust the later one wins; merges agree', () => {
    const login = applyTraitChanges({}, { set: { email: 'ann@x.io' }, unset: [], trust: { email: 2 } }, T1, 'web');
    const crm = applyTraitChanges(login, { set: { email: 'nan@x.io' }, unset: [], trust: { email: 1 } }, T2, 'crm');
    expect(visibleTraits(crm)).toEqual({ email: 'ann@x.io' });
    const unset = applyTraitChanges(login, { set: {}, unset: ['email'], trust: { email: 1 } }, T2, 'crm');
    expect(visibleTraits(unset)).toEqual({ email: 'ann@x.io' });
    const newer = applyTraitChanges(login, { set: { email: 'ann@new.io' }, unset: [], trust: { email: 2 } }, T2, 'web');
    expect(visibleTraits(newer)).toEqual({ email: 'ann@new.io' });
    const a: TraitState = { email: { value: 'ann@x.io', timestamp: T1, sourceId: 'web', trust: 2 } };
    const b: TraitState = { email: { value: 'nan@x.io', timestamp: T2, sourceId: 'crm', trust: 1 } };
    expect(visibleTraits(mergeTraitStates(a, b))).toEqual({ email: 'ann@x.io' });
    expect(mergeTraitStates(a, b)).toEqual(mergeTraitStates(b, a));
  });
});
