/**
 * The reference identity graph's contract (graph-reference.ts implements it): its profiles, ledger and
 * operations as plain data, for the resolver's property tests and the stores' reference conformance.
 */
import type { TraitState } from '../profile/trait-merge.ts';
import type { IdentifierNormalizer } from './identifier-normalize.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import type { DoNotLinkRule, Identifier, IdentityPolicy, IdentitySnapshot, ResolutionPlan } from './identity-types.ts';

/** An identifier held by a profile of the reference graph. */
export interface GraphIdentifier extends Identifier {
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
}

/** A live profile of the reference graph, as plain data (identifiers sorted by type, value). */
export interface GraphProfile {
  id: string;
  createdAt: string;
  mergeCount: number;
  /** Every profile id folded into this one, sorted. */
  mergedFrom: string[];
  identifiers: GraphIdentifier[];
  /** Trait state with tombstones (see trait-merge.ts); `traits` is the visible part. */
  traitState: TraitState;
  traits: Record<string, unknown>;
  /** Message ids of the events attributed to the profile, in arrival order. */
  events: string[];
}

/** A merge as the reference ledger records it, with each side's identifiers at the time (what undo separates). */
export interface GraphMerge {
  survivorId: string;
  absorbedId: string;
  messageId: string;
  sides: { survivor: Identifier[]; absorbed: Identifier[] };
}

/** The reference graph. */
export interface MemoryGraph {
  /**
   * The snapshot a store would build for these identifiers. `beforeSeq` (replays) counts only the
   * device/user pairs recorded by events before that one, as the online run saw them.
   */
  snapshot(identifiers: Identifier[], options?: { beforeSeq?: number }): IdentitySnapshot;
  /** Applies a plan; throws when the plan contradicts the graph (a resolver or caller bug). */
  apply(prepared: PreparedEvent, plan: ResolutionPlan, options: { sourceId: string }): { profileId: string | undefined };
  /** Live profiles in creation order. */
  profiles(): GraphProfile[];
  /** The profile, following merges from an absorbed id to its survivor. */
  findProfile(profileId: string): GraphProfile | undefined;
  findProfileIdByIdentifier(identifier: Identifier): string | undefined;
  /** Message ids of events stored without a profile. */
  unattributedEvents(): string[];
  /** The identifier keys (`type:value`) of each live profile, sorted: comparable across runs whatever the ids. */
  partition(): string[][];
  /** The merge ledger, in order. */
  merges(): GraphMerge[];
  addDoNotLink(rule: DoNotLinkRule): void;
  removeDoNotLink(id: string): void;
  /** Removes an identifier from its profile and refuses it from now on. */
  tombstone(identifier: Identifier): void;
  /**
   * Undo and split, as stores must do them: detaches the live profile (its identifiers and traits go, its
   * events stay) and re-resolves its events in their original order through resolve and apply.
   */
  rebuild(profileId: string, options: Omit<ReferenceIngestOptions, 'sourceId'>): void;
}

/** What the reference pipeline needs besides the event. */
export interface ReferenceIngestOptions {
  policy: IdentityPolicy;
  normalize: IdentifierNormalizer;
  sourceId: string;
}
