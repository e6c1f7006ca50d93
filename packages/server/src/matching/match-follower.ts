/**
 * The incremental matcher of a running server: a follower of committed writes, like the audience
 * evaluator. While the database's switch is on (`switchIncrementalMatching`), the write path (both stores)
 * re-keys a profile whose person traits changed in the same transaction and marks it `pending`; this loop
 * backfills the index after the switch is turned on, then takes pending profiles in arrival order, matches
 * each against the stored ones (match-arrival.ts) and settles it. Off, it does nothing.
 *
 * Why a follower and not the write path: scoring reads up to 200 candidate profiles and a merge is a
 * transaction of its own through the resolver; done inline, every import chunk and identify would wait
 * for it, and the NATS workers would each need the model. Following `pending` costs the write path only
 * the re-key, sees the commits of every writer (the ingest thread, `kin import`, NATS workers), survives a
 * restart (pending stays set until settled), and keeps one matcher, so two arrivals never merge the same
 * pair twice at once. With several processes on one PostgreSQL (scale-out), only the holder of the
 * store's matcher lease (a session advisory lock) takes pending profiles; the others keep the index
 * backfilled and take over when the holder stops or dies, so no pending profile is matched twice.
 *
 * The model: learnt when first needed (`learnMatchModel`, as `matchRecords` learns it, over up to `SAMPLE` stored profiles with
 * person traits, priors blended as in `kin match run`), and again only when the store has outgrown it
 * (match-model-refresh.ts: about 4 times as many records). A drain (tests) learns again first unless told to keep the model.
 */
import type { IdentityPolicy, IncrementalMatchPolicy } from '@kin/core';
import { DEFAULT_MATCH_POLICY } from '@kin/core';
import { learnMatchModel, modelParameters, type FellegiSunterParameters } from '@kin/core/matching/index.ts';
import { ensureImportSource } from '../import/import-source.ts';
import { createFollowerLoop } from '../pipeline/follower-loop.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { MatchTotals, ReviewItem } from '../storage/matching-store.ts';
import { MATCH_OUTCOMES } from '../storage/matching-store.ts';
import type { Store } from '../storage/storage.ts';
import { matchArrival } from './match-arrival.ts';
import { createCandidateCache } from './match-candidate-cache.ts';
import { MATCH_SOURCE } from './match-run.ts';
import { modelOutgrown } from './match-model-refresh.ts';
import { MATCH_ROLES, MATCH_TRAIT_KEYS, profileToRecord } from './match-profiles.ts';

/** Stored profiles the model is learnt on, at most. */
const SAMPLE = 20_000;
/** Profiles keyed per backfill step (the migration's rows). */
const BACKFILL_BATCH = 1000;

/** Options of {@link createMatchFollower}. */
export interface MatchFollowerOptions {
  store: Store;
  policy: IdentityPolicy;
  clock: Clock;
  /** Names review items. */
  ids: IdGenerator;
  logger: Logger;
  /** Pause between turns when idle, in ms. */
  pollMs?: number;
  /** Pending profiles per turn. */
  batch?: number;
  /** Told of the profiles merges ended in (the audience evaluator recomputes them). */
  onMerged?: (profileIds: string[]) => void;
  /** Candidate records cached across arrivals (match-candidate-cache.ts); 0 reads every candidate. */
  candidateCache?: number;
}

/** Totals of this follower since it was made (the store's `matchTotals` sums every follower's, over restarts). */
export interface MatchFollowerStats extends MatchTotals {
  /** Profiles keyed by the backfill of the index. */
  backfilled: number;
  /** Times the model was learnt. */
  learnt: number;
}

const NO_TOTALS: MatchTotals = Object.freeze({ matched: 0, merged: 0, queued: 0, refused: 0, skipped: 0 });

/** The running follower. */
export interface MatchFollower {
  /**
   * Runs turns until nothing is pending (tests, benchmarks), with the model learnt again first; `keepModel`: as the
   * background loop runs them, learning again only when the model is outgrown (what a server does after an import).
   */
  drain(options?: { keepModel?: boolean }): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  readonly stats: MatchFollowerStats;
}

/** The policy's incremental matching settings (defaults when it has none). */
export function matchSettings(policy: IdentityPolicy): IncrementalMatchPolicy {
  return policy.matching ?? DEFAULT_MATCH_POLICY;
}

/**
 * Switches incremental matching in the store to what the policy says (a server, at start); answers whether it
 * changed. Why the policy stays the place to turn it on: its merges are identity decisions; the store's switch
 * is what every writer of the database (`kin import`, NATS workers, other servers) reads.
 */
export async function applyMatchSwitch(store: Store, policy: IdentityPolicy): Promise<boolean> {
  return store.matching.switchIncrementalMatching(matchSettings(policy).incremental);
}

/** Creates the follower (not started). */
export function createMatchFollower(options: MatchFollowerOptions): MatchFollower {
  const { store, policy, clock, logger } = options;
  const settings = matchSettings(policy);
  // Off in this process's policy, the switch is most likely off too (the server applies its policy at start,
  // `applyMatchSwitch`): looking once a minute is enough.
  const pollMs = options.pollMs ?? (settings.incremental ? 250 : 60_000);
  const batch = options.batch ?? 200;
  const stats: MatchFollowerStats = { matched: 0, merged: 0, queued: 0, refused: 0, skipped: 0, backfilled: 0, learnt: 0 };
  const lease = store.matching.matcherLease();
  let model: { parameters: FellegiSunterParameters; learntOn: number; matchedSince: number } | undefined;
  let sourceId: string | undefined;
  let names = new Map<string, string>();
  const cache = createCandidateCache(options.candidateCache);

  async function learn(): Promise<void> {
    const sources = await store.listSources();
    names = new Map(sources.map((s) => [s.id, s.name]));
    const page = await store.matching.scanProfileTraits({ keys: [...MATCH_TRAIT_KEYS], limit: SAMPLE });
    const records = page.flatMap((p) => profileToRecord(p, (id) => names.get(id) ?? id) ?? []);
    // The model only: the sample's own links, clusters and entity links are never used here.
    model = {
      parameters: modelParameters(learnMatchModel({ records, roles: MATCH_ROLES, mode: 'dedupe' })),
      learntOn: records.length,
      matchedSince: 0,
    };
    stats.learnt++;
  }

  /** One turn; true when more work is waiting. */
  async function turnAlone(): Promise<boolean> {
    // The switch is the database's, not this process's policy: every writer keeps the index only while it is on.
    if (!(await store.matching.incrementalMatching())) return false;
    // Switched on (here or by another process): the index is rebuilt, 1,000 profiles a turn, before anything is matched.
    const n = await store.matching.backfillMatchIndex(BACKFILL_BATCH);
    stats.backfilled += n;
    if (n > 0) return true;
    // Another process holds the lease: it matches (and settles) the pending profiles, this one waits.
    if (!(await lease.hold())) return false;
    const pending = await store.matching.pendingMatches(batch);
    if (pending.length === 0) return false;
    if (modelOutgrown(model, SAMPLE)) await learn();
    sourceId ??= (await ensureImportSource(store, MATCH_SOURCE, clock.now())).id;
    const deps = {
      store,
      policy,
      settings,
      parameters: model!.parameters,
      sourceId,
      sourceName: (id: string) => names.get(id) ?? id,
      at: clock.now().toISOString(),
      queuedThisTurn: new Set<string>(),
      ids: options.ids,
      cache,
    };
    const merged: string[] = [];
    const items: ReviewItem[] = [];
    const turnTotals: MatchTotals = { ...NO_TOTALS };
    for (const item of pending) {
      const outcome = await matchArrival(deps, item.profileId, item.seq).catch((error: unknown) => {
        // One profile that cannot be matched must not stop the others: it is logged and settled.
        logger.warn('incremental matching of a profile failed', {
          profileId: item.profileId,
          error: error instanceof Error ? error.name : 'unknown',
        });
        return undefined;
      });
      if (outcome === undefined) {
        turnTotals.skipped++;
        continue;
      }
      turnTotals.matched++;
      model!.matchedSince++;
      turnTotals.merged += outcome.merged.length;
      turnTotals.refused += outcome.refused;
      merged.push(...outcome.merged);
      items.push(...outcome.items);
    }
    // One write for the turn's review items, one for settling (each write is a commit another writer notices).
    if (items.length > 0) await store.matching.addReviewItems(items);
    turnTotals.queued = items.length;
    // The turn's totals commit with its settle: the stored totals count each settled profile once.
    await store.matching.settleMatches(pending, turnTotals);
    for (const outcome of MATCH_OUTCOMES) stats[outcome] += turnTotals[outcome];
    if (merged.length > 0) options.onMerged?.(merged);
    return pending.length === batch;
  }

  // One matcher: the loop never runs two turns at once, so two arrivals never merge the same pair twice at once.
  // As the audience evaluator: pause as long as the turn worked (capped), so ingest keeps its share of the thread.
  const loop = createFollowerLoop({
    turn: turnAlone,
    pollMs,
    dutyPause: 1,
    maxPauseMs: 500,
    errorPauseMs: pollMs * 10,
    onError: (error) =>
      logger.error('incremental matching turn failed', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
      }),
  });

  return {
    stats,
    drain: (drainOptions = {}) =>
      loop.drain({
        // Learnt again on what is stored now (unless asked to keep it): what a test's drain matches does not depend on
        // when earlier turns ran. A server never drains: its loop keeps the model until outgrown.
        before: () => {
          if (drainOptions.keepModel !== true) model = undefined;
        },
      }),
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      // A standby takes over at its next turn.
      await lease.release();
    },
  };
}
