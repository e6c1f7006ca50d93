import { DEFAULT_MATCH_POLICY, DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { matchRecords, modelParameters, type NormalisedRecord } from '@kin/core/matching/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from '../storage/storage.ts';
import { sqliteFileStores } from '../storage/sqlite/sqlite-test-store.ts';
import { scoreArrival } from './match-arrival.ts';
import { candidateRecords, createCandidateCache } from './match-candidate-cache.ts';
import { loadMatchRecords, MATCH_NORMALISER, MATCH_ROLES, recordHashOf } from './match-profiles.ts';

const target = sqliteFileStores('sqlite', 'candidate-cache');
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let n = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const identify = (anonymousId: string, traits: Record<string, unknown>): TrackingEvent =>
  ({ type: 'identify', anonymousId, traits, messageId: `m${++n}`, timestamp: at(), receivedAt: at() }) as TrackingEvent;

// Three households of namesakes: every arrival has candidates under a shared name key.
const PEOPLE = Array.from({ length: 24 }, (_, i) => ({
  anonymousId: `a${i}`,
  traits: {
    firstName: ['John', 'Jon', 'Mary'][i % 3],
    lastName: ['Smith', 'Smyth'][i % 2],
    birthday: `19${60 + (i % 4)}-0${1 + (i % 7)}-1${i % 9}`,
    address: { city: ['Leeds', 'York', 'Hull'][i % 3], postalCode: `LS${i % 5} 1AA` },
    ...(i % 4 === 0 ? { email: `p${i}@example.com` } : {}),
  },
}));

describe('candidate cache', () => {
  let store: Store;
  const send = (...events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, 'web', events, deps));
  const idOf = async (anonymousId: string) => (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: anonymousId }))!;

  beforeAll(async () => {
    store = await target.create();
    await store.matching.switchIncrementalMatching(true);
    await send(...PEOPLE.map((p) => identify(p.anonymousId, p.traits)));
  });
  afterAll(async () => {
    if (store) await target.destroy(store);
  });

  it('scores every arrival as reading every candidate does, across changes the write path makes', async () => {
    const records = await loadMatchRecords(store.matching, (id) => id);
    const parameters = modelParameters(matchRecords({ records, roles: MATCH_ROLES, mode: 'dedupe' }).model);
    const cache = createCandidateCache();
    const base = { store, settings: DEFAULT_MATCH_POLICY, parameters, sourceName: (id: string) => id };
    const compare = async (): Promise<void> => {
      for (const p of PEOPLE) {
        const id = await idOf(p.anonymousId);
        const cached = await scoreArrival({ ...base, cache }, id);
        const read = await scoreArrival({ ...base, cache: createCandidateCache(0) }, id);
        expect(cached).toEqual(read);
      }
    };
    await compare();
    // Each arrival was kept for the arrivals after it, under the hash of its record.
    const a0 = await idOf('a0');
    const a0Record = (await loadMatchRecords(store.matching, (id) => id)).find((r) => r.key.endsWith(`~${a0}`))!;
    expect(cache.get(a0, recordHashOf(a0Record))?.names.first).toBe('john');
    const warm = cache.hits;
    // Changes that keep every key (a city, a middle name, a nickname of the same canonical name), that move
    // keys (a new surname), a removed value, and a merge of two profiles (by a shared user id).
    await send(
      identify('a0', { address: { city: 'Wakefield', postalCode: 'LS0 1AA' } }),
      identify('a3', { middleName: 'Paul' }),
      identify('a6', { firstName: 'Johnny' }),
      identify('a9', { lastName: 'Smithe' }),
      identify('a12', { birthday: null }),
    );
    await send({ ...identify('a15', {}), userId: 'u1' } as TrackingEvent, { ...identify('a18', {}), userId: 'u1' } as TrackingEvent);
    await compare();
    // The cache answered (most candidates were unchanged), so the equality above says something about it.
    expect(cache.hits).toBeGreaterThan(warm);
    expect(cache.misses).toBeGreaterThan(0);
  });

  it("never answers with a changed profile's old record", async () => {
    const cache = createCandidateCache();
    const id = await idOf('a1');
    const found = async () => store.matching.candidatesByMatchKeys((await store.matching.matchKeysOfProfile(id))!, 200);
    const cityOf = async (): Promise<string | undefined> =>
      (await candidateRecords(store.matching, cache, await found())).find((r) => r.key === id)?.text.city;
    expect(await cityOf()).toBe('york');
    expect(await cityOf()).toBe('york');
    expect(cache.hits).toBeGreaterThan(0);
    await send(identify('a1', { address: { city: 'Selby', postalCode: 'LS1 1AA' } }));
    expect(await cityOf()).toBe('selby');
  });

  it('decodes the normalised records the index stores, as reading and normalising the traits gives them, without reading traits', async () => {
    const found = await store.matching.candidatesByMatchKeys((await store.matching.matchKeysOfProfile(await idOf('a2')))!, 200);
    expect(found.length).toBeGreaterThan(3);
    expect(found.every((c) => c.normalised !== null)).toBe(true);
    let reads = 0;
    const counting = {
      ...store.matching,
      profileTraits: async (ids: string[], keys: string[]) => {
        reads += ids.length;
        return store.matching.profileTraits(ids, keys);
      },
    };
    const decoded = await candidateRecords(counting, createCandidateCache(0), found);
    expect(reads).toBe(0);
    const read = await candidateRecords(
      counting,
      createCandidateCache(0),
      found.map((c) => ({ ...c, normalised: null })),
    );
    expect(reads).toBe(found.length);
    expect(decoded).toEqual(read);
  });

  it('keeps at most its capacity, the least recently used going first', () => {
    const cache = createCandidateCache(2);
    const record = (key: string): NormalisedRecord => MATCH_NORMALISER.normalise({ key, values: { city: key } });
    cache.set('a', 'h1', record('a'));
    cache.set('b', 'h1', record('b'));
    expect(cache.get('a', 'h1')).toEqual(record('a'));
    cache.set('c', 'h1', record('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'h1')).toBeUndefined();
    expect(cache.get('a', 'h1')).toEqual(record('a'));
    expect(cache.get('a', 'h2')).toBeUndefined();
    expect(createCandidateCache(0).size).toBe(0);
  });
});
