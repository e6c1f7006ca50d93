/** The source an import writes as: found by name, created when missing (imports use no write key). */
import type { SourceRecord, Store } from '../storage/storage.ts';
import { createSourceWithKey } from '../sources/source-keys.ts';

/** Source names: as `kin sources create`. */
export const SOURCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The active source with this name, created (with a write key nobody is shown) when missing. */
export async function ensureImportSource(store: Store, name: string, at: Date): Promise<SourceRecord> {
  const active = (await store.listSources()).find((s) => s.name === name && !s.revokedAt);
  if (active) return active;
  const created = await createSourceWithKey(store, name, at);
  if (created) return created.source;
  // Created concurrently by another request: read it back.
  const again = (await store.listSources()).find((s) => s.name === name && !s.revokedAt);
  if (!again) throw new Error(`source ${name} could not be created`);
  return again;
}
