import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFieldPath } from '@kin/core';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

// One form for a bad field inside arrays, whoever found it: a zod schema on an admin body and the event
// validator on a tracking batch both answer `name[0].name` (core's formatFieldPath), never `name.0.name`.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const fieldOf = async (res: Response) => (await res.json()) as { error?: { field?: string }; rejected?: Array<{ field: string }> };

describe('field paths in 400 answers', () => {
  it('a nested array error in a zod-validated admin body and in /v1/batch use the same form', async () => {
    const funnel = {
      steps: [
        { event: 'Viewed' },
        {
          event: 'Bought',
          where: [
            { path: 'properties.total', op: 'gt', value: 1 },
            { path: 'payload', op: 'eq', value: 1 },
          ],
        },
      ],
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    };
    const admin = await t.admin('/v1/analytics/funnel', {
      method: 'POST',
      body: JSON.stringify(funnel),
      headers: { 'content-type': 'application/json' },
    });
    expect(admin.status).toBe(400);
    const adminField = (await fieldOf(admin)).error?.field;

    const batch = {
      batch: [
        { type: 'track', anonymousId: 'a1', event: 'Viewed' },
        { type: 'track', anonymousId: 'a1', event: 'Bought', properties: { items: [{ sku: 'a' }, { sku: 'b\u0000' }] } },
      ],
    };
    const tracking = await t.track('/v1/batch', batch);
    expect(tracking.status).toBe(200);
    const trackingField = (await fieldOf(tracking)).rejected?.[0]?.field;

    expect(adminField).toBe(formatFieldPath(['steps', 1, 'where', 1, 'path']));
    expect(trackingField).toBe(formatFieldPath(['batch', 1, 'properties', 'items', 1, 'sku']));
    expect([adminField, trackingField]).toEqual(['steps[1].where[1].path', 'batch[1].properties.items[1].sku']);
  });

  it('a zod array index in a journey body is written in brackets too', async () => {
    const res = await t.admin('/v1/journeys', {
      method: 'POST',
      body: JSON.stringify({ key: 'k', trigger: { event: 'x' }, steps: [{ sleep: 5 }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await fieldOf(res)).error?.field).toMatch(/^steps\[0\]/);
  });
});
