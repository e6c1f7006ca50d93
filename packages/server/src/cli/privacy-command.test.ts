import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { runKin } from '../testing/kin-process.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
  await kin.track('/v1/identify', { anonymousId: 'cli-anon', traits: { email: 'cli@example.com' } });
});
afterAll(async () => kin.close());

describe('kin privacy', () => {
  it('suppresses and exports through the running server, and fails with one line', async () => {
    const flags = ['--url', kin.url, '--token', kin.adminToken];
    const suppress = await runKin(['privacy', 'suppress', 'email:cli@example.com', ...flags]);
    expect(suppress.code, suppress.stderr).toBe(0);
    expect(suppress.stdout).toMatch(/\tsuppress\tcompleted\t\{"identifiers":2\}/);
    expect(await (await kin.track('/v1/track', { anonymousId: 'cli-anon', event: 'Viewed' })).json()).toMatchObject({ suppressed: 1 });

    const exported = await runKin(['privacy', 'export', 'anonymous_id:cli-anon', '--ndjson', ...flags]);
    expect(exported.code, exported.stderr).toBe(0);
    const kinds = exported.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds[0]).toBe('profile');
    expect(kinds.filter((k) => k === 'event')).toHaveLength(1);

    const missing = await runKin(['privacy', 'delete', 'no-such-profile', ...flags]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('kin: 404: no profile has this id\n');
  });
});
