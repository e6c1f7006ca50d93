/**
 * Entry of the script-tag build (`dist/kin.js`, served at `/sdk.js`).
 *
 * The page may have queued calls before the script arrived, snippet style:
 *   window.kin = window.kin || []; kin.push(['track', 'Signed Up', { plan: 'pro' }]);
 * This replaces `window.kin` with the loaded instance and replays those calls in order. The write key
 * and host come from the script tag's `data-write-key` / `data-host` (or a queued `['load', key, opts]`);
 * the host defaults to the origin the script was served from.
 */
import type { Analytics, LoadOptions } from './analytics.ts';
import { load } from './load.ts';

type QueuedCall = [string, ...unknown[]];

/** Loads from the current script tag and replays the queue; a second copy of the script is a no-op. */
export function bootFromScriptTag(win: Window & { kin?: unknown }, script: HTMLScriptElement | null): void {
  if (win.kin !== undefined && !Array.isArray(win.kin)) return;
  const calls = ((win.kin as unknown[] | undefined) ?? []).filter(
    (call): call is QueuedCall => Array.isArray(call) && typeof call[0] === 'string',
  );
  const loadCall = calls.find((call) => call[0] === 'load');
  const data = script?.dataset ?? {};
  const writeKey = data['writeKey'] ?? (loadCall?.[1] as string | undefined);
  if (!writeKey) {
    console.warn('[kin] no write key: add data-write-key to the script tag');
    return;
  }
  const queuedOptions = (loadCall?.[2] ?? {}) as Partial<LoadOptions>;
  const options: LoadOptions = {
    ...queuedOptions,
    host: data['host'] ?? queuedOptions.host ?? new URL(script?.src || win.location.href).origin,
  };
  if (data['flushAt']) options.flushAt = Number(data['flushAt']);
  if (data['flushInterval']) options.flushInterval = Number(data['flushInterval']);

  const kin = load(writeKey, options);
  win.kin = kin;
  for (const [method, ...args] of calls) {
    const fn = kin[method as keyof Analytics] as ((...a: unknown[]) => unknown) | undefined;
    if (method !== 'load' && typeof fn === 'function') fn(...args);
  }
}

bootFromScriptTag(window, document.currentScript as HTMLScriptElement | null);
