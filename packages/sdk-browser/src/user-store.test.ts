import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory-ports.ts';
import { createUserStore, STORAGE_KEYS } from './user-store.ts';

const counter = (): (() => string) => {
  let n = 0;
  return () => `id-${++n}`;
};

describe('createUserStore', () => {
  it('mints one anonymous id and keeps it in the cookie and localStorage', () => {
    const storage = createMemoryStorage();
    const user = createUserStore(storage, counter());
    expect(user.anonymousId()).toBe('id-1');
    expect(user.anonymousId()).toBe('id-1');
    expect(storage.cookie.get(STORAGE_KEYS.anonymousId)).toBe('id-1');
    expect(storage.local.get(STORAGE_KEYS.anonymousId)).toBe('id-1');
  });

  it('falls back to localStorage when the cookie is gone, and restores the cookie', () => {
    const storage = createMemoryStorage();
    storage.local.set(STORAGE_KEYS.anonymousId, 'kept');
    const user = createUserStore(storage, counter());
    expect(user.anonymousId()).toBe('kept');
    expect(storage.cookie.get(STORAGE_KEYS.anonymousId)).toBe('kept');
  });

  it('is shared by instances over the same storage (a reload)', () => {
    const storage = createMemoryStorage();
    const first = createUserStore(storage, counter());
    first.identify('u1', { email: 'a@example.com' });
    const second = createUserStore(storage, counter());
    expect(second.anonymousId()).toBe(first.anonymousId());
    expect(second.id()).toBe('u1');
    expect(second.traits()).toEqual({ email: 'a@example.com' });
  });

  it('merges traits for the same user and replaces them for a different one', () => {
    const user = createUserStore(createMemoryStorage(), counter());
    user.identify('u1', { email: 'a@example.com' });
    user.identify('u1', { plan: 'pro' });
    expect(user.traits()).toEqual({ email: 'a@example.com', plan: 'pro' });
    user.identify(undefined, { seats: 3 });
    expect(user.traits()).toEqual({ email: 'a@example.com', plan: 'pro', seats: 3 });
    user.identify('u2', { email: 'b@example.com' });
    expect(user.traits()).toEqual({ email: 'b@example.com' });
  });

  it('reset rotates the anonymous id and clears user id and traits', () => {
    const storage = createMemoryStorage();
    const user = createUserStore(storage, counter());
    const before = user.anonymousId();
    user.identify('u1', { email: 'a@example.com' });
    user.reset();
    expect(user.anonymousId()).not.toBe(before);
    expect(user.id()).toBeUndefined();
    expect(user.traits()).toEqual({});
    expect(createUserStore(storage, counter()).anonymousId()).toBe(user.anonymousId());
  });

  it('treats corrupt stored traits as none', () => {
    const storage = createMemoryStorage();
    storage.local.set(STORAGE_KEYS.traits, '{not json');
    expect(createUserStore(storage, counter()).traits()).toEqual({});
  });
});
