/**
 * docs/api.md is the full route reference: every route the app registers (found by walking `app.routes`) is
 * named there, with its parameters in braces (`/v1/profiles/{ref}`). In-process, no socket.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const API_DOC = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');

/** A path with every parameter as `{}`: `/v1/profiles/:ref` and `/v1/profiles/{ref}` both become `/v1/profiles/{}`. */
const shape = (path: string): string => path.replace(/\{[^}]*\}/g, '{}').replace(/:[A-Za-z]+/g, '{}');

let harness: TestApp;
beforeAll(async () => {
  harness = await createTestApp();
});
afterAll(async () => {
  await harness.close();
});

it('names every registered route', () => {
  const documented = shape(API_DOC);
  const paths = new Set(
    harness.app.routes.filter((r) => !(r.method === 'ALL' || r.path === '*' || r.path.endsWith('/*'))).map((r) => r.path),
  );
  expect(paths.size).toBeGreaterThan(60);
  // A path counts when it ends there (not a prefix of a longer one): followed by a quote, a query, a list or an extension.
  const named = (path: string): boolean =>
    documented
      .split(shape(path))
      .slice(1)
      .some((after) => /^[`?.[|, )]/.test(after));
  expect([...paths].filter((path) => !named(path))).toEqual([]);
});
