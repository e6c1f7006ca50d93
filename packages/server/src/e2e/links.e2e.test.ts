/**
 * Tracked links end to end over real sockets, in both modes: embedded (SQLite file, writer thread) and
 * scale-out (PostgreSQL + NATS JetStream, collector and worker; skipped without those services unless
 * KIN_REQUIRE_SERVICES). A recipient's click lands on the recipient's profile, the landing browser's page
 * view (with `context.kin.link`) joins it, and bots, tampered tokens and HEAD requests stay out of the stats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedLink, LinkStats, RecipientLink } from '@kin/core/api/index.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { deleteTestStream, testNatsStatus, testNatsUrl, testStreamNames, until } from '../testing/nats-test-server.ts';

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const services = (await testPostgresStatus()).ok && (await testNatsStatus()).ok;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts Kin in a mode; the scanner window is 1 s so a test can click "late" quickly. */
async function start(mode: 'embedded' | 'pipeline'): Promise<TestKin> {
  const env: Record<string, string> = { KIN_LINKS_SCANNER_SECONDS: '1' };
  let db: string | undefined;
  if (mode === 'pipeline') {
    const pg = await createTestDatabase();
    cleanups.push(() => pg.drop());
    const names = testStreamNames();
    cleanups.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
    Object.assign(env, names.env, { KIN_PIPELINE: testNatsUrl() });
    db = pg.url;
  }
  const kin = await startTestKin({ env, ...(db ? { db } : {}) });
  cleanups.push(() => kin.close());
  return kin;
}

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

for (const mode of ['embedded', 'pipeline'] as const) {
  describe.skipIf(mode === 'pipeline' && !services && !servicesRequired())(`tracked links (${mode})`, () => {
    it('a recipient click lands on the profile, the landing browser joins it, bots, tampered tokens and HEAD stay out of stats', async () => {
      const kin = await start(mode);
      const post = (path: string, body: unknown) =>
        kin.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      const link = await json<CreatedLink>(
        await post('/v1/links', { url: 'https://shop.example/sale', utm: { source: 'Email' }, campaignId: 'spring' }),
      );
      expect(link.shortUrl).toBe(`${kin.url}/l/${link.code}`);
      const { data } = await json<{ data: RecipientLink[] }>(
        await post(`/v1/links/${link.id}/recipients`, { refs: ['email:ann@example.com', 'email:bob@example.com'] }),
      );
      const ann = data[0]!;
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the scanner window

      const click = await fetch(ann.url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
      expect(click.status).toBe(302);
      expect(click.headers.get('cache-control')).toBe('no-store');
      const landingUrl = new URL(click.headers.get('location')!);
      expect(landingUrl.origin + landingUrl.pathname).toBe('https://shop.example/sale');
      expect(landingUrl.searchParams.get('utm_source')).toBe('email');
      const clickId = landingUrl.searchParams.get('kin_link')!;

      // Noise: a bot, a tampered token, a HEAD, and an unknown code.
      expect(
        (
          await fetch(ann.url, {
            redirect: 'manual',
            headers: { 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' },
          })
        ).status,
      ).toBe(302);
      const tampered = ann.url.replace(/.(?=$)/, (ch) => (ch === 'x' ? 'y' : 'x'));
      expect((await fetch(tampered, { redirect: 'manual', headers: { 'user-agent': BROWSER } })).status).toBe(302);
      expect((await fetch(ann.url, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': BROWSER } })).status).toBe(302);
      const unknown = await fetch(`${kin.url}/l/nope-nope`, { redirect: 'manual' });
      expect(unknown.status).toBe(404);
      expect(await json<{ error: { code: string } }>(unknown)).toMatchObject({ error: { code: 'not_found' } });

      // The click is on Ann's profile.
      await until(async () => (await kin.admin('/v1/profiles/email:ann@example.com')).status === 200, 10_000);
      // The landing browser's page view names the click (the browser SDK keeps kin_link as context.kin.link).
      const page = await kin.track('/v1/page', {
        anonymousId: 'landing-browser-1',
        name: 'Sale',
        context: { kin: { link: clickId }, userAgent: BROWSER },
      });
      expect(page.status).toBe(200);
      await until(async () => {
        const res = await kin.admin('/v1/profiles/anonymous_id:landing-browser-1');
        if (res.status !== 200) return false;
        const profile = await json<{ externalIds: Array<{ type: string; value: string }> }>(res);
        return profile.externalIds.some((id) => id.type === 'email' && id.value === 'ann@example.com');
      }, 10_000);
      const events = await json<{ data: Array<{ event?: string; type: string; properties?: Record<string, unknown> }> }>(
        await kin.admin('/v1/profiles/email:ann@example.com/events'),
      );
      expect(events.data.map((e) => e.event ?? e.type)).toEqual(['page', 'Link Clicked']);
      expect(events.data[1]!.properties).toMatchObject({ link_id: link.id, bot: false, token: 'valid', campaign_id: 'spring' });

      let stats: LinkStats | undefined;
      await until(async () => {
        stats = await json<LinkStats>(await kin.admin(`/v1/links/${link.id}/stats`));
        return stats.clicks + stats.botClicks + stats.headRequests >= 4;
      }, 10_000);
      expect(stats).toMatchObject({
        clicks: 2,
        botClicks: 1,
        headRequests: 1,
        invalidTokenClicks: 1,
        recipients: 2,
        recipientsClicked: 1,
        uniqueClicks: 2,
      });

      // The landing browser's order is a conversion of the link.
      await kin.track('/v1/track', { anonymousId: 'landing-browser-1', event: 'Order Completed', properties: { total: 30 } });
      await until(async () => (await json<LinkStats>(await kin.admin(`/v1/links/${link.id}/stats`))).conversions === 1, 10_000);
    });
  });
}
