/** The review queue's effect preview and bulk decisions, in-process over the real SQLite store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewBulkResult, ReviewEffect } from '@kin/core/api/index.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => t.close());

const idOf = async (ref: string) => ((await (await t.admin(`/v1/profiles/${ref}`)).json()) as { id: string }).id;
const post = (path: string, body: unknown) =>
  t.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const item = (id: string, a: string, b: string, probability: number): ReviewItem => ({
  id,
  runId: 'run-1',
  aProfile: a,
  bProfile: b,
  probability,
  reason: 'below-link-threshold',
  evidence: [{ field: 'first_name', level: 'exact', weight: 3.5 }],
  status: 'open',
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** Three anonymous visitors and two logged-in users; pairs of them queued at 0.6, 0.8 and 0.9. */
async function seed() {
  for (const body of [
    { anonymousId: 'anon-a', traits: { firstName: 'Ann' } },
    { anonymousId: 'anon-b', traits: { firstName: 'Ann' } },
    { anonymousId: 'anon-c', traits: { firstName: 'Ann' } },
    { userId: 'u-1', traits: { firstName: 'Bo' } },
    { userId: 'u-2', traits: { firstName: 'Bo' } },
  ])
    expect((await t.track('/v1/identify', body)).status).toBe(200);
  const [a, b, c, u1, u2] = await Promise.all(
    ['anonymous_id:anon-a', 'anonymous_id:anon-b', 'anonymous_id:anon-c', 'user_id:u-1', 'user_id:u-2'].map(idOf),
  );
  await t.store.matching.addReviewItems([item('r-ab', a!, b!, 0.9), item('r-bc', b!, c!, 0.6), item('r-users', u1!, u2!, 0.8)]);
  return { a: a!, b: b!, c: c!, u1: u1!, u2: u2! };
}

describe('GET /v1/review/{id}/effect', () => {
  it('says which profile an accept would absorb, with identifier counts, and writes nothing', async () => {
    const { a, b } = await seed();
    const effect = (await (await t.admin('/v1/review/r-ab/effect')).json()) as ReviewEffect;
    expect(effect.kind).toBe('merge');
    if (effect.kind !== 'merge') return;
    expect([effect.survivor.id, effect.absorbed.id].sort()).toEqual([a, b].sort());
    expect(effect.absorbed.identifiers).toBe(1);
    expect(await idOf('anonymous_id:anon-a')).not.toBe(await idOf('anonymous_id:anon-b'));
    expect(((await (await t.admin('/v1/review?status=open')).json()) as { data: unknown[] }).data).toHaveLength(3);
  });

  it('answers the policy refusal (two user ids) and 404 for an unknown item', async () => {
    await seed();
    expect(await (await t.admin('/v1/review/r-users/effect')).json()).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('limit'),
    });
    const missing = await t.admin('/v1/review/nope/effect');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('POST /v1/review/bulk', () => {
  it('counts with dryRun, then decides every open item at or above the score and reports refusals', async () => {
    const { a } = await seed();
    expect(await (await post('/v1/review/bulk', { decision: 'accept', minProbability: 0.75, dryRun: true })).json()).toEqual({
      dryRun: true,
      matched: 2,
      decided: 0,
      refused: [],
    } satisfies ReviewBulkResult);
    expect(await idOf('anonymous_id:anon-b')).not.toBe(a);
    const done = (await (await post('/v1/review/bulk', { decision: 'accept', minProbability: 0.75 })).json()) as ReviewBulkResult;
    expect(done).toMatchObject({ dryRun: false, matched: 2, decided: 1, refused: [{ id: 'r-users' }] });
    expect(await idOf('anonymous_id:anon-a')).toBe(await idOf('anonymous_id:anon-b'));
    const open = ((await (await t.admin('/v1/review?status=open')).json()) as { data: Array<{ id: string }> }).data.map((i) => i.id);
    expect(open.sort()).toEqual(['r-bc', 'r-users']);
  });

  it('names the bad field and needs the admin token', async () => {
    const code = async (body: unknown) =>
      ((await (await post('/v1/review/bulk', body)).json()) as { error: { code: string; field?: string } }).error;
    expect(await code({ decision: 'maybe', minProbability: 0.5 })).toMatchObject({ code: 'invalid_decision', field: 'decision' });
    expect(await code({ decision: 'accept', minProbability: 2 })).toMatchObject({ code: 'invalid_query', field: 'minProbability' });
    expect(await code({ decision: 'accept', minProbability: 0.5, dryRun: 'yes' })).toMatchObject({
      code: 'invalid_query',
      field: 'dryRun',
    });
    expect((await t.app.request('/v1/review/bulk', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
