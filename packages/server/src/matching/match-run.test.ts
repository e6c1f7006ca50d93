import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKin, type TestKin } from '../testing/kin-harness.ts';
import { TWIN_TRAITS, crmAndSocialFiles as files } from '../testing/match-fixtures.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
});
afterAll(async () => kin.close());

const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await res).json() as Promise<T>;

describe('import → match → graph', () => {
  it('merges likely pairs with a match ledger entry, queues doubtful ones, and honours review decisions', async () => {
    const { crm, social } = files();
    const up = (source: string, body: string) =>
      kin.admin(`/v1/imports?source=${source}`, { method: 'POST', body, headers: { 'content-type': 'text/csv' } });
    expect(await json(up('crm', crm))).toMatchObject({ rejected: 0 });
    expect(
      await json(
        kin.admin(`/v1/imports?source=social&map=${encodeURIComponent('{"handle":"twitter"}')}`, {
          method: 'POST',
          body: social,
          headers: { 'content-type': 'text/csv' },
        }),
      ),
    ).toMatchObject({ rejected: 0 });
    // Two logged-in web users with identical person traits: the engine links them, the user_id limit refuses.
    const twin = TWIN_TRAITS;
    expect((await kin.track('/v1/identify', { userId: 'u-twin-1', traits: twin })).status).toBe(200);
    expect((await kin.track('/v1/identify', { userId: 'u-twin-2', traits: twin })).status).toBe(200);
    const profilesBefore = (await json<{ profiles: number }>(kin.admin('/v1/stats'))).profiles;
    // A reviewer rejected the (certain) Ida Quintero pair earlier: matching must never merge it.
    const idaCrm = (await json<{ id: string }>(kin.admin('/v1/profiles/record:crm:c-ida'))).id;
    const idaSocial = (await json<{ id: string }>(kin.admin('/v1/profiles/twitter:idaq'))).id;
    const store = kin.kin.store;
    await store.matching.addReviewItems([
      {
        id: 'r-ida',
        runId: 'earlier',
        aProfile: idaCrm,
        bProfile: idaSocial,
        probability: 0.99,
        reason: 'below-link-threshold',
        evidence: [],
        status: 'rejected',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ]);

    const run = await json<Record<string, number>>(kin.admin('/v1/match/run', { method: 'POST' }));
    expect(run).toMatchObject({ profiles: profilesBefore, refused: 1, queued: 3, skippedRejected: 1 });
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/twitter:idaq'))).id).toBe(idaSocial);
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/record:crm:c-ida'))).id).toBe(idaCrm);
    expect((await json<{ profiles: number }>(kin.admin('/v1/stats'))).profiles).toBe(profilesBefore - run['merges']!);

    // Robert Smith, 12 Main St (CRM) and Bob Smith, 12 Main Street (social) are one profile now.
    const robert = await json<{ id: string; externalIds: Array<{ type: string; value: string }> }>(
      kin.admin('/v1/profiles/record:crm:c-rob'),
    );
    expect(robert.externalIds.map((x) => `${x.type}:${x.value}`)).toContain('twitter:bobsmith');
    const merges = (
      await json<{ data: Array<{ rule: string; messageId: string; via: unknown[] }> }>(kin.admin('/v1/profiles/record:crm:c-rob/merges'))
    ).data;
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ rule: 'match', messageId: expect.stringMatching(/^match:/), via: [] });
    const links = (
      await json<{ data: Array<{ probability: number; rule: string; evidence: Array<{ field: string }> }> }>(
        kin.admin('/v1/match/links?profile=record:crm:c-rob'),
      )
    ).data;
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ rule: 'match' });
    expect(links[0]!.probability).toBeGreaterThanOrEqual(0.95);
    expect(links[0]!.evidence.map((e) => e.field)).toEqual(expect.arrayContaining(['first_name', 'last_name', 'date_of_birth']));

    // The web twins stay apart and wait for review.
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/user_id:u-twin-1'))).id).not.toBe(
      (await json<{ id: string }>(kin.admin('/v1/profiles/user_id:u-twin-2'))).id,
    );
    type Item = {
      id: string;
      probability: number;
      reason: string;
      evidence: Array<{ field: string; level: string; weight: number }>;
      a: { externalIds: Array<{ type: string; value: string }> };
      b: { externalIds: Array<{ type: string; value: string }> };
    };
    const open = await json<{ data: Item[] }>(kin.admin('/v1/review?status=open'));
    expect(open.data).toHaveLength(3);
    const holding = (value: string) => open.data.find((i) => [...i.a.externalIds, ...i.b.externalIds].some((x) => x.value === value))!;
    expect(holding('u-twin-1').reason).toBe('limit');
    const dan = holding('danp');
    const matt = holding('mattc');
    for (const item of [dan, matt]) {
      expect(item.reason).toBe('below-link-threshold');
      expect(item.probability).toBeGreaterThanOrEqual(0.5);
      expect(item.probability).toBeLessThan(0.95);
      expect(item.evidence.find((e) => e.field === 'first_name')).toMatchObject({ level: expect.any(String), weight: expect.any(Number) });
    }

    // Accept: one profile, ledger rule "review".
    const accepted = await kin.admin(`/v1/review/${dan.id}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'accept' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(accepted.status).toBe(200);
    const danProfile = await json<{ id: string; externalIds: Array<{ type: string; value: string }> }>(
      kin.admin('/v1/profiles/twitter:danp'),
    );
    expect(danProfile.externalIds.map((x) => `${x.type}:${x.value}`)).toContain('record:crm:c-dan');
    expect((await json<{ data: Array<{ rule: string }> }>(kin.admin('/v1/profiles/twitter:danp/merges'))).data.map((m) => m.rule)).toEqual([
      'review',
    ]);

    // Reject: never merged, even by a run whose link threshold would link the pair.
    const rejected = await kin.admin(`/v1/review/${matt.id}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(rejected.status).toBe(200);
    const rules = await json<{ data: Array<{ reason: string; sides: Array<Array<{ type: string; value: string }>> }> }>(
      kin.admin('/v1/rules/do-not-link'),
    );
    const rule = rules.data.find((r) => r.reason === 'review');
    expect(rule?.sides.flat().map((x) => `${x.type}:${x.value}`)).toEqual(expect.arrayContaining(['record:crm:c-mat', 'twitter:mattc']));
    const again = await kin.admin(`/v1/review/${matt.id}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'accept' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(again.status).toBe(409);
    const second = await json<Record<string, number>>(
      kin.admin('/v1/match/run', { method: 'POST', body: JSON.stringify({ linkThreshold: 0.5 }) }),
    );
    expect(second['skippedRejected']).toBeGreaterThanOrEqual(1);
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/twitter:idaq'))).id).not.toBe(
      (await json<{ id: string }>(kin.admin('/v1/profiles/record:crm:c-ida'))).id,
    );
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/twitter:mattc'))).id).not.toBe(
      (await json<{ id: string }>(kin.admin('/v1/profiles/record:crm:c-mat'))).id,
    );
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/user_id:u-twin-1'))).id).not.toBe(
      (await json<{ id: string }>(kin.admin('/v1/profiles/user_id:u-twin-2'))).id,
    );
    // A match merge is an ordinary ledger entry: the trust engineer's undo takes it back.
    const robertMerge = (await json<{ data: Array<{ id: string; rule: string }> }>(kin.admin('/v1/profiles/record:crm:c-rob/merges')))
      .data[0]!;
    const undo = await kin.admin(`/v1/merges/${robertMerge.id}/undo`, { method: 'POST' });
    expect(undo.status).toBe(200);
    expect((await json<{ id: string }>(kin.admin('/v1/profiles/twitter:bobsmith'))).id).not.toBe(
      (await json<{ id: string }>(kin.admin('/v1/profiles/record:crm:c-rob'))).id,
    );
    // Nothing already queued or decided is queued again.
    const all = await json<{ data: Item[] }>(kin.admin('/v1/review?limit=500'));
    expect(
      new Set(
        all.data.map((i) =>
          [i.a.externalIds, i.b.externalIds]
            .map((x) => JSON.stringify(x))
            .sort()
            .join('|'),
        ),
      ).size,
    ).toBe(all.data.length);
  });

  it('guards the review routes', async () => {
    expect((await fetch(`${kin.url}/v1/review`)).status).toBe(401);
    expect((await fetch(`${kin.url}/v1/match/run`, { method: 'POST' })).status).toBe(401);
    const bad = await kin.admin('/v1/review/nope', {
      method: 'POST',
      body: JSON.stringify({ decision: 'maybe' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_decision');
    const missing = await kin.admin('/v1/review/nope', {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(404);
    expect(((await (await kin.admin('/v1/review?status=done')).json()) as { error: { code: string } }).error.code).toBe('invalid_query');
    expect(
      ((await (await kin.admin('/v1/match/run', { method: 'POST', body: '{"linkThreshold":2}' })).json()) as { error: { code: string } })
        .error.code,
    ).toBe('invalid_query');
  });
});
