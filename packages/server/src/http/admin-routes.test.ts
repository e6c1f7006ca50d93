import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

let kin: TestApp;
beforeAll(async () => {
  kin = await createTestApp();
});
afterAll(() => kin.close());

const post = (name: unknown) =>
  kin.admin('/v1/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });

describe('POST /v1/sources', () => {
  it('creates a source once and answers its write key', async () => {
    const res = await post('ios');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { source: { name: string }; writeKey: string };
    expect(body.source.name).toBe('ios');
    expect(body.writeKey).toMatch(/^kin_wk_/);
    const again = await post('ios');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('answers invalid_source naming the field for a bad name', async () => {
    for (const name of ['bad name!', '', 'x'.repeat(65), 42]) {
      const res = await post(name);
      expect(res.status, String(name)).toBe(400);
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({
        code: 'invalid_source',
        field: 'name',
      });
    }
  });
});
