/**
 * Matching and the review queue over HTTP (admin token):
 * `POST /v1/match/run`, `GET /v1/match/links?profile=REF`, `GET /v1/match/status`, `GET /v1/review?status=open&limit=&cursor=`,
 * `POST /v1/review/{id}` with `{"decision":"accept"|"reject"}`, `GET /v1/review/{id}/effect` (what an accept would
 * do, nothing written), `POST /v1/review/bulk` with `{"decision","minProbability","dryRun"?}`.
 */
import { DEFAULT_POLICY } from '@kin/core';
import type { IdentityPolicy } from '@kin/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { runMatch } from '../matching/match-run.ts';
import type {
  MatchRunSummary,
  MatchStatus,
  ReviewBulkRequest,
  ReviewBulkResult,
  ReviewDecided,
  ReviewEffect,
  ReviewPage,
} from '@kin/core/api/index.ts';
import { previewMatchedMerge } from '../matching/match-merge.ts';
import { matchStatusOf, storedMatchState } from '../matching/match-status.ts';
import { decideReviewBulk } from '../matching/review-bulk.ts';
import { decideReview } from '../matching/review-decide.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { ReviewStatus } from '../storage/matching-store.ts';
import type { Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { readAdminBody } from './admin-body.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { scope } from './route-scope.ts';

/** What the routes need. */
export interface ReviewRouteDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  normalize: (type: string, raw: unknown) => string | undefined;
  /** The identity policy merges must obey (default: the built-in policy). */
  policy?: IdentityPolicy;
  /** Admin JSON bodies over this many bytes are refused with 413 `payload_too_large`. */
  maxBodyBytes: number;
  /** Told of a merge a review accept made (the computed-trait and audience evaluator recomputes the survivor). */
  audiences?: { profilesChanged(ids: Iterable<string>): void };
}

/** A probability strictly between 0 and 1 (a threshold). */
const threshold = (field: string) => {
  const error = `${field} is a probability between 0 and 1`;
  return z.number({ error }).gt(0, { error }).lt(1, { error }).optional();
};
/** `POST /v1/match/run`: thresholds for this run (else the policy's), and one source's profiles only. */
const MatchRunBody = z.object({
  linkThreshold: threshold('linkThreshold'),
  reviewThreshold: threshold('reviewThreshold'),
  source: z.string({ error: 'source is a source name' }).optional(),
});
const DECISION = 'decision is "accept" or "reject"';
/** `POST /v1/review/{id}`. */
const DecisionBody = z.object({ decision: z.enum(['accept', 'reject'], { error: DECISION }) });
const PROBABILITY = 'minProbability is a probability between 0 and 1';
/** `POST /v1/review/bulk` (`ReviewBulkRequest`). */
const BulkBody = z.object({
  decision: z.enum(['accept', 'reject'], { error: DECISION }),
  minProbability: z.number({ error: PROBABILITY }).min(0, { error: PROBABILITY }).max(1, { error: PROBABILITY }),
  dryRun: z.boolean({ error: 'dryRun is true or false' }).default(false),
}) satisfies z.ZodType<ReviewBulkRequest, unknown>;

/** Builds the routes. */
export function reviewRoutes(deps: ReviewRouteDeps): Hono {
  const app = new Hono();
  const policy = deps.policy ?? DEFAULT_POLICY;
  const matching = () => deps.store.matching;
  const summary = async (id: string) => {
    const p = await deps.store.findProfile(id);
    return p
      ? { id: p.id, traits: p.traits, externalIds: p.externalIds.map(({ type, value }) => ({ type, value })) }
      : { id, missing: true as const };
  };

  app.post('/v1/match/run', scope('profiles:write'), async (c) => {
    matching();
    const { linkThreshold, reviewThreshold, source } = await readAdminBody({
      request: c.req.raw,
      maxBytes: deps.maxBodyBytes,
      schema: MatchRunBody,
      code: 'invalid_query',
    });
    const result: MatchRunSummary = await runMatch({
      store: deps.store,
      policy,
      clock: deps.clock,
      ids: deps.ids,
      ...(linkThreshold !== undefined ? { linkThreshold } : {}),
      ...(reviewThreshold !== undefined ? { reviewThreshold } : {}),
      ...(source !== undefined ? { source } : {}),
    });
    return c.json(result);
  });

  // The probability and per-field evidence behind the match and review merges of a profile's history.
  app.get('/v1/match/links', scope('profiles:read'), async (c) => {
    const ref = c.req.query('profile');
    if (ref === undefined || ref === '') throw new ApiError('invalid_query', 'profile is a profile id or type:value', 'profile');
    const id = await resolveProfileRef(deps, ref);
    const profile = id === undefined ? undefined : await deps.store.findProfile(id);
    if (!profile) throw new ApiError('not_found', 'no profile matches this ref', 'profile');
    return c.json({ data: await matching().listMatchLinks([profile.id, ...profile.mergedFrom]) });
  });

  // Incremental matching as `kin match status` reports it: on or off, pending profiles, the followers' totals.
  app.get('/v1/match/status', scope('profiles:read'), async (c) => {
    const { totals, settings } = await storedMatchState(matching(), policy);
    const status: MatchStatus = matchStatusOf(totals, settings);
    return c.json(status);
  });

  app.get('/v1/review', scope('profiles:read'), async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !['open', 'accepted', 'rejected'].includes(status)) {
      throw new ApiError('invalid_query', 'status is open, accepted or rejected', 'status');
    }
    const cursor = parseCursor(c.req.query('cursor'), 'review');
    const page = await matching().listReviewItems({
      limit: parseLimit(c.req.query('limit'), 50, 500),
      ...(status ? { status: status as ReviewStatus } : {}),
      ...cursor,
    });
    const data = [];
    for (const item of page.data) data.push({ ...item, a: await summary(item.aProfile), b: await summary(item.bProfile) });
    return c.json({ data, cursor: page.cursor } satisfies ReviewPage);
  });

  app.get('/v1/review/:id/effect', scope('profiles:read'), async (c) => {
    const item = await matching().findReviewItem(c.req.param('id'));
    if (!item) throw new ApiError('not_found', 'no review item has this id', 'id');
    const outcome = await previewMatchedMerge({
      store: deps.store,
      policy,
      a: item.aProfile,
      b: item.bProfile,
      rule: 'review',
      runId: item.runId,
      messageId: `review:${item.id}`,
      probability: item.probability,
      at: deps.clock.now().toISOString(),
    });
    const side = async (id: string) => ({ id, identifiers: (await deps.store.findProfile(id))?.externalIds.length ?? 0 });
    const effect: ReviewEffect =
      outcome.kind === 'merged'
        ? { kind: 'merge', survivor: await side(outcome.survivorId), absorbed: await side(outcome.absorbedId) }
        : outcome;
    return c.json(effect);
  });

  app.post('/v1/review/bulk', scope('profiles:write'), async (c) => {
    matching();
    const { decision, minProbability, dryRun } = await readAdminBody({
      request: c.req.raw,
      maxBytes: deps.maxBodyBytes,
      schema: BulkBody,
      code: (field) => (field === 'decision' ? 'invalid_decision' : 'invalid_query'),
    });
    const result = await decideReviewBulk({ store: deps.store, policy, clock: deps.clock, decision, minProbability, dryRun });
    return c.json(result satisfies ReviewBulkResult);
  });

  app.post('/v1/review/:id', scope('profiles:write', { action: 'review.decide' }), async (c) => {
    matching();
    const { decision } = await readAdminBody({
      request: c.req.raw,
      maxBytes: deps.maxBodyBytes,
      schema: DecisionBody,
      code: 'invalid_decision',
      malformed: 'field',
    });
    const outcome = await decideReview({ store: deps.store, policy, clock: deps.clock, id: c.req.param('id'), decision });
    switch (outcome.kind) {
      case 'not_found':
        throw new ApiError('not_found', 'no review item has this id', 'id');
      case 'already_decided':
        throw new ApiError('conflict', `this item was ${outcome.item.status} already`, 'id');
      case 'refused':
        throw new ApiError('conflict', `the identity policy refuses this merge: ${outcome.reason}`, 'decision');
      case 'decided':
        if (outcome.profileId !== undefined) deps.audiences?.profilesChanged([outcome.profileId]);
        return c.json({
          item: outcome.item,
          ...(outcome.profileId !== undefined ? { profile: await summary(outcome.profileId) } : {}),
        } satisfies ReviewDecided);
    }
  });
  return app;
}
