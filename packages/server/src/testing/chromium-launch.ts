/**
 * The one Chromium every browser suite launches: Debian's, headless, with the quiet flags. A suite is skipped only
 * when Chromium is missing and KIN_REQUIRE_SERVICES is unset; CI sets it, so there a missing browser fails.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when browser suites should skip (no Chromium, and services are not required). */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env['KIN_REQUIRE_SERVICES'];

/** Launches headless Chromium with the quiet flags every browser suite uses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
