/** Store access for one-shot CLI commands. */
import { existsSync, statSync } from 'node:fs';
import type { IdentityPolicy } from '@kin/core';
import { processConfig } from '../config.ts';
import { loadPolicy } from '../identity/policy-load.ts';
import type { Store } from '../storage/storage.ts';
import { isPostgresUrl, openStore } from '../storage/store-open.ts';
import { CliError } from './kin-cli.ts';

/**
 * Opens the store named by `--db` (or KIN_DB), runs `fn`, closes it. Why an existing database is required:
 * a mistyped `--db` would otherwise create an empty one and answer "no such profile" from it. Commands
 * that fill a database (`import`) pass `create: true` and say on stderr when they created one.
 */
export async function withCliStore<T>(
  db: string | undefined,
  fn: (store: Store) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const config = processConfig({ db });
  const created = checkDatabasePath(config.db, options.create ?? false);
  const store = await openCliStore(config.db, config.privacySecret);
  if (created) process.stderr.write(`kin: created a new database at ${config.db}\n`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The identity policy named by `--policy` (or KIN_POLICY), read through the parsed configuration. */
export function loadCliPolicy(policy: string | undefined): IdentityPolicy {
  return loadPolicy(processConfig({ policyFile: policy }).policyFile);
}

/**
 * Checks a SQLite path before opening it: a directory or (unless `create`) a missing file is a CliError.
 * Returns true when opening will create the file.
 */
export function checkDatabasePath(db: string, create: boolean): boolean {
  if (isPostgresUrl(db) || db === ':memory:') return false;
  if (!existsSync(db)) {
    if (create) return true;
    throw new CliError(`no database at ${db} (check --db or KIN_DB; \`kin migrate --db ${db}\` creates one)`);
  }
  if (statSync(db).isDirectory()) throw new CliError(`${db} is a directory; --db names a SQLite file or a postgres:// URL`, 2);
  return false;
}

/** Opens the store, turning a file that cannot be opened or written into one clear line. */
export async function openCliStore(db: string, privacySecret?: string): Promise<Store> {
  try {
    return await openStore(db, privacySecret ? { privacySecret } : {});
  } catch (error) {
    if (error instanceof Error && !isPostgresUrl(db)) throw new CliError(`cannot open the database at ${db}: ${error.message}`);
    throw error;
  }
}
