/** Response shape of `GET /v1/profiles/{ref}/explain`: why each identifier is on a profile. Type-only. */
import type { DoNotLinkRule, Identifier, PlannedMerge, Refusal, ResolutionPlan, ResolutionRule } from '../identity/identity-types.ts';
import type { ExternalId, Merge, Profile } from './profile-api.ts';

/** An identifier with how it joined its profile: the event, its source, the time and the rule. */
export interface IdentifierProvenance extends ExternalId {
  /** Absent for identifiers linked before provenance was recorded. */
  messageId?: string;
  rule?: string;
  linkedAt?: string;
}

/** An identifier the resolver refused, kept for explain (`invalid` refusals are not kept). */
export interface RefusedIdentifier {
  profileId?: string;
  type: string;
  value: string;
  reason: string;
  detail: string;
  messageId: string;
  sourceId: string;
  at: string;
}

/** A do-not-link rule as stored, with why it exists. */
export interface DoNotLinkEntry extends DoNotLinkRule {
  /** `review`: a reviewer rejected a pair probabilistic matching proposed. */
  reason: 'undo' | 'split' | 'review';
  /** The undo or split ledger entry that created it. */
  ledgerId?: string;
  createdAt: string;
}

/** Everything that explains a profile's identity, as the store keeps it. */
export interface ProfileExplanation {
  profile: Profile;
  identifiers: IdentifierProvenance[];
  merges: Merge[];
  refusals: RefusedIdentifier[];
  doNotLink: DoNotLinkEntry[];
  tombstones: Array<{ type: string; value: string; createdAt: string }>;
}

/** The explain route's answer: the explanation with each rule's number from the resolver's list (`R3`). */
export interface ExplainAnswer extends Omit<ProfileExplanation, 'identifiers' | 'refusals'> {
  identifiers: Array<IdentifierProvenance & { ruleNumber?: string }>;
  refusals: Array<RefusedIdentifier & { ruleNumber?: string }>;
}

/**
 * What `POST /v1/merges/{id}/undo` and `POST /v1/profiles/{ref}/split` answer: the ledger entry, the
 * do-not-link rule they created, the events replayed and the profiles as they are now.
 */
export interface Separation {
  ledgerId: string;
  ruleId: string;
  events: number;
  profiles: Profile[];
}

/** `DELETE /v1/profiles/{ref}/external_ids/{identifier}`: the identifier removed for good, and the profile now. */
export interface IdentifierRemoved {
  removed: { type: string; value: string };
  tombstoned: true;
  profile: Profile | undefined;
}

/** A resolution plan with each link, merge and refusal's rule number from the resolver's list (`R3`). */
export interface NumberedPlan extends Omit<ResolutionPlan, 'links' | 'merges' | 'refused'> {
  links: Array<{ identifier: Identifier; rule: ResolutionRule; ruleNumber: string }>;
  merges: Array<PlannedMerge & { ruleNumber: string }>;
  refused: Array<Refusal & { ruleNumber: string }>;
}

/** `POST /v1/identity/dry-run`: what the resolver would do with an event, nothing written. */
export interface DryRunAnswer {
  dryRun: true;
  written: false;
  /** The source the event was read as (`null`: none named). */
  source: string | null;
  /** The event's identifiers as the policy normalises them. */
  identifiers: Identifier[];
  /** The ids of the stored profiles those identifiers lead to, sorted. */
  profilesMatched: string[];
  plan: NumberedPlan;
}

/** `DELETE /v1/rules/do-not-link/{id}`: the id of the rule removed. */
export interface DoNotLinkDeleted {
  deleted: string;
}
