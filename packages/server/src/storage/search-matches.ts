/**
 * The assembly of `Store.searchProfiles`, written once for both stores: each store reads its identifier
 * hits and trait hits (its own SQL), and this orders, de-duplicates, caps and loads them.
 */
import type { ProfileMatch } from '@kin/core/api/index.ts';
import type { Store } from './storage.ts';
import type { Row } from './store-rows.ts';

/**
 * Matches in precedence order: identifier hits (`profile_id`, `type`; a later row wins for one profile),
 * then trait hits (`profile_id`, `key`) for profiles not found yet; the first `limit` profiles, loaded
 * through `findProfile` (a profile gone since is left out).
 */
export async function searchMatches(
  byIdentifier: readonly Row[],
  byTrait: readonly Row[],
  limit: number,
  findProfile: Store['findProfile'],
): Promise<ProfileMatch[]> {
  const hits = new Map<string, string>();
  for (const row of byIdentifier) hits.set(row.profile_id as string, `identifier:${row.type as string}`);
  for (const row of byTrait) if (!hits.has(row.profile_id as string)) hits.set(row.profile_id as string, `trait:${row.key as string}`);
  const matches: ProfileMatch[] = [];
  for (const [profileId, matchedOn] of [...hits].slice(0, limit)) {
    const profile = await findProfile(profileId);
    if (profile)
      matches.push({
        id: profile.id,
        matchedOn,
        externalIds: profile.externalIds.map(({ type, value }) => ({ type, value })),
        traits: profile.traits,
      });
  }
  return matches;
}
