import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import type { Overview, ProfileGraph } from '@kin/core/api/index.ts';

// In-process (app.request(), in-memory store): the model for route tests that need no socket.
let kin: TestApp;
const t = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();

beforeAll(async () => {
  kin = await createTestApp();
  const res = await kin.track('/v1/batch', {
    batch: [
      // Two anonymous sessions that become one shopper: a1 browses, a2 identifies, a1 later logs in (merge).
      { type: 'page', anonymousId: 'a1', name: 'Home', timestamp: t(0) },
      {
        type: 'identify',
        anonymousId: 'a2',
        userId: 'u1',
        traits: { email: 'Ann@Example.com', phone: '(415) 555-2671', tier: 'gold' },
        timestamp: t(1),
      },
      { type: 'track', anonymousId: 'a1', event: 'Clicked', context: { traits: { email: 'ann@example.com' } }, timestamp: t(2) },
      {
        type: 'identify',
        userId: 'u1',
        context: { externalIds: [{ id: '@AnnTweets', type: 'twitter', collection: 'users', encoding: 'none' }] },
        timestamp: t(3),
      },
      // A shared tablet: u2 logs in on a1's browser; the anonymous id is refused, the two never merge.
      { type: 'identify', anonymousId: 'a1', userId: 'u2', traits: { email: 'bob@example.com' }, timestamp: t(4) },
    ],
  });
  expect(res.status).toBe(200);
});
afterAll(() => kin.close());

const json = async <T>(res: Response) => (await res.json()) as T;
type Matches = { data: Array<{ id: string; matchedOn: string }> };

describe('GET /v1/search', () => {
  it('finds a profile by raw or normalised email, phone, handle, trait value and type:value', async () => {
    const ann = await json<{ id: string }>(await kin.admin('/v1/profiles/user_id:u1'));
    for (const q of ['ANN@example.com ', '+1 415-555-2671', '@anntweets', 'gold', 'u1', 'email:Ann@Example.COM', 'phone:(415) 555 2671']) {
      const found = await json<Matches>(await kin.admin('/v1/search?q=' + encodeURIComponent(q)));
      expect(
        found.data.map((m) => m.id),
        q,
      ).toEqual([ann.id]);
    }
  });

  it('answers an empty list when nothing matches, 400 for a missing q or an invalid typed value', async () => {
    expect((await json<Matches>(await kin.admin('/v1/search?q=nobody'))).data).toEqual([]);
    const missing = await kin.admin('/v1/search');
    expect(missing.status).toBe(400);
    expect((await json<{ error: { code: string; field: string } }>(missing)).error).toMatchObject({ code: 'invalid_query', field: 'q' });
    expect((await kin.admin('/v1/search?q=' + encodeURIComponent('phone:not a phone'))).status).toBe(400);
  });

  it('needs the admin token', async () => {
    const res = await kin.app.request('/v1/search?q=u1');
    expect(res.status).toBe(401);
    const withWriteKey = await kin.app.request('/v1/search?q=u1', { headers: { authorization: `Bearer ${kin.writeKey}` } });
    expect(withWriteKey.status).toBe(401);
  });
});

describe('GET /v1/overview', () => {
  it('answers counters, last-hour volume per source and sources with their activity', async () => {
    const overview = await json<Overview>(await kin.admin('/v1/overview'));
    expect(overview.stats).toMatchObject({ events: 5, merges: 1 });
    expect(overview.volume.bucketMinutes).toBe(1);
    expect(overview.volume.buckets.reduce((n, b) => n + b.events, 0)).toBe(5);
    expect(overview.sources).toEqual([expect.objectContaining({ name: 'web', events: 5, lastEventAt: expect.any(String) as unknown })]);
    expect((await kin.app.request('/v1/overview')).status).toBe(401);
  });
});

describe('GET /v1/profiles/{ref}/graph', () => {
  it('draws identifiers as nodes, the merge and event links as edges, and the refused identifier', async () => {
    const graph = await json<ProfileGraph>(await kin.admin('/v1/profiles/' + encodeURIComponent('email:ann@example.com') + '/graph'));
    expect(
      graph.nodes
        .filter((n) => !n.refused)
        .map((n) => n.id)
        .sort(),
    ).toEqual(['anonymous_id:a1', 'anonymous_id:a2', 'email:ann@example.com', 'phone:+14155552671', 'twitter:anntweets', 'user_id:u1']);
    const merge = graph.edges.find((e) => e.kind === 'merge');
    expect(merge).toMatchObject({ mergeId: expect.any(String) as unknown, label: expect.any(String) as unknown });
    expect([merge?.from, merge?.to].sort()).toEqual(['anonymous_id:a1', 'email:ann@example.com']);
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const edge of graph.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
    // Every identifier is reachable: the edges explain the whole profile.
    const reached = new Set(['user_id:u1']);
    for (let grew = true; grew;) {
      grew = false;
      for (const e of graph.edges) {
        if (reached.has(e.from) !== reached.has(e.to)) {
          reached.add(e.from);
          reached.add(e.to);
          grew = true;
        }
      }
    }
    expect([...reached].filter((id) => !id.startsWith('refused:')).sort()).toEqual(
      [...ids].filter((id) => !id.startsWith('refused:')).sort(),
    );

    const bob = await json<ProfileGraph>(await kin.admin('/v1/profiles/user_id:u2/graph'));
    expect(bob.refusals).toEqual([expect.objectContaining({ identifier: { type: 'anonymous_id', value: 'a1' } })]);
    expect(bob.nodes.find((n) => n.refused)).toMatchObject({ id: 'refused:anonymous_id:a1' });
    expect(bob.edges.find((e) => e.kind === 'refused')).toMatchObject({ to: 'refused:anonymous_id:a1' });
  });

  it('answers 404 for an unknown profile, 400 for a malformed ref, 401 without the token', async () => {
    expect((await kin.admin('/v1/profiles/user_id:nobody/graph')).status).toBe(404);
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('email:not-an-email') + '/graph')).status).toBe(400);
    expect((await kin.app.request('/v1/profiles/user_id:u1/graph')).status).toBe(401);
  });
});

describe('GET /v1/warnings?subjects=1', () => {
  it('names the refused identifier and keeps the plain answer without subjects', async () => {
    const page = await json<{
      data: Array<{ kind: string; profileId?: string; subject?: { identifier?: { type: string; value: string } } }>;
    }>(await kin.admin('/v1/warnings?kind=identifier_refused&subjects=1'));
    const bob = await json<{ id: string }>(await kin.admin('/v1/profiles/user_id:u2'));
    expect(page.data.find((w) => w.profileId === bob.id)?.subject?.identifier).toEqual({ type: 'anonymous_id', value: 'a1' });
    const plain = await json<{ data: Array<{ subject?: unknown }> }>(await kin.admin('/v1/warnings?kind=identifier_refused'));
    expect(plain.data.every((w) => w.subject === undefined)).toBe(true);
    expect((await kin.admin('/v1/warnings?subjects=1&limit=500')).status).toBe(400);
  });
});
