/**
 * The SDK's side effects, each behind a small port so the core logic runs (and is tested) without a DOM.
 * Browser adapters live in `browser-ports.ts`; in-memory twins live in `memory-ports.ts`.
 */

/** A string key/value store (cookie, localStorage or sessionStorage). Never throws. */
export interface KeyValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** The three stores the SDK persists to. */
export interface SdkStorage {
  /** Survives reloads and browser restarts (localStorage). */
  local: KeyValueStore;
  /** Lives as long as the tab's session (sessionStorage). */
  session: KeyValueStore;
  /** First-party cookie, readable by the server on the same site. */
  cookie: KeyValueStore;
}

/** One HTTP request the transport should send. */
export interface TransportRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * What the transport saw: the HTTP status, or 0 when the request never got an answer (network down,
 * CORS refusal, abort). A value, not an exception, because the queue decides what to do with it.
 */
export interface TransportResult {
  status: number;
  /** The answer's body when it had one (Kin lists items it refused for now under `rejected`). */
  body?: string;
}

/** Sends batches: a normal request, and a fire-and-forget beacon for when the page is going away. */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResult>;
  /** Queues `body` for delivery after unload; returns false when the browser refused it. */
  beacon(url: string, body: string): boolean;
}

/** Time and timers, injectable so retry schedules are deterministic in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the SDK reads about the page it runs in; sampled at every event so SPA navigations are seen. */
export interface PageEnvironment {
  /** The full current URL (`location.href`). */
  url(): string;
  referrer(): string;
  title(): string;
  userAgent(): string;
  /** Low-entropy User-Agent Client Hints (Chromium only), as analytics.js sends them. */
  userAgentData(): { brands: unknown; mobile: boolean; platform: string } | undefined;
  locale(): string;
  timezone(): string;
}

/** Where warnings go (dropped batches). */
export interface Logger {
  warn(message: string, detail?: unknown): void;
}

/** Tells the SDK when the page is going away (hidden tab, navigation, close). */
export interface PageLifecycle {
  onHidden(callback: () => void): void;
}
