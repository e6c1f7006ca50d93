/** Creating sources with fresh write keys, shared by the CLI, the HTTP API and first start. */
import type { SourceRecord, Store } from '../storage/storage.ts';
import { hashSecret, newSecret } from '../http/secret-compare.ts';

/**
 * Creates a source with a new write key; the key is returned once and only its hash is stored.
 * Returns `undefined` when an active source has that name.
 */
export async function createSourceWithKey(
  store: Store,
  name: string,
  at: Date,
  writeKey: string = newSecret('kin_wk_'),
): Promise<{ source: SourceRecord; writeKey: string } | undefined> {
  const active = (await store.listSources()).find((s) => s.name === name && !s.revokedAt);
  if (active) return undefined;
  const source = await store.createSource({ name, writeKeyHash: hashSecret(writeKey), createdAt: at.toISOString() });
  return { source, writeKey };
}
