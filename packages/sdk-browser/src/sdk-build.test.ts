import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildSdk } from '../scripts/build.ts';
import { SDK_LIBRARY } from './sdk-version.ts';

/** The SDK ships on every page of a customer's site: 8 KB minified and gzipped, at most. */
const SIZE_BUDGET_BYTES = 8_192;

describe('buildSdk', () => {
  it('builds ESM and IIFE bundles within the gzip size budget', async () => {
    const { esm, iife } = await buildSdk();
    const sizes = { esm: gzipSync(esm).length, iife: gzipSync(iife).length };
    console.info(`sdk-browser gzip sizes: esm ${sizes.esm} B, iife ${sizes.iife} B`);
    expect(sizes.esm).toBeLessThanOrEqual(SIZE_BUDGET_BYTES);
    expect(sizes.iife).toBeLessThanOrEqual(SIZE_BUDGET_BYTES);
  });

  it('exports load and createAnalytics from the ESM bundle; the IIFE leaks no globals but window.kin', async () => {
    const { esm, iife } = await buildSdk();
    expect(esm).toMatch(/export\{[^}]*\bcreateAnalytics\b/);
    expect(esm).toMatch(/export\{[^}]*\bload\b/);
    expect(iife.trimStart()).toMatch(/^"use strict";\(\(\)=>\{/);
  });

  it('reports the package version in context.library', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_LIBRARY.version).toBe(pkg.version);
  });
});
