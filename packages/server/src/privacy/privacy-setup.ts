/**
 * Builds the privacy part of a running Kin (composition roots and harnesses call it): the keyer over the
 * secret, the edge list filled from the store, the gate and the request service.
 */
import type { IdentifierNormalizer, IdentityPolicy } from '@kin/core';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import { isPostgresUrl } from '../storage/store-open.ts';
import type { PrivacyGate } from './privacy-gate.ts';
import { createPrivacyGate } from './privacy-gate.ts';
import type { PrivacyKeyer } from './privacy-keys.ts';
import { createPrivacyKeyer, databaseSecret } from './privacy-keys.ts';
import type { PrivacyDownstream } from './privacy-downstream.ts';
import type { PrivacyList } from './privacy-list.ts';
import { memoryPrivacyList } from './privacy-list.ts';
import type { PrivacyService } from './privacy-requests.ts';
import { createPrivacyService, privacyOf } from './privacy-requests.ts';

/** The keyer of a deployment: the configured secret, else the generated one (see privacy-keys.ts). */
export function privacyKeyerFor(options: { db: string; secret?: string; logger: Logger }): PrivacyKeyer {
  const keyer = createPrivacyKeyer(databaseSecret(options));
  if (!options.secret && isPostgresUrl(options.db)) {
    // Every process must hash with the same secret, and a file under one process's .kin/ is not shared.
    options.logger.warn(
      'KIN_PRIVACY_SECRET is not set: privacy keys use a secret generated in .kin/privacy-secret; set the same KIN_PRIVACY_SECRET on every process',
    );
  }
  return keyer;
}

/** The privacy part of a running Kin. */
export interface KinPrivacy {
  service: PrivacyService;
  gate: PrivacyGate;
  list: PrivacyList;
}

/** Builds and loads it. `list`: the pipeline's bucket list; in memory when absent. */
export async function startPrivacy(options: {
  store: Store;
  db: string;
  secret?: string;
  policy: IdentityPolicy;
  normalize: IdentifierNormalizer;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  list?: PrivacyList;
  /** Destinations told of deletes (the messaging lane's outbox). */
  downstream?: PrivacyDownstream;
}): Promise<KinPrivacy> {
  const keyer = privacyKeyerFor(options);
  const list = options.list ?? memoryPrivacyList();
  const privacy = privacyOf(options.store);
  const gate = createPrivacyGate({
    list,
    keyer,
    policy: options.policy,
    normalize: options.normalize,
    count: (n) => privacy.countSuppressed(n),
  });
  const service = createPrivacyService({
    store: options.store,
    list,
    keyer,
    clock: options.clock,
    logger: options.logger,
    newId: () => options.ids.requestId(),
    settled: () => gate.settled(),
    ...(options.downstream ? { downstream: options.downstream } : {}),
  });
  await service.load();
  return { service, gate, list };
}
