/**
 * Browser adapters for the SDK ports. Each one degrades instead of throwing: storage can be disabled
 * (Safari private mode, sandboxed iframes, blocked cookies) and the SDK must still send events.
 */
import { createMemoryStore } from './memory-ports.ts';
import type { Clock, KeyValueStore, Logger, PageEnvironment, PageLifecycle, SdkStorage, Transport } from './sdk-ports.ts';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Wraps a Web Storage area; falls back to memory when it is missing or throws. */
export function webStorageStore(getArea: () => Storage): KeyValueStore {
  const fallback = createMemoryStore();
  let area: Storage | undefined;
  try {
    area = getArea();
    const probe = '__kin_probe__';
    area.setItem(probe, probe);
    area.removeItem(probe);
  } catch {
    area = undefined;
  }
  if (!area) return fallback;
  const storage = area;
  return {
    get: (key) => {
      try {
        return storage.getItem(key) ?? undefined;
      } catch {
        return fallback.get(key);
      }
    },
    set: (key, value) => {
      try {
        storage.setItem(key, value);
      } catch {
        // Quota exceeded: keep the value for this page view at least.
        fallback.set(key, value);
      }
    },
    remove: (key) => {
      try {
        storage.removeItem(key);
      } catch {
        fallback.remove(key);
      }
    },
  };
}

/** A first-party cookie store (one year, path=/, SameSite=Lax, Secure on https). */
export function cookieStore(doc: Document): KeyValueStore {
  const secure = doc.location?.protocol === 'https:' ? '; Secure' : '';
  const write = (cookie: string): void => {
    try {
      doc.cookie = cookie;
    } catch {
      // Cookies blocked: callers fall back to localStorage.
    }
  };
  return {
    get(key) {
      try {
        for (const part of doc.cookie.split('; ')) {
          const eq = part.indexOf('=');
          if (part.slice(0, eq) === key) return decodeURIComponent(part.slice(eq + 1));
        }
      } catch {
        // Cookies blocked.
      }
      return undefined;
    },
    set: (key, value) => write(`${key}=${encodeURIComponent(value)}; path=/; max-age=${ONE_YEAR_SECONDS}; SameSite=Lax${secure}`),
    remove: (key) => write(`${key}=; path=/; max-age=0; SameSite=Lax${secure}`),
  };
}

/** The browser's cookie, localStorage and sessionStorage. */
export function browserStorage(): SdkStorage {
  return {
    local: webStorageStore(() => localStorage),
    session: webStorageStore(() => sessionStorage),
    cookie: cookieStore(document),
  };
}

/** `fetch` for batches, `navigator.sendBeacon` for the page going away. */
export function browserTransport(): Transport {
  return {
    async send({ url, headers, body }) {
      try {
        const response = await fetch(url, { method: 'POST', headers, body, credentials: 'omit' });
        return { status: response.status, body: await response.text().catch(() => '') };
      } catch {
        return { status: 0 };
      }
    },
    beacon(url, body) {
      try {
        // Why text/plain: Chrome refuses beacons whose Blob type is not CORS-safelisted, and
        // application/json is not. The body is still JSON; the server parses it regardless of type.
        return navigator.sendBeacon(url, new Blob([body], { type: 'text/plain;charset=UTF-8' }));
      } catch {
        return false;
      }
    },
  };
}

/** The real clock. */
export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Reads `location`, `document` and `navigator` at call time. */
export function browserPage(): PageEnvironment {
  return {
    url: () => location.href,
    referrer: () => document.referrer,
    title: () => document.title,
    userAgent: () => navigator.userAgent,
    userAgentData: () => {
      const data = (navigator as { userAgentData?: { brands: unknown; mobile: boolean; platform: string } }).userAgentData;
      return data ? { brands: data.brands, mobile: data.mobile, platform: data.platform } : undefined;
    },
    locale: () => navigator.language,
    timezone: () => {
      try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone;
      } catch {
        return '';
      }
    },
  };
}

/** Warnings go to the console. */
export const consoleLogger: Logger = {
  warn: (message, detail) => console.warn(`[kin] ${message}`, detail ?? ''),
};

/**
 * Fires when the page is hidden or unloaded. Why both events: `visibilitychange` is the last event
 * mobile browsers reliably deliver, and `pagehide` covers desktop navigations that skip it.
 */
export function browserLifecycle(): PageLifecycle {
  return {
    onHidden(callback) {
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') callback();
      });
      addEventListener('pagehide', callback);
    },
  };
}
