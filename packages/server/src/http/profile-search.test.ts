import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import type { ProfileListRow, SearchPage } from '@kin/core/api/index.ts';

let kin: TestKin;
const FISCHERS = 23;
beforeAll(async () => {
  kin = await startTestKin();
  const batch = [
    { type: 'identify', userId: 'p-farid', traits: { firstName: 'Farid', lastName: 'Fischer', email: 'farid@example.com' } },
    { type: 'identify', userId: 'p-ines', traits: { firstName: 'Ines', lastName: 'Weber' } },
    { type: 'identify', userId: 'p-zoe', traits: { name: 'Zoë Özdemir' } },
    ...Array.from({ length: FISCHERS - 1 }, (_, i) => ({
      type: 'identify',
      userId: `fischer-${i}`,
      traits: { firstName: `Anna${i}`, lastName: 'FISCHER' },
    })),
  ];
  expect((await kin.track('/v1/batch', { batch })).status).toBe(200);
});
afterAll(() => kin.close());

const search = async (q: string, extra = '') =>
  (await (await kin.admin(`/v1/search?q=${encodeURIComponent(q)}${extra}`)).json()) as SearchPage;
const userIds = (page: SearchPage) => page.data.map((m) => m.externalIds.find((e) => e.type === 'user_id')?.value);

describe('GET /v1/search by name', () => {
  it('finds a person by a first name, a last name or both, in any case', async () => {
    for (const q of ['farid', 'FARID', 'Farid Fischer', 'farid fisch', 'fischer farid', 'Far']) {
      const page = await search(q);
      expect(userIds(page), q).toEqual(['p-farid']);
      expect(page.data[0]?.matchedOn, q).toBe('name');
    }
    expect(userIds(await search('Ines'))).toEqual(['p-ines']);
    expect(userIds(await search('ZOË'))).toEqual(['p-zoe']);
    expect(userIds(await search('özdemir'))).toEqual(['p-zoe']);
    expect(userIds(await search('zoë özdemir'))).toEqual(['p-zoe']);
    expect((await search('Farid Weber')).total).toBe(0);
  });

  it('counts every match and pages beyond the first 20', async () => {
    const first = await search('fischer');
    expect(first.total).toBe(FISCHERS);
    expect(first.totalCapped).toBe(false);
    expect(first.data).toHaveLength(20);
    const second = await search('fischer', '&offset=20');
    expect(second.data).toHaveLength(FISCHERS - 20);
    const all = [...first.data, ...second.data].map((m) => m.id);
    expect(new Set(all).size).toBe(FISCHERS);
    expect((await kin.admin('/v1/search?q=fischer&offset=-1')).status).toBe(400);
  });

  it('keeps exact identifier hits first and does not read names for a typed query', async () => {
    const page = await search('farid@example.com');
    expect(page.data.map((m) => m.matchedOn)).toEqual(['identifier:email']);
    expect((await search('user_id:fischer')).total).toBe(0);
  });
});

describe('GET /v1/profiles', () => {
  it('lists profiles newest or oldest first, with the count, and pages', async () => {
    const newest = (await (await kin.admin('/v1/profiles?limit=5')).json()) as { data: ProfileListRow[]; total: number };
    expect(newest.total).toBe(FISCHERS + 2);
    expect(newest.data).toHaveLength(5);
    expect(newest.data[0]).toMatchObject({ createdAt: expect.any(String) as unknown, traits: expect.any(Object) as unknown });
    const oldest = (await (await kin.admin(`/v1/profiles?order=oldest&limit=100`)).json()) as { data: ProfileListRow[] };
    expect(
      oldest.data
        .map((r) => r.id)
        .reverse()
        .slice(0, 5),
    ).toEqual(newest.data.map((r) => r.id));
    const second = (await (await kin.admin('/v1/profiles?limit=5&offset=5')).json()) as { data: ProfileListRow[] };
    expect(second.data.map((r) => r.id)).toEqual(
      oldest.data
        .map((r) => r.id)
        .reverse()
        .slice(5, 10),
    );
  });

  it('refuses a bad order and needs the admin token', async () => {
    const bad = await kin.admin('/v1/profiles?order=name');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('order');
    expect((await fetch(kin.url + '/v1/profiles')).status).toBe(401);
  });
});
