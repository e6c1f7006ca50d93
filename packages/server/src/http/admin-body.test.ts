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
  return { status: res.status, error: ((await res.json()) as { error?: { code: string; field?: string } }).error };
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
