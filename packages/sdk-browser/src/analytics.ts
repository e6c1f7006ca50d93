/**
 * The analytics.js-compatible facade: argument juggling of the public calls, identity updates, and
 * handing built events to the queue. Every side effect comes in through `AnalyticsOptions`.
 */
import type { JsonObject } from '@kin/core';
import { browserClock, browserLifecycle, browserPage, browserStorage, browserTransport, consoleLogger } from './browser-ports.ts';
import { buildEvent, currentPage } from './event-builder.ts';
import type { EventFields } from './event-builder.ts';
import { createEventQueue } from './event-queue.ts';
import type { EventQueue } from './event-queue.ts';
import { randomId } from './id-generator.ts';
import { kinLinkFromUrl } from './page-context.ts';
import { DEFAULT_RETRY_POLICY } from './retry-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { Clock, Logger, PageEnvironment, PageLifecycle, SdkStorage, Transport } from './sdk-ports.ts';
import { createUserStore, STORAGE_KEYS } from './user-store.ts';
import type { IdentityProof, User } from './user-store.ts';

/**
 * The options of `identify` (analytics.js's third argument): its `context` is merged into the event's, and the
 * identity proof Kin verifies (`userHash`, `identityToken`, computed by the shop's server at login) is kept
 * with the user id and sent with each of their events until `reset()` or another user id.
 */
export interface IdentifyOptions extends IdentityProof {
  context?: JsonObject;
}

/** Options of `load`: where to send, and how eagerly. */
export interface LoadOptions {
  /** Kin server origin, e.g. `https://kin.example.com`; events go to `{host}/v1/batch`. */
  host: string;
  /** Send as soon as this many events are queued (default 20). */
  flushAt?: number;
  /** Otherwise send this many ms after the first queued event (default 5000). */
  flushInterval?: number;
}

/** Options of `createAnalytics`: `load`'s, plus the ports (browser ones by default). */
export interface AnalyticsOptions extends LoadOptions {
  writeKey: string;
  storage?: SdkStorage;
  transport?: Transport;
  clock?: Clock;
  page?: PageEnvironment;
  lifecycle?: PageLifecycle;
  logger?: Logger;
  /** Source of randomness for retry jitter, in [0, 1). */
  random?: () => number;
  /** Mints messageIds and anonymous ids. */
  newId?: () => string;
  retry?: Partial<RetryPolicy>;
  /** Most events kept queued (default 1000). */
  maxQueueSize?: number;
}

/** The analytics.js surface Kin supports. */
export interface Analytics {
  identify(userId?: string | JsonObject, traits?: JsonObject, options?: IdentifyOptions): void;
  track(event: string, properties?: JsonObject): void;
  page(category?: string | JsonObject, name?: string | JsonObject, properties?: JsonObject): void;
  group(groupId: string, traits?: JsonObject): void;
  alias(userId: string, previousId?: string): void;
  /** Forgets the current person: new anonymous id, no user id, no traits, no link token. */
  reset(): void;
  user(): User;
  ready(callback: () => void): void;
  /** Sends everything queued now; resolves when the server answered (never rejects). */
  flush(): Promise<void>;
}

/** Creates an analytics instance; in tests pass in-memory ports from `memory-ports.ts`. */
export function createAnalytics(options: AnalyticsOptions): Analytics {
  const storage = options.storage ?? browserStorage();
  const clock = options.clock ?? browserClock;
  const logger = options.logger ?? consoleLogger;
  const page = options.page ?? browserPage();
  const newId = options.newId ?? randomId;
  const user = createUserStore(storage, newId);
  // Mint the anonymous id at load, as analytics.js does, so the first-party cookie exists before any call.
  user.anonymousId();

  const link = kinLinkFromUrl(page.url());
  if (link) storage.session.set(STORAGE_KEYS.link, link);

  const queue: EventQueue = createEventQueue({
    writeKey: options.writeKey,
    url: `${options.host.replace(/\/+$/, '')}/v1/batch`,
    flushAt: Math.max(1, options.flushAt ?? 20),
    flushInterval: Math.max(0, options.flushInterval ?? 5_000),
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    maxQueueSize: options.maxQueueSize ?? 1_000,
    store: storage.local,
    transport: options.transport ?? browserTransport(),
    clock,
    logger,
    random: options.random ?? Math.random,
  });
  (options.lifecycle ?? browserLifecycle()).onHidden(() => queue.flushByBeacon());

  const send = (fields: EventFields): void =>
    queue.enqueue(
      buildEvent(fields, {
        user,
        page,
        now: () => clock.now(),
        newId,
        link: () => storage.session.get(STORAGE_KEYS.link),
      }),
    );

  return {
    identify(userId, traits, options) {
      // analytics.js also accepts identify(traits) and identify(traits, options).
      if (typeof userId === 'object') [userId, traits, options] = [undefined, userId, traits as IdentifyOptions | undefined];
      const context = options?.context;
      // The proof may come as options.userHash / identityToken, or analytics.js style inside options.context.
      const pick = (key: keyof IdentityProof): IdentityProof => {
        const value = options?.[key] ?? context?.[key];
        return typeof value === 'string' && value !== '' ? { [key]: value } : {};
      };
      user.identify(userId === undefined ? undefined : String(userId), traits, { ...pick('userHash'), ...pick('identityToken') });
      send({ type: 'identify', traits: user.traits(), ...(context ? { context } : {}) });
    },
    track(event, properties) {
      send({ type: 'track', event: String(event), properties: { ...properties } });
    },
    page(category, name, properties) {
      // analytics.js overloads: page(), page(properties), page(name), page(name, properties),
      // page(category, name), page(category, name, properties).
      const args = [category, name, properties].filter((arg) => arg !== undefined && arg !== null);
      const props = typeof args[args.length - 1] === 'object' ? (args.pop() as JsonObject) : {};
      const [first, second] = args as string[];
      const pageName = second ?? first;
      const pageCategory = second === undefined ? undefined : first;
      send({
        type: 'page',
        ...(pageName === undefined ? {} : { name: pageName }),
        properties: {
          ...currentPage(page),
          ...props,
          ...(pageName === undefined ? {} : { name: pageName }),
          ...(pageCategory === undefined ? {} : { category: pageCategory }),
        },
      });
    },
    group(groupId, traits) {
      send({ type: 'group', groupId: String(groupId), traits: { ...traits } });
    },
    alias(userId, previousId) {
      send({ type: 'alias', userId: String(userId), previousId: previousId ?? user.id() ?? user.anonymousId() });
    },
    reset() {
      user.reset();
      storage.session.remove(STORAGE_KEYS.link);
    },
    user: () => user,
    ready(callback) {
      // Nothing loads asynchronously; still call back asynchronously, as analytics.js does.
      void Promise.resolve()
        .then(callback)
        .catch((error: unknown) => logger.warn('ready callback failed', error));
    },
    flush: () => queue.flush(),
  };
}
