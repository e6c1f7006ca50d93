/**
 * First-start credentials. Why a file: the admin token must survive restarts, yet it is printed only once
 * and never logged; it lives in `<data dir>/credentials.json` with mode 0600, beside the SQLite file.
 * With KIN_ADMIN_TOKEN set (the scale-out setup) no file is written.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Store } from '../storage/storage.ts';
import { isPostgresUrl } from '../storage/store-open.ts';
import type { DeclaredWriteKey } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { Logger } from '../ports/logger.ts';
import { hashSecret, newSecret } from '../http/secret-compare.ts';
import { createSourceWithKey } from './source-keys.ts';

/** What first start created, for the one-time announcement. */
export interface FirstStart {
  adminToken?: string;
  writeKey?: { source: string; key: string };
  file: string;
}

interface CredentialsFile {
  adminToken: string;
  firstWriteKey?: { source: string; key: string };
}

/** Where credentials are kept for a `--db` value. */
export function credentialsPath(db: string): string {
  return isPostgresUrl(db) || db === ':memory:' ? resolve('.kin/credentials.json') : join(dirname(resolve(db)), 'credentials.json');
}

/**
 * Returns the admin token hash to check requests against, creating the token (and a first source with a
 * write key) on first start. `announce` receives what was created, once.
 */
export async function ensureCredentials(options: {
  db: string;
  store: Store;
  adminToken: string | undefined;
  declaredKeys: DeclaredWriteKey[];
  now: Date;
  logger: Logger;
}): Promise<{ adminTokenHash: string; created: FirstStart | undefined }> {
  await declareWriteKeys(options.store, options.declaredKeys, options.now, options.logger);
  const file = credentialsPath(options.db);
  if (options.adminToken) return { adminTokenHash: hashSecret(options.adminToken), created: undefined };
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as CredentialsFile;
    return { adminTokenHash: hashSecret(saved.adminToken), created: undefined };
  }
  const adminToken = newSecret('kin_admin_');
  const sources = await options.store.listSources();
  const first = sources.length === 0 ? await createSourceWithKey(options.store, 'default', options.now) : undefined;
  const saved: CredentialsFile = { adminToken, ...(first ? { firstWriteKey: { source: 'default', key: first.writeKey } } : {}) };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return {
    adminTokenHash: hashSecret(adminToken),
    created: { adminToken, file, ...(first ? { writeKey: { source: 'default', key: first.writeKey } } : {}) },
  };
}

/**
 * Reconciles the declared `name:key` pairs with the stored sources (for automation), on every start:
 * - the key is the active key of that source: nothing to do;
 * - the key was revoked (by `DELETE /v1/sources/{name}` or `kin sources revoke`): it stays revoked, and the
 *   log says so. Why not revive it: a key is revoked because it leaked; only a new key brings the source back;
 * - the key is the active key of another source: a configuration error (one key cannot name two sources);
 * - the key is new: it becomes the source's key, and the source's previous key (if any) is revoked.
 */
async function declareWriteKeys(store: Store, keys: DeclaredWriteKey[], now: Date, logger: Logger): Promise<void> {
  for (const { name, key } of keys) {
    const hash = hashSecret(key);
    const holder = await store.findSourceByKeyHash(hash, { includeRevoked: true });
    if (holder?.revokedAt) {
      logger.warn(
        'the write key declared in KIN_WRITE_KEYS for this source was revoked and stays revoked; declare a new key to use it again',
        {
          source: name,
          revokedAt: holder.revokedAt,
        },
      );
      continue;
    }
    if (holder?.name === name) continue;
    if (holder)
      throw new ConfigError([`writeKeys (KIN_WRITE_KEYS): the key declared for source "${name}" is the key of source "${holder.name}"`]);
    await store.revokeSource(name, now.toISOString());
    try {
      await createSourceWithKey(store, name, now, key);
    } catch (error) {
      // Another process declaring the same key at the same moment created it first.
      if ((await store.findSourceByKeyHash(hash))?.name !== name) throw error;
    }
  }
}
