/**
 * The app takes time and ids from its ports: with a fixed clock and sequential ids, request ids and the
 * times it records are the test's. In-process (`app.request()`), no socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../ports/clock.ts';
import { sequentialIds } from '../ports/ids.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const AT = '2031-05-06T07:08:09.000Z';
let kin: TestApp;
beforeAll(async () => {
  kin = await createTestApp({ clock: fixedClock(AT), ids: sequentialIds() });
});
afterAll(() => kin.close());

describe('ports at the composition root', () => {
  it('names each request with an id from the id port, in the header and in error bodies', async () => {
    const first = await kin.admin('/v1/stats');
    expect(first.headers.get('x-request-id')).toBe('r-000001');
    const missing = await kin.admin('/v1/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('r-000002');
    expect(((await missing.json()) as { error: { requestId: string } }).error.requestId).toBe('r-000002');
  });

  it('records rejected events at the clock port time', async () => {
    const res = await kin.track('/v1/track', { anonymousId: 'a-1', timestamp: AT });
    expect(res.status).toBe(400);
    const warnings = (await (await kin.admin('/v1/warnings')).json()) as {
      data: Array<{ kind: string; createdAt: string; lastSeenAt: string }>;
    };
    expect(warnings.data).toEqual([expect.objectContaining({ kind: 'rejected_event', createdAt: AT, lastSeenAt: AT })]);
  });
});
