/**
 * `load`, the browser entry point: an analytics instance wired to cookies, localStorage, fetch and
 * sendBeacon.
 */
import { createAnalytics } from './analytics.ts';
import type { Analytics, LoadOptions } from './analytics.ts';

/** Starts the SDK in a browser and returns the analytics instance. */
export function load(writeKey: string, options: LoadOptions): Analytics {
  return createAnalytics({ ...options, writeKey });
}
