/** Every admin route converted to `readAdminBody` answers a bad body with a 400 naming the field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import { parseAdminBody } from './admin-body.ts';
import { ApiError } from './error-catalog.ts';

let kin: TestApp;
beforeAll(async () => {
  kin = await createTestApp();
  expect((await kin.track('/v1/identify', { userId: 'u1', traits: { name: 'Ann' } })).status).toBe(200);
});
afterAll(() => kin.close());

const post = async (path: string, body: unknown) => {
  const res = await kin.admin(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, error: ((await res.json()) as { error?: { code: string; field?: string; message?: string } }).error };
};

describe('admin bodies: a bad field is a 400 that names it', () => {
  it.each([
    ['/v1/sources', { name: 42 }, 'invalid_source', 'name'],
    ['/v1/sources', 'not json', 'invalid_source', 'name'],
    ['/v1/profiles/user_id:u1/split', { externalIds: [] }, 'invalid_ref', 'externalIds'],
    ['/v1/profiles/user_id:u1/split', { externalIds: ['email:a@example.com', 7] }, 'invalid_ref', 'externalIds[1]'],
    ['/v1/profiles/user_id:u1/split', { externalIds: ['no colon'] }, 'invalid_ref', 'externalIds[0]'],
    ['/v1/identity/dry-run', { event: { type: 'page', anonymousId: 'x' }, source: 42 }, 'invalid_source', 'source'],
    ['/v1/identity/dry-run', { event: { type: 'track' } }, 'invalid_event', 'event.event'],
    ['/v1/match/run', { linkThreshold: 1.5 }, 'invalid_query', 'linkThreshold'],
    ['/v1/match/run', { reviewThreshold: 'low' }, 'invalid_query', 'reviewThreshold'],
    ['/v1/match/run', { source: 3 }, 'invalid_query', 'source'],
    ['/v1/review/bulk', { decision: 'maybe', minProbability: 0.5 }, 'invalid_decision', 'decision'],
    ['/v1/review/bulk', { decision: 'accept', minProbability: -1 }, 'invalid_query', 'minProbability'],
    ['/v1/review/bulk', { decision: 'accept', minProbability: 0.5, dryRun: 'yes' }, 'invalid_query', 'dryRun'],
    ['/v1/review/r-1', { decision: 'later' }, 'invalid_decision', 'decision'],
    ['/v1/review/r-1', 'not json', 'invalid_decision', 'decision'],
  ])('%s %j → %s naming %s', async (path, body, code, field) => {
    expect(await post(path, body)).toMatchObject({ status: 400, error: { code, field } });
  });

  it('answers invalid_json for a body that is not an object where the route reads JSON strictly', async () => {
    expect(await post('/v1/match/run', null)).toMatchObject({ status: 400, error: { code: 'invalid_json' } });
    expect(await post('/v1/review/bulk', [1])).toMatchObject({ status: 400, error: { code: 'invalid_json' } });
  });
});

describe('one answer for every admin body: old admin routes, analytics and messaging alike', () => {
  const funnel = { steps: [{ event: 'A' }, { event: 'B' }], from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' };
  const journey = { key: 'same-form', trigger: { event: 'A' }, steps: [{ wait: '1 hour' }] };
  // Before one helper, these answered in three forms: a bare message, one prefixed with the field, and an
  // unknown key named on the match run but not on analytics (field absent) or messaging.
  it('names a bad nested field by its path, at the start of the message', async () => {
    const bad = [
      await post('/v1/analytics/funnel', {
        ...funnel,
        steps: [{ event: 'A', where: [{ path: 'payload', op: 'eq', value: 1 }] }, { event: 'B' }],
      }),
      await post('/v1/journeys', { ...journey, holdout: { percent: 200 } }),
    ];
    expect(bad).toMatchObject([
      { status: 400, error: { code: 'invalid_query', field: 'steps[0].where[0].path' } },
      { status: 400, error: { code: 'invalid_journey', field: 'holdout.percent' } },
    ]);
    for (const { error } of bad) expect((error as { message: string }).message.startsWith(`${error?.field}: `)).toBe(true);
  });

  it('names an unknown key, and answers invalid_json for a body that is not an object', async () => {
    const unknownKey = [
      await post('/v1/links', { url: 'https://shop.example/sale', colour: 'red' }),
      await post('/v1/analytics/funnel', { ...funnel, colour: 'red' }),
      await post('/v1/journeys', { ...journey, colour: 'red' }),
    ];
    expect(unknownKey.map((r) => [r.status, r.error?.field])).toEqual([
      [400, 'colour'],
      [400, 'colour'],
      [400, 'colour'],
    ]);
    expect(unknownKey.map((r) => r.error?.code)).toEqual(['invalid_link', 'invalid_query', 'invalid_journey']);
    const notAnObject = [await post('/v1/match/run', [1]), await post('/v1/analytics/funnel', [1]), await post('/v1/journeys', [1])];
    expect(notAnObject).toMatchObject(Array(3).fill({ status: 400, error: { code: 'invalid_json' } }));
  });
});

describe('parseAdminBody', () => {
  it('names nested fields, array items and unknown keys', () => {
    const schema = z.strictObject({ a: z.object({ b: z.array(z.number()) }) });
    const fieldOf = (body: unknown) => {
      try {
        parseAdminBody(schema, body, 'invalid_query');
      } catch (error) {
        return error instanceof ApiError ? error.field : undefined;
      }
      return 'parsed';
    };
    expect(fieldOf({ a: { b: [1, 'x'] } })).toBe('a.b[1]');
    expect(fieldOf({ a: { b: [] }, extra: 1 })).toBe('extra');
    expect(fieldOf({ a: { b: [2] } })).toBe('parsed');
  });
});
