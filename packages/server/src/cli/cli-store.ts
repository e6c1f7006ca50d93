/** Store access for one-shot CLI commands. */
import { parseConfig } from '../config.ts';
import type { Store } from '../storage/storage.ts';
import { openStore } from '../storage/store-open.ts';

/** Opens the store named by `--db` (or KIN_DB), runs `fn`, closes it. */
export async function withCliStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = parseConfig(process.env, { db });
  const store = await openStore(config.db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
