/**
 * Static web assets served by `kin serve`: the browser SDK at `/sdk.js` and the dashboard at `/`.
 *
 * The dashboard is `packages/dashboard/dist` (built by `npm ci` through the root `prepare` script). When
 * it is missing at start, it is built once with Vite's `build()` API before the first page is served,
 * so a fresh checkout still shows the dashboard. Every GET outside `/v1` that is not a file answers with
 * `index.html` (the dashboard routes in the browser). The SDK is bundled in memory on first request and
 * kept for the life of the process.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import type { AppEnv, KinApp } from './app.ts';
import { publicRoute } from './route-scope.ts';

/** Where the dashboard package lives in this checkout. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

/** Options of `createWebAssets`. */
export interface WebAssetsOptions {
  /** The built dashboard (default `packages/dashboard/dist`). */
  distDir?: string;
  /** Build the dashboard when `distDir` has no index.html (default true). */
  buildIfMissing?: boolean;
  /** One line per notable step (default: stderr). */
  log?: (line: string) => void;
  /** The SDK script-tag bundle (default: `buildSdk()` of @kin/sdk-browser). */
  loadSdk?: () => Promise<string>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Why a CSP: the dashboard holds the admin token; it loads only its own scripts and talks only to Kin. */
const HTML_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Mounts `/sdk.js` and the dashboard with the defaults (what `kin serve` passes as `extra`). */
export function mountWebAssets(app: KinApp): void {
  createWebAssets()(app);
}

/** Builds a mount function for the SDK and dashboard routes. */
export function createWebAssets(options: WebAssetsOptions = {}): (app: KinApp) => void {
  const dist = resolve(options.distDir ?? join(DASHBOARD_DIR, 'dist'));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loadSdk = options.loadSdk ?? defaultLoadSdk;
  return (app) => {
    // Started at mount time so the build overlaps server start; requests wait for it.
    const ready = options.buildIfMissing === false ? Promise.resolve() : ensureDashboardBuilt({ distDir: dist, log });
    ready.catch(() => undefined);
    let sdk: Promise<string> | undefined;

    app.get('/sdk.js', publicRoute, async (c) => {
      sdk ??= loadSdk();
      const text = await sdk.catch((error: unknown) => {
        sdk = undefined;
        throw error;
      });
      return c.body(text, 200, {
        'content-type': 'application/javascript; charset=utf-8',
        'cache-control': 'public, max-age=300',
        'access-control-allow-origin': '*',
      });
    });

    app.get('*', publicRoute, async (c) => {
      const path = c.req.path;
      if (path === '/v1' || path.startsWith('/v1/')) return c.notFound();
      try {
        await ready;
      } catch {
        return c.text('The dashboard could not be built; see the server log. The API on /v1 works.', 503);
      }
      const file = fileFor(dist, path);
      if (file && file !== join(dist, 'index.html')) {
        const body = await readFile(file).catch(() => undefined);
        if (body) {
          const immutable = path.startsWith('/assets/');
          return c.body(new Uint8Array(body), 200, {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            // Hashed assets hold code only, never data, so they may be cached; everything else is no-store.
            'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
            'x-content-type-options': 'nosniff',
          });
        }
      }
      if (!isAppRoute(path)) return c.notFound();
      return indexHtml(c, dist);
    });
  };
}

/**
 * Whether a path that is not a file is a dashboard route (answered with index.html). Why not "has no
 * extension": a profile ref is often an email (`/profiles/email:alice@example.com` ends in ".com"). A missing
 * build file (`/assets/…`, or a root file with a file extension) stays a 404 so a stale page fails loudly.
 */
export function isAppRoute(path: string): boolean {
  if (path.startsWith('/assets/')) return false;
  if (path.startsWith('/profiles/')) return true;
  return !(extname(path).toLowerCase() in CONTENT_TYPES) && extname(path) !== '.map';
}

async function indexHtml(c: Context<AppEnv>, dist: string): Promise<Response> {
  const html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => undefined);
  if (html === undefined) return c.text('The dashboard is not built (npm run build -w @kin/dashboard).', 503);
  return c.body(html, 200, { 'content-type': 'text/html; charset=utf-8', ...HTML_HEADERS });
}

/** The file under `dist` a URL path names, or `undefined` (outside dist, or not a plain file path). */
function fileFor(dist: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(dist, '.' + decoded);
  return file.startsWith(dist + sep) ? file : undefined;
}

const builds = new Map<string, Promise<void>>();

/**
 * Builds the dashboard into `distDir` with Vite when its index.html is missing; resolves at once when it
 * exists. One build per directory per process, however many servers mount it.
 */
export function ensureDashboardBuilt(options: { distDir?: string; log?: (line: string) => void } = {}): Promise<void> {
  const dist = resolve(options.distDir ?? join(DASHBOARD_DIR, 'dist'));
  if (existsSync(join(dist, 'index.html'))) return Promise.resolve();
  let pending = builds.get(dist);
  if (!pending) {
    (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `kin: building the dashboard into ${dist} (first start; npm ci does this ahead of time)`,
    );
    pending = buildDashboard(dist);
    builds.set(dist, pending);
    pending.catch(() => builds.delete(dist));
  }
  return pending;
}

async function buildDashboard(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: join(DASHBOARD_DIR, 'vite.config.ts'),
    root: DASHBOARD_DIR,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
}

async function defaultLoadSdk(): Promise<string> {
  const { buildSdk } = await import('@kin/sdk-browser/build');
  return (await buildSdk()).iife;
}
