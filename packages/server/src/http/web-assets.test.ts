import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { createWebAssets } from './web-assets.ts';

let kin: TestKin;
let dist: string;
beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'kin-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Kin</title><div id="root"></div>');
  writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'kin-secret.txt'), 'secret');
  kin = await startTestKin({ extra: createWebAssets({ distDir: dist, buildIfMissing: false, loadSdk: async () => 'window.kin=1' }) });
});
afterAll(async () => {
  await kin.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('web assets', () => {
  it('serves the SDK bundle at /sdk.js', async () => {
    const res = await fetch(kin.url + '/sdk.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/javascript');
    expect(await res.text()).toBe('window.kin=1');
  });

  it('serves assets with long caching and index.html for dashboard routes', async () => {
    const asset = await fetch(kin.url + '/assets/app-1.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    for (const path of [
      '/',
      '/profiles/user_id%3Au1',
      '/sources',
      '/profiles/email:alice@example.com',
      '/profiles/email%3Aann.lee%40shop.example.js',
      '/search?q=a.b',
    ]) {
      const page = await fetch(kin.url + path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await page.text()).toContain('<div id="root">');
    }
  });

  it('keeps /v1 answers as JSON 404s, missing assets 404 and never leaves dist', async () => {
    const api = await fetch(kin.url + '/v1/nothing-here');
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(kin.url + '/assets/missing.js')).status).toBe(404);
    expect((await fetch(kin.url + '/favicon.ico')).status).toBe(404);
    expect((await fetch(kin.url + '/app.js.map')).status).toBe(404);
    expect((await fetch(kin.url + '/..%2Fkin-secret.txt')).status).toBe(404);
    expect((await fetch(kin.url + '/health')).status).toBe(200);
  });
});
