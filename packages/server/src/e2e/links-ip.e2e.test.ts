/**
 * What a tracked-link click keeps of the clicker's IP address (`KIN_LINKS_IP`), over a real socket: truncated by
 * default (the /24 of IPv4), dropped, or kept; and the recipients route's limit of 10,000 refs per call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedLink, RecipientLink } from '@kin/core/api/index.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { until } from '../testing/nats-test-server.ts';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
let kin: TestKin | undefined;
afterEach(async () => {
  await kin?.close();
  kin = undefined;
});

const post = (k: TestKin, path: string, body: unknown) =>
  k.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('tracked links: the IP address of a click', () => {
  for (const [mode, kept] of [
    [undefined, '127.0.0.0'], // truncate
    ['drop', undefined],
    ['keep', '127.0.0.1'],
  ] as const) {
    it(`KIN_LINKS_IP=${mode ?? '(default)'} keeps ${kept ?? 'no address'} on the Link Clicked event`, async () => {
      const k = (kin = await startTestKin({ env: { KIN_LINKS_SCANNER_SECONDS: '0', ...(mode ? { KIN_LINKS_IP: mode } : {}) } }));
      const link = (await (await post(k, '/v1/links', { url: 'https://shop.example/sale' })).json()) as CreatedLink;
      const { data } = (await (await post(k, `/v1/links/${link.id}/recipients`, { refs: ['email:ann@shop.test'] })).json()) as {
        data: RecipientLink[];
      };
      expect((await fetch(data[0]!.url, { redirect: 'manual', headers: { 'user-agent': BROWSER } })).status).toBe(302);
      let clicks: StoredEvent[] = [];
      await until(async () => {
        const res = await k.admin('/v1/profiles/email:ann@shop.test/events?event=Link%20Clicked');
        clicks = res.status === 200 ? ((await res.json()) as { data: StoredEvent[] }).data : [];
        return clicks.length === 1;
      }, 20_000);
      expect(clicks[0]!.context?.ip).toBe(kept);
    });
  }

  it('takes at most 10,000 recipients per call: 10,001 answer 400 naming refs', { timeout: 60_000 }, async () => {
    const k = (kin = await startTestKin());
    const link = (await (await post(k, '/v1/links', { url: 'https://shop.example/sale' })).json()) as CreatedLink;
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `user_id:u${i}`);
    const res = await post(k, `/v1/links/${link.id}/recipients`, { refs: refs(10_001) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; field?: string } }).error).toMatchObject({ code: 'invalid_ref', field: 'refs' });
    const ok = await post(k, `/v1/links/${link.id}/recipients`, { refs: refs(10_000) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: RecipientLink[] }).data).toHaveLength(10_000);
  });
});
