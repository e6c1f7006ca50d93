/**
 * Keyed hashes of identifiers: what the privacy list and the store keep instead of a deleted person's
 * email, phone or user id. `type.hex(HMAC-SHA-256(secret, type + NUL + value))` of the normalised
 * identifier. Why keyed: a plain hash of an email is found again by hashing a list of emails; without the
 * secret (config KIN_PRIVACY_SECRET, or the generated file, see `loadPrivacySecret`) it is not.
 * The type stays readable: it says nothing about the person, and an operator can see what kinds of
 * identifiers a tombstone covers.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Identifier } from '@kin/core';

/** Makes keys of identifiers with one secret. */
export interface PrivacyKeyer {
  keyOf(identifier: Identifier): string;
}

/** Keys remembered per keyer before the memory is emptied (about 200 bytes each). */
const REMEMBERED = 100_000;

/**
 * The keyer of a secret (at least 16 characters). Why it remembers recent keys: an HMAC costs about 3 µs,
 * and the edge hashes every identifier of every event while anyone is listed; traffic comes in sessions, so
 * most identifiers were hashed moments ago (bench/privacy-bench.ts).
 */
export function createPrivacyKeyer(secret: string): PrivacyKeyer {
  if (secret.length < 16) throw new Error('the privacy secret must be at least 16 characters');
  let remembered = new Map<string, string>();
  return {
    keyOf: ({ type, value }) => {
      const plain = `${type}\u0000${value}`;
      let key = remembered.get(plain);
      if (key === undefined) {
        key = `${type}.${createHmac('sha256', secret).update(plain, 'utf8').digest('hex')}`;
        if (remembered.size >= REMEMBERED) remembered = new Map();
        remembered.set(plain, key);
      }
      return key;
    },
  };
}

/**
 * The secret: the configured one, else the one kept in `file` (created with mode 0600 on first start).
 * Why a file beside the database and not a row in it: a copy of the database alone must not be enough to
 * test guesses against the tombstones.
 */
export function loadPrivacySecret(options: { configured?: string; file: string }): string {
  if (options.configured) return options.configured;
  if (existsSync(options.file)) return readFileSync(options.file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(options.file), { recursive: true });
  writeFileSync(options.file, secret + '\n', { mode: 0o600 });
  chmodSync(options.file, 0o600);
  return secret;
}

/** True when `--db` names a PostgreSQL database (as store-open.ts reads it). */
const isPostgres = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

/** Where the generated secret is kept for a `--db` value: beside the SQLite file (or `.kin/` for PostgreSQL). */
export function privacySecretPath(db: string): string {
  return isPostgres(db) ? resolve('.kin/privacy-secret') : join(dirname(resolve(db)), 'privacy-secret');
}

/**
 * The secret of a deployment's database: the configured one, else the generated one kept beside it; an
 * in-memory database gets a random one for its lifetime (it forgets its tombstones at exit anyway).
 */
export function databaseSecret(options: { db: string; secret?: string }): string {
  return (
    options.secret ??
    (options.db === ':memory:' ? randomBytes(32).toString('base64url') : loadPrivacySecret({ file: privacySecretPath(options.db) }))
  );
}

/**
 * The keyer of `databaseSecret`, made on the first key: a store that never keys an identifier (the admin
 * read thread, most tests) never reads or makes the secret file.
 */
export function lazyDatabaseKeyer(options: { db: string; secret?: string }): PrivacyKeyer {
  let keyer: PrivacyKeyer | undefined;
  return { keyOf: (identifier) => (keyer ??= createPrivacyKeyer(databaseSecret(options))).keyOf(identifier) };
}

/**
 * The keyed digest of an identifier without its type (`hex` of the key `type.hex`): what the stores keep
 * in `tombstones.value` beside the readable type, instead of the value.
 */
export function identifierDigest(keyer: PrivacyKeyer, identifier: Identifier): string {
  return keyer.keyOf(identifier).slice(identifier.type.length + 1);
}
