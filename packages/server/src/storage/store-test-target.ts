/** What each adapter's test-store helper gives a conformance suite (tests only). */
import type { Store } from './storage.ts';

/** `create` opens a fresh store, `destroy` closes it and removes what it left; `exec` runs SQL beside it. */
export interface StoreTestTarget {
  name: string;
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
  /** Runs `sql` on a store's database over a connection of its own (what the store must survive). */
  exec: (store: Store, sql: string) => Promise<void>;
}
