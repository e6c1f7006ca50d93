/**
 * Whether the PostgreSQL transaction can follow a plan from its caches, and the typed error for one it cannot.
 * Why a file of its own: the write path (postgres-writes.ts) asks it for every event, and the refusal is a
 * stable error code the store's tests assert; neither needs the rest of the transaction.
 */
import type { ApplyInput } from '../storage.ts';
import type { TxGraphCache } from './postgres-graph-cache.ts';

/** A plan the store cannot follow: it links an identifier already stored or names a missing profile. */
export class UnfollowablePlanError extends Error {
  readonly code = 'unfollowable_plan';
  constructor(what: string) {
    super(
      `${what}: the plan links an identifier already stored or names a missing profile (plans come from resolve over this transaction's snapshot)`,
    );
    this.name = 'UnfollowablePlanError';
  }
}

/** True when every profile and identifier the plan names is in the cache (the resolver's plans always are). */
export function followable(cache: TxGraphCache, { plan }: ApplyInput): boolean {
  if (plan.target.kind === 'existing' && !cache.hasProfile(plan.target.profileId)) return false;
  if (plan.merges.some((m) => !cache.hasProfile(m.survivorId) || !cache.hasProfile(m.absorbedId))) return false;
  if (plan.touches.some((t) => !cache.identifier(t))) return false;
  return plan.links.every((l) => !cache.identifier(l.identifier));
}
