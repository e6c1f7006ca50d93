/**
 * The privacy list of pipeline mode (see privacy/privacy-list.ts): a JetStream key-value bucket that every
 * collector watches. A request on any collector puts its keys; every collector's watcher receives the put
 * within milliseconds (issue 18 asks for 1 s) and its edge drops the person's events from then on.
 *
 * Fails closed: until the watcher has read the whole bucket, while the connection is down, and after the
 * watch ended (the bucket was deleted, the consumer failed), `readable()` is false and the edge answers
 * 503. A new watch is tried every `retryMs` until it works again; each watch first puts the store's keys
 * (`refill`), so a bucket lost with its keys never opens the edge to the people it listed.
 *
 * Bucket keys are the privacy keys in base64url (bucket keys allow letters, digits, `-`, `_`, `=`, `.`
 * and `/` only). Why the edge list holds no kind: tombstones and suppressions drop events alike; the store
 * keeps which is which (privacy-store.ts).
 */
import type { KV, NatsConnection } from 'nats';
import type { Logger } from '../ports/logger.ts';
import type { PrivacyList } from '../privacy/privacy-list.ts';

/** The bucket of a deployment: named after its event stream, so test and production streams never share one. */
export const privacyBucketOf = (stream: string): string => `${stream}_PRIVACY`;

const toBucketKey = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
const fromBucketKey = (key: string): string => Buffer.from(key, 'base64url').toString('utf8');

/** Opens (creating when missing) the bucket and starts watching it; resolves once the whole bucket was read. */
export async function openNatsPrivacyList(options: {
  nc: NatsConnection;
  bucket: string;
  logger: Logger;
  /** The keys the store holds: put into the bucket before each watch, so a lost and re-created bucket comes back whole. */
  refill: () => Promise<string[]>;
  retryMs?: number;
  /** How often the bucket is checked to still exist (default 500 ms). */
  probeMs?: number;
}): Promise<PrivacyList> {
  const { nc, logger } = options;
  const keys = new Set<string>();
  let watching = false;
  let connected = !nc.isClosed();
  let closed = false;
  let stopWatch: (() => void) | undefined;
  let kv: KV | undefined;
  const bucket = async () => (kv ??= await nc.jetstream().views.kv(options.bucket, { history: 1 }));

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
  })();

  /** Starts a watch; resolves once it delivered every key the bucket held. */
  async function watch(): Promise<void> {
    const fresh = new Set<string>();
    let initialized = false;
    const kvb = await bucket();
    for (const key of await options.refill()) await kvb.put(toBucketKey(key), 'listed');
    const ready = new Promise<void>((resolve) => {
      void (async () => {
        const watcher = await kvb.watch({
          initializedFn: () => {
            initialized = true;
            keys.clear();
            for (const k of fresh) keys.add(k);
            watching = true;
            resolve();
          },
        });
        stopWatch = () => watcher.stop();
        for await (const entry of watcher) {
          const key = fromBucketKey(entry.key);
          const target = initialized ? keys : fresh;
          if (entry.operation === 'PUT') target.add(key);
          else target.delete(key);
        }
      })()
        .catch(() => undefined)
        .finally(() => {
          watching = false;
          kv = undefined;
          if (!closed) {
            logger.warn('the privacy list watch ended; refusing events until it is back', { bucket: options.bucket });
            const retry = () => void watch().catch(() => setTimeout(retry, options.retryMs ?? 1000).unref());
            setTimeout(retry, options.retryMs ?? 1000).unref();
          }
          resolve();
        });
    });
    await ready;
  }

  await watch();
  if (!watching) throw new Error(`the privacy list (bucket ${options.bucket}) cannot be read`);
  // Why a probe: a watch does not end when its bucket's stream is deleted (the ordered consumer keeps
  // retrying quietly), so the list would go on answering from memory while nobody can add to it.
  const probe = setInterval(() => {
    if (!watching || !kv) return;
    kv.status().catch(() => {
      if (!watching) return;
      watching = false;
      stopWatch?.();
    });
  }, options.probeMs ?? 500);
  probe.unref();

  return {
    readable: () => watching && connected && !nc.isClosed(),
    size: () => keys.size,
    has: (key) => keys.has(key),
    async add(more) {
      const kvb = await bucket();
      for (const key of more) {
        await kvb.put(toBucketKey(key), 'listed');
        keys.add(key);
      }
    },
    async remove(gone) {
      const kvb = await bucket();
      for (const key of gone) {
        await kvb.delete(toBucketKey(key));
        keys.delete(key);
      }
    },
    async close() {
      closed = true;
      clearInterval(probe);
      stopWatch?.();
    },
  };
}
