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
  proof: 'kin_user_proof',
} as const;

/**
 * The proof that the identified user is who the shop's server says (`context.userHash`: an HMAC of the userId;
 * `context.identityToken`: a JWT whose `sub` is the userId). Kin verifies it per source (policy
 * `sources.<name>.identityVerification`); without it, a source that requires it links no userId.
 */
export interface IdentityProof {
  userHash?: string;
  identityToken?: string;
}

/** The analytics.js `user()` surface. */
export interface User {
  anonymousId(): string;
  id(): string | undefined;
  traits(): JsonObject;
}

/** Reads and writes the current user's identity. */
export interface UserStore extends User {
  /**
   * Sets the user id (and merges or replaces traits, as analytics.js does) and its proof: a new proof replaces
   * the old one; none keeps the old one for the same user id and drops it for another.
   */
  identify(userId: string | undefined, traits: JsonObject | undefined, proof?: IdentityProof): void;
  /** The proof of the identified user, sent in the context of each of their events (empty when none). */
  proof(): IdentityProof;
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

  const readObject = (key: string): JsonObject => {
    const raw = local.get(key);
    if (!raw) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
    } catch {
      return {};
    }
  };

  const store: UserStore = {
    anonymousId() {
      const fromCookie = cookie.get(STORAGE_KEYS.anonymousId);
      if (fromCookie) return fromCookie;
      // Cookie blocked or expired: keep the id localStorage remembers, and restore the cookie.
      return writeAnonymousId(local.get(STORAGE_KEYS.anonymousId) || newId());
    },
    id: () => local.get(STORAGE_KEYS.userId) || undefined,
    traits: () => readObject(STORAGE_KEYS.traits),
    proof: () => (store.id() === undefined ? {} : (readObject(STORAGE_KEYS.proof) as IdentityProof)),
    identify(userId, traits, proof) {
      const previous = store.id();
      // Why: analytics.js keeps traits only while the same person is identified; a different user id
      // on this browser starts from the new traits alone (and another person's proof never carries over).
      const same = previous === undefined || userId === undefined || previous === userId;
      const base = same ? store.traits() : {};
      if (userId !== undefined) local.set(STORAGE_KEYS.userId, userId);
      local.set(STORAGE_KEYS.traits, JSON.stringify({ ...base, ...traits }));
      if (proof?.userHash || proof?.identityToken) local.set(STORAGE_KEYS.proof, JSON.stringify(proof));
      else if (!same) local.remove(STORAGE_KEYS.proof);
    },
    reset() {
      local.remove(STORAGE_KEYS.userId);
      local.remove(STORAGE_KEYS.traits);
      local.remove(STORAGE_KEYS.proof);
      writeAnonymousId(newId());
    },
  };
  return store;
}
