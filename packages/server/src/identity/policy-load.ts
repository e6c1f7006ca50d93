/** Loads and validates the identity policy file once at start. */
import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY, createIdentifierNormalizer, parsePolicy } from '@kin/core';
import type { IdentifierNormalizer, IdentityPolicy } from '@kin/core';
import { ConfigError } from '../config.ts';
import type { ResolveDeps } from '../pipeline/event-apply.ts';
import type { Store } from '../storage/storage.ts';
import { createPhoneNormalizer } from './phone-normalize.ts';
import { createSourceRegions } from './source-regions.ts';

/** Reads the policy file (or the defaults); throws `ConfigError` naming each bad setting. */
export function loadPolicy(file: string | undefined): IdentityPolicy {
  if (!file) return DEFAULT_POLICY;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`policy file ${file}: ${error instanceof Error ? error.message : 'unreadable'}`]);
  }
  const parsed = parsePolicy(json);
  if (!parsed.ok) throw new ConfigError(parsed.errors.map((e) => `policy ${e.path}: ${e.message}`));
  return parsed.policy;
}

/** The identifier normaliser used on write and on lookup alike. */
export function normalizerFor(policy: IdentityPolicy): IdentifierNormalizer {
  return createIdentifierNormalizer({ normalizePhone: createPhoneNormalizer(policy.defaultPhoneRegion) });
}

/** What resolution needs over this store: the policy, its normaliser and the sources' phone regions. */
export function resolveDepsFor(policy: IdentityPolicy, store: Pick<Store, 'listSources'>): ResolveDeps {
  const sourceRegions = createSourceRegions(policy, () => store.listSources());
  return { policy, normalize: normalizerFor(policy), ...(sourceRegions ? { sourceRegions } : {}) };
}
