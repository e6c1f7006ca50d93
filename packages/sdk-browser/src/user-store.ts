/**
 * Who is browsing: the anonymous id (cookie with localStorage fallback), the user id and the traits
 * (localStorage). Every read goes to storage so that two tabs of the same site agree.
 */
import type { JsonObject } from '@kin/core';
import type { SdkStorage } from './sdk-ports.ts';

/** Storage keys, shared with anything else that reads Kin's first-party state. */
export const STORAGE_KEYS = {
  anonymousId: 'kin_anonymous_id',
  userId: 'kin_user_id',
  traits: 'kin_user_traits',
  queue: 'kin_queue',
  link: 'kin_link',
} as const;

/** The analytics.js `user()` surface. */
export interface User {
  anonymousId(): string;
  id(): string | undefined;
  traits(): JsonObject;
}

/** Reads and writes the current user's identity. */
export interface UserStore extends User {
  /** Sets the user id (and merges or replaces traits, as analytics.js does). */
  identify(userId: string | undefined, traits: JsonObject | undefined): void;
  /** Forgets the user: new anonymous id, no user id, no traits. */
  reset(): void;
}

/** Creates the user store over `storage`, minting ids with `newId`. */
export function createUserStore(storage: SdkStorage, newId: () => string): UserStore {
  const { local, cookie } = storage;

  const writeAnonymousId = (id: string): string => {
    cookie.set(STORAGE_KEYS.anonymousId, id);
    local.set(STORAGE_KEYS.anonymousId, id);
    return id;
  };

  const store: UserStore = {
    anonymousId() {
      const fromCookie = cookie.get(STORAGE_KEYS.anonymousId);
      if (fromCookie) return fromCookie;
      // Cookie blocked or expired: keep the id localStorage remembers, and restore the cookie.
      return writeAnonymousId(local.get(STORAGE_KEYS.anonymousId) || newId());
    },
    id: () => local.get(STORAGE_KEYS.userId) || undefined,
    traits() {
      const raw = local.get(STORAGE_KEYS.traits);
      if (!raw) return {};
      try {
        const parsed: unknown = JSON.parse(raw);
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
      } catch {
        return {};
      }
    },
    identify(userId, traits) {
      const previous = store.id();
      // Why: analytics.js keeps traits only while the same person is identified; a different user id
      // on this browser starts from the new traits alone.
      const base = previous === undefined || userId === undefined || previous === userId ? store.traits() : {};
      if (userId !== undefined) local.set(STORAGE_KEYS.userId, userId);
      local.set(STORAGE_KEYS.traits, JSON.stringify({ ...base, ...traits }));
    },
    reset() {
      local.remove(STORAGE_KEYS.userId);
      local.remove(STORAGE_KEYS.traits);
      writeAnonymousId(newId());
    },
  };
  return store;
}
