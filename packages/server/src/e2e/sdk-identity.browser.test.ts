/**
 * Identity verification end to end: Kin's own browser SDK (served by Kin at /sdk.js) in a real Chromium
 * attaches the proof the shop's server made at login — `context.userHash` (HMAC) on one source,
 * `context.identityToken` (JWT) on another — and Kin verifies it (identity/identity-verify.ts): a proven
 * userId links the visitor's events to a profile, a forged or missing proof links nothing.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import type { ShopWindow } from '../testing/browser-shop.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

const HMAC_SECRET = 'shop-hmac-secret-0123456789';
const JWT_SECRET = 'shop-jwt-secret-0123456789abcdef';
const APP_KEY = 'test-write-key-app-0123';

describe.skipIf(skipWithoutChromium)('browser SDK identity proof, verified by Kin', () => {
  let kin: TestKin;
  let shop: Server;
  let shopOrigin = '';
  let browser: Browser;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-sdk-identity-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        sources: {
          web: { identityVerification: 'hmac', hmacSecret: HMAC_SECRET },
          app: { identityVerification: 'jwt', jwtSecret: JWT_SECRET },
        },
      }),
    );
    kin = await startTestKin({
      extra: mountWebAssets,
      env: { KIN_POLICY: policy, KIN_WRITE_KEYS: `web:test-write-key-web-0123,app:${APP_KEY}` },
    });
    shop = createServer((req, res) => {
      // `/?key=…`: the shop's page with one source's write key.
      const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key') ?? '';
      const html = `<!doctype html><html><head><title>Shop</title></head><body>
<script src="${kin.url}/sdk.js" data-write-key="${key}" data-host="${kin.url}" data-flush-at="100"></script></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((done) => shop.listen(0, '127.0.0.1', done));
    shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (shop ? shop.close(() => done()) : done()));
    await kin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A visitor who logs in as `userId` with `options` (the proof), then views a product. */
  const visit = async (key: string, userId: string, options: Record<string, unknown>): Promise<string> => {
    const context = await browser.newContext();
    const page: Page = await context.newPage();
    await page.goto(`${shopOrigin}/?key=${key}`);
    await page.waitForFunction(() => typeof (window as unknown as ShopWindow).kin?.flush === 'function');
    const anonymousId = await page.evaluate(
      async ([u, o]) => {
        const k = (window as unknown as ShopWindow).kin;
        k.identify(u as string, { plan: 'pro' }, o as Record<string, unknown>);
        k.track('Product Viewed');
        await k.flush();
        return k.user().anonymousId();
      },
      [userId, options] as const,
    );
    await context.close();
    return anonymousId;
  };
  const profileOf = async (ref: string): Promise<string | undefined> => {
    const res = await kin.admin('/v1/profiles/' + encodeURIComponent(ref));
    return res.ok ? ((await res.json()) as { id: string }).id : undefined;
  };

  it('hmac: a userHash made by the shop links the userId; a forged one links nothing', async () => {
    const userHash = createHmac('sha256', HMAC_SECRET).update('shopper-hmac').digest('hex');
    const anonymous = await visit(kin.writeKey, 'shopper-hmac', { userHash });
    const profile = await profileOf('user_id:shopper-hmac');
    expect(profile).toBeDefined();
    expect(await profileOf(`anonymous_id:${anonymous}`)).toBe(profile);

    const forger = await visit(kin.writeKey, 'shopper-victim', { userHash: '00'.repeat(32) });
    expect(await profileOf('user_id:shopper-victim')).toBeUndefined();
    // The forger's events are kept under their own anonymous id, with the unverified claim linking nothing.
    expect(await profileOf(`anonymous_id:${forger}`)).toBeDefined();
  });

  it('jwt: an identityToken (sub = userId) passed in options.context links the userId; none links nothing', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('shopper-jwt')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    await visit(APP_KEY, 'shopper-jwt', { context: { identityToken: token } });
    expect(await profileOf('user_id:shopper-jwt')).toBeDefined();

    await visit(APP_KEY, 'shopper-no-proof', {});
    expect(await profileOf('user_id:shopper-no-proof')).toBeUndefined();
  });
});
