/**
 * The privacy list port: the keys (see privacy-keys.ts) whose events the edge drops. Embedded mode keeps
 * it in memory (`memoryPrivacyList`, filled from the store at start and by each request); in pipeline mode
 * every collector follows a JetStream key-value bucket (nats-privacy-list.ts).
 *
 * Why `readable`: a collector that cannot read the list must refuse events (503), not let them through.
 */

/** The list of keys whose events are dropped. */
export interface PrivacyList {
  /** False while the list cannot be read (not loaded yet, connection lost): the edge answers 503. */
  readable(): boolean;
  /** How many keys are listed (0: nothing to check, the edge skips the hashing). */
  size(): number;
  has(key: string): boolean;
  /** Adds keys; settles once every node will see them (the bucket acknowledged each put). */
  add(keys: string[]): Promise<void>;
  remove(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The in-memory list (embedded mode, tests). */
export function memoryPrivacyList(initial: Iterable<string> = []): PrivacyList {
  const keys = new Set(initial);
  return {
    readable: () => true,
    size: () => keys.size,
    has: (key) => keys.has(key),
    add: async (more) => void more.forEach((k) => keys.add(k)),
    remove: async (gone) => void gone.forEach((k) => keys.delete(k)),
    close: async () => undefined,
  };
}
