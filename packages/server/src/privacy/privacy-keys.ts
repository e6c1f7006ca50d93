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
import { dirname } from 'node:path';
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
