/**
 * In-memory twins of the SDK ports, for tests and for environments without a DOM.
 */
import type {
  Clock,
  KeyValueStore,
  Logger,
  PageEnvironment,
  PageLifecycle,
  SdkStorage,
  Transport,
  TransportRequest,
  TransportResult,
} from './sdk-ports.ts';

/** A `KeyValueStore` backed by a Map; `entries` is exposed so tests can inspect what was persisted. */
export function createMemoryStore(): KeyValueStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (key) => entries.get(key),
    set: (key, value) => void entries.set(key, value),
    remove: (key) => void entries.delete(key),
  };
}

/** Fresh in-memory local, session and cookie stores. */
export function createMemoryStorage(): SdkStorage {
  return { local: createMemoryStore(), session: createMemoryStore(), cookie: createMemoryStore() };
}

/** A transport that records requests and answers with scripted statuses (200 once the script runs out). */
export interface RecordingTransport extends Transport {
  requests: TransportRequest[];
  beacons: { url: string; body: string }[];
  /** Statuses for the next `send` calls, consumed in order. */
  statuses: number[];
  /** Bodies of the next `send` answers, consumed in order (none once the script runs out). */
  bodies: string[];
  /** Whether `beacon` accepts the body. */
  beaconAccepts: boolean;
}

/** Creates a `RecordingTransport` answering with `statuses` in order, then 200. */
export function createRecordingTransport(statuses: number[] = []): RecordingTransport {
  const transport: RecordingTransport = {
    requests: [],
    beacons: [],
    statuses: [...statuses],
    bodies: [],
    beaconAccepts: true,
    send(request): Promise<TransportResult> {
      transport.requests.push(request);
      const body = transport.bodies.shift();
      return Promise.resolve({ status: transport.statuses.shift() ?? 200, ...(body === undefined ? {} : { body }) });
    },
    beacon(url, body) {
      if (transport.beaconAccepts) transport.beacons.push({ url, body });
      return transport.beaconAccepts;
    },
  };
  return transport;
}

/** A clock that only moves when told to; timers fire from `advance`. */
export interface ManualClock extends Clock {
  /** Pending timers, soonest first: `at` is the absolute time in ms. */
  pending(): { at: number; ms: number }[];
  /** Moves time forward, firing due timers in order. Returns after their promises settle a tick. */
  advance(ms: number): Promise<void>;
}

/** Creates a `ManualClock` starting at `start` ms since the epoch. */
export function createManualClock(start = Date.UTC(2024, 0, 1)): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, callback });
      return id;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    pending: () => [...timers.values()].sort((a, b) => a.at - b.at).map(({ at, ms }) => ({ at, ms })),
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
      await settle();
    },
  };
}

/** Lets queued promise callbacks run (several hops: send → status → bookkeeping). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A fixed page environment; pass `url` to simulate a landing page. */
export function createStaticPage(
  overrides: Partial<Record<Exclude<keyof PageEnvironment, 'userAgentData'>, string>> & {
    userAgentData?: ReturnType<PageEnvironment['userAgentData']>;
  } = {},
): PageEnvironment {
  const value = {
    url: 'https://shop.example/products?ref=1',
    referrer: '',
    title: 'Shop',
    userAgent: 'test-agent',
    locale: 'en-GB',
    timezone: 'Europe/London',
    ...overrides,
  };
  return {
    url: () => value.url,
    referrer: () => value.referrer,
    title: () => value.title,
    userAgent: () => value.userAgent,
    userAgentData: () => value.userAgentData,
    locale: () => value.locale,
    timezone: () => value.timezone,
  };
}

/** A logger that records warnings. */
export function createRecordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => void warnings.push(message) };
}

/** A lifecycle whose `hide()` runs the registered callbacks, as a hidden tab would. */
export function createManualLifecycle(): PageLifecycle & { hide(): void } {
  const callbacks: (() => void)[] = [];
  return {
    onHidden: (callback) => void callbacks.push(callback),
    hide: () => callbacks.forEach((callback) => callback()),
  };
}
