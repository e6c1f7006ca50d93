/**
 * The storage port of computed traits and audiences: definitions with their backfill state, each profile's
 * computed values and memberships, the profiles due for a window re-check, and a feed of committed events
 * (by seq) that tells the evaluator which profiles changed. A store offers it as `store.audiences`.
 *
 * Why whole-profile state writes: the evaluator always recomputes a profile from scratch (merge-aware by
 * construction), so a write replaces everything the store holds for that profile in one statement group.
 */
import type { AudienceDefinition, ComputedTraitDefinition, TrackingEvent } from '@kin/core';
import type { AudienceMember, DefinitionStatus } from '@kin/core/api/index.ts';
import type { Page, ProfileView } from './storage.ts';

/** The two kinds of definition kept in one table. */
export type DefinitionKind = 'trait' | 'audience';

/** A stored definition with its backfill state. */
export interface StoredDefinition<D> {
  definition: D;
  status: DefinitionStatus;
  progress: number;
  createdAt: string;
}

/** What the store holds for one profile: values that differ from the empty one, and memberships. */
export interface ProfileComputedState {
  values: Record<string, unknown>;
  /** Audience key -> time the profile entered it. */
  audiences: Record<string, string>;
  /** When time alone may change it (`null`: never); absent in states not read from the store. */
  nextCheckAt?: string | null;
}

/** One profile's new state and when time alone may change it (`null`: never). */
export interface ProfileStateWrite {
  profileId: string;
  state: ProfileComputedState;
  nextCheckAt: string | null;
  /**
   * The state the store holds for the profile, as the caller read it just before (`readStates`): an adapter
   * may then write only what differs (the evaluator is the only writer of states while it holds its lease).
   */
  before?: ProfileComputedState;
}

/** A committed event of the feed: its seq, the profile it was assigned to, and its stored payload (JSON text or parsed). */
export interface FeedEvent {
  seq: number;
  profileId: string | null;
  /** The event's name (`null` for pages, identifies and others without one) and messageId, from their columns. */
  event: string | null;
  messageId: string;
  /**
   * The whole event: a JSON string or its parsed value; `null` for an event whose name `eventsAfter` was not
   * asked for (the evaluator parses only events a definition reads, and reads no other payload).
   */
  payload: unknown;
}

/** A profile marked for recompute by a write the feed does not show (see `StoreTx.markForRecompute`). */
export interface RecomputeMark {
  /** Renewed by every new mark of the profile: clearing a mark read earlier leaves a newer one. */
  id: number;
  profileId: string;
}

/**
 * Who runs the evaluator of one database: at most one holder at a time, whatever the number of processes
 * (PostgreSQL: postgres-evaluator-lease.ts; SQLite: sqlite-lease.ts). The one lease port of both stores.
 */
export interface EvaluatorLease {
  /** True while this process holds the lease (checked, not assumed); takes it when it is free. */
  hold(): Promise<boolean>;
  /** Gives the lease up (at stop); a standby can take it at its next try. */
  release(): Promise<void>;
}

/** An event with its seq (the key that tells a stored event from another). */
export interface SeqEvent {
  seq: number;
  event: TrackingEvent;
}

/** The computed-trait and audience storage of one store. */
export interface AudienceStore {
  /** Saves a new definition as `backfilling`; `false` when the key is taken. */
  saveDefinition(kind: 'trait', definition: ComputedTraitDefinition, createdAt: string): Promise<boolean>;
  saveDefinition(kind: 'audience', definition: AudienceDefinition, createdAt: string): Promise<boolean>;
  listDefinitions(kind: 'trait'): Promise<Array<StoredDefinition<ComputedTraitDefinition>>>;
  listDefinitions(kind: 'audience'): Promise<Array<StoredDefinition<AudienceDefinition>>>;
  /** Removes a definition with its values or members; `false` when there was none. */
  deleteDefinition(kind: DefinitionKind, key: string): Promise<boolean>;
  setStatus(kind: DefinitionKind, keys: readonly string[], status: DefinitionStatus, progress: number): Promise<void>;
  readStates(profileIds: readonly string[]): Promise<Map<string, ProfileComputedState>>;
  /**
   * Each id's live profile as `Store.findProfile` answers it, for a whole batch at once (`undefined`: unknown):
   * SQLite in a few statements per batch, PostgreSQL as several `findProfile` reads in flight.
   */
  readProfiles(profileIds: readonly string[]): Promise<Map<string, ProfileView | undefined>>;
  /** Replaces the state of each written profile and forgets the `removed` ones (merged away or gone). */
  writeStates(writes: readonly ProfileStateWrite[], removed: readonly string[]): Promise<void>;
  /** Profiles whose next check is at or before `now`, earliest first. */
  dueProfiles(now: string, limit: number): Promise<string[]>;
  listMembers(key: string, query: { limit: number; cursor?: string }): Promise<Page<AudienceMember>>;
  countMembers(key: string): Promise<number>;
  /**
   * Committed events after `seq`, in seq order, up to the feed's horizon (no lower seq can still commit); with
   * `names`, the payload of events of other names is `null` (not read).
   */
  eventsAfter(seq: number, limit: number, names?: ReadonlySet<string>): Promise<FeedEvent[]>;
  /**
   * The events of each live profile, given with the ids whose timelines it holds (itself and `mergedFrom`):
   * the same events as `Store.listProfileEvents`, in no particular order, read for a whole batch at once;
   * with `names`, only the events of those names (the evaluator reads no other). `held`: events the caller
   * parsed already (the feed's), by seq; an adapter may answer with them instead of reading their payloads.
   */
  eventsOfProfiles(
    groups: ReadonlyMap<string, readonly string[]>,
    names?: ReadonlySet<string>,
    held?: ReadonlyMap<number, TrackingEvent>,
  ): Promise<Map<string, SeqEvent[]>>;
  /**
   * How many seqs before its position the feed reads again on every page: where a lower seq may commit after a
   * higher one (PostgreSQL, 512). A store whose writers commit seqs in order (SQLite: one writer at a time)
   * answers 0.
   */
  readonly feedOverlap: number;
  /** The highest event seq below which every event is committed (0 without events; see postgres-feed-horizon.ts). */
  lastEventSeq(): Promise<number>;
  /** The oldest `limit` recompute marks (written in the transactions that changed those profiles). */
  recomputeMarks(limit: number): Promise<RecomputeMark[]>;
  /** Removes these marks once their profiles were recomputed (a profile marked again since keeps its newer mark). */
  clearRecomputeMarks(ids: readonly number[]): Promise<void>;
  /** A new lease object of this process (one per evaluator). */
  evaluatorLease(): EvaluatorLease;
  /** The feed position the last evaluator recorded (`undefined`: none yet), where a new holder resumes. */
  readFeedCursor(): Promise<number | undefined>;
  writeFeedCursor(seq: number): Promise<void>;
}

/** A definition row as both adapters read it. */
export function definitionOf(row: Record<string, unknown>): StoredDefinition<never> {
  const text = row.definition;
  return {
    definition: (typeof text === 'string' ? JSON.parse(text) : text) as never,
    status: row.status as DefinitionStatus,
    progress: Number(row.progress),
    createdAt: row.created_at instanceof Date ? row.created_at.toISOString() : String(row.created_at),
  };
}

/**
 * `readProfiles` as several `findProfile` reads in flight, for a store whose reads are round trips. Why in
 * flight: PostgreSQL answers them on the pool's connections at once (a batch of 2,000 read one by one waited
 * 2,000 round trips).
 */
export async function profilesInFlight(
  findProfile: (id: string) => Promise<ProfileView | undefined>,
  ids: readonly string[],
  inFlight = 16,
): Promise<Map<string, ProfileView | undefined>> {
  const found = new Map<string, ProfileView | undefined>();
  for (let i = 0; i < ids.length; i += inFlight) {
    const slice = ids.slice(i, i + inFlight);
    for (const [k, profile] of (await Promise.all(slice.map((id) => findProfile(id)))).entries()) found.set(slice[k]!, profile);
  }
  return found;
}
