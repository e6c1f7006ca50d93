/**
 * The final state of a store in a form two stores (or two pipelines) can be compared by: each profile as
 * its set of identifiers, how many events it holds, and its traits. Profile ids are left out on purpose:
 * they are random, and which fragment survives a merge depends on timing.
 */
import type { Store } from '../storage/storage.ts';

/** One profile, canonically. */
export interface ProfileState {
  identifiers: string[];
  events: number;
  traits: Record<string, unknown>;
}

/** Every profile of the store, sorted by identifiers; plus the store's event total. */
export async function storeState(store: Store): Promise<{ events: number; profiles: ProfileState[] }> {
  const profiles: ProfileState[] = [];
  for (const keys of await store.identifierPartition()) {
    const first = keys[0]!;
    const at = first.indexOf(':');
    const profileId = await store.findProfileIdByIdentifier({ type: first.slice(0, at), value: first.slice(at + 1) });
    const profile = profileId ? await store.findProfile(profileId) : undefined;
    if (!profile) throw new Error(`no profile for ${first}`);
    let events = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listProfileEvents(profile.id, { limit: 1000, ...(cursor ? { cursor } : {}) });
      events += page.data.length;
      if (!page.cursor.next) break;
      cursor = page.cursor.next;
    }
    profiles.push({ identifiers: keys, events, traits: sortKeys(profile.traits) });
  }
  return { events: (await store.stats()).events, profiles };
}

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
