/**
 * What the demo suggests searching for, read from what it stored (so every hint finds something, whatever the
 * seed, the number of shoppers or the identity policy): a first name, a full name, a user id, a social handle
 * and a phone number of the newest profiles that have them.
 */
import type { Store } from '../storage/storage.ts';

/** Profiles read to find the hints. */
const SCAN = 200;

/** Search hints taken from the store, in a stable order; fewer when the data has no such values. */
export async function demoHints(store: Store): Promise<string[]> {
  const found = new Map<'first' | 'full' | 'user' | 'handle' | 'phone', string>();
  for (const id of await store.listProfileIds({ order: 'newest', limit: SCAN, offset: 0 })) {
    const profile = await store.findProfile(id);
    if (!profile) continue;
    const first = profile.traits['firstName'];
    const last = profile.traits['lastName'];
    if (typeof first === 'string' && typeof last === 'string' && !found.has('full')) {
      found.set('first', first.toLowerCase());
      found.set('full', `${first} ${last}`);
    }
    for (const e of profile.externalIds) {
      if (e.type === 'user_id' && !found.has('user')) found.set('user', e.value);
      if ((e.type === 'twitter' || e.type === 'instagram') && !found.has('handle')) found.set('handle', `@${e.value}`);
      if (e.type === 'phone' && !found.has('phone')) found.set('phone', e.value);
    }
    if (found.size === 5) break;
  }
  return (['first', 'full', 'user', 'handle', 'phone'] as const).flatMap((key) => (found.has(key) ? [found.get(key) as string] : []));
}
