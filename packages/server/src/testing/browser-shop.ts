/**
 * What browser tests share: Debian's Chromium (skipped only when it is missing and KIN_REQUIRE_SERVICES is
 * unset; CI sets it, so there a missing browser fails), and the `window.kin` a shop page gets from Kin's
 * `/sdk.js`.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when browser suites should skip (no Chromium, and services are not required). */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env['KIN_REQUIRE_SERVICES'];

/** A shop page's window once Kin's SDK loaded (the calls browser tests make). */
export interface ShopWindow {
  kin: {
    identify(userId: string, traits: Record<string, unknown>, options?: Record<string, unknown>): void;
    track(event: string, properties?: Record<string, unknown>): void;
    reset(): void;
    flush(): Promise<void>;
    user(): { anonymousId(): string };
  };
}

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
