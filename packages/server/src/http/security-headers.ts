/**
 * Security headers on every answer, each only when the route did not set its own: `Cache-Control: no-store`
 * (admin answers hold profiles and tokens; the dashboard's hashed assets and `/sdk.js` set their own
 * caching), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, and a CSP that lets an API
 * answer render nothing and be framed nowhere (the dashboard's HTML sets its own, in web-assets.ts).
 */
import type { MiddlewareHandler } from 'hono';

/** The defaults, lower-case names. */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Adds the defaults the answer lacks (runs after the handler and the error handler). */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  for (const [name, value] of Object.entries(DEFAULT_SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
};
