/**
 * The Segment-compatible tracking API: /v1/identify, track, page, screen, group, alias, batch and import.
 * Validation happens here, once, at the edge; what passes goes to the ingestor, which answers only after
 * the events are durable.
 */
import { Hono } from 'hono';
import { EVENT_TYPES, formatFieldPath, joinFieldPaths, readBatch, textProblem, validateEvent } from '@kin/core';
import type { EventType, IpMode, TrackingEvent } from '@kin/core';
import type { ItemRejection, TrackingAnswer } from '@kin/core/api/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { IdentityVerifier } from '../identity/identity-verify.ts';
import type { NewWarning, Store } from '../storage/storage.ts';
import type { KinConfig } from '../config.ts';
import type { PrivacyGate } from '../privacy/privacy-gate.ts';
import type { SourceAuth } from './auth.ts';
import { writeKeyOf } from './auth.ts';
import { ApiError } from './error-catalog.ts';
import type { WriteKeyLimits } from '../limits/write-key-limits.ts';
import { withIpPolicy } from './event-ip.ts';
import { createIngestTurns } from './ingest-turns.ts';
import { readTrackingBody } from './request-body.ts';
import { publicRoute } from './route-scope.ts';

/** Every tracking route (the browser SDK posts to `/v1/batch`; analytics.js and server SDKs use the rest). */
export const TRACKING_PATHS: readonly string[] = [...EVENT_TYPES.map((t) => `/v1/${t}`), '/v1/batch', '/v1/import'];

/** What the tracking routes need. */
export interface TrackingDeps {
  store: Store;
  ingestor: Ingestor;
  auth: SourceAuth;
  clock: Clock;
  ids: IdGenerator;
  limits: KinConfig['limits'];
  /** Identity verification per source (policy `sources`); none when absent. */
  verifier?: IdentityVerifier;
  /** What is kept of `context.ip` (policy `privacy.ip`), applied before the ingestor sees an event. */
  ipMode: IpMode;
  /** Per-write-key rate limits (limits/write-key-limits.ts); none when absent. */
  rateLimits?: WriteKeyLimits;
  /** Drops the events of deleted and suppressed people before the ingestor (privacy/privacy-gate.ts). */
  privacyGate?: PrivacyGate;
}

/** Builds the tracking routes. */
export function trackingRoutes(deps: TrackingDeps): Hono {
  const app = new Hono();
  // Each request's parse, validation and hand-off to the ingestor is one turn (see ingest-turns.ts).
  const turns = createIngestTurns();

  /**
   * Hands the events to the ingestor and answers once they are durable. Why promise chains and not `await`:
   * a suspended async function keeps every local and argument alive until it resumes, so each request's
   * parsed body and events lived until its answer (100 ms and more under load), survived scavenges and were
   * promoted; the callbacks here keep only the rejections. The handlers return this promise unawaited for
   * the same reason.
   */
  function accept(source: { id: string; name: string }, events: TrackingEvent[], rejected: ItemRejection[]): Promise<TrackingAnswer> {
    const gate = deps.privacyGate;
    if (!gate || events.length === 0) return submit(source, events, rejected, 0);
    return gate.pass(events, (kept, suppressed) => submit(source, kept, rejected, suppressed));
  }

  function submit(
    source: { id: string; name: string },
    events: TrackingEvent[],
    rejected: ItemRejection[],
    suppressed: number,
  ): Promise<TrackingAnswer> {
    const answer = (outcome: { accepted: number; duplicates: number }): TrackingAnswer => ({
      success: true,
      accepted: outcome.accepted + outcome.duplicates,
      duplicates: outcome.duplicates,
      rejected,
      suppressed,
    });
    if (events.length === 0) return Promise.resolve(answer({ accepted: 0, duplicates: 0 }));
    const sourceId = source.id;
    // Verified before the write transaction: a JWKS fetch must never hold the writer.
    const verifier = deps.verifier;
    if (!verifier) return deps.ingestor.submit({ sourceId, events }).then(answer);
    return Promise.all(events.map((event) => verifier.verify(source.name, event)))
      .then((unverified) =>
        deps.ingestor.submit(unverified.some((u) => u !== undefined) ? { sourceId, events, unverified } : { sourceId, events }),
      )
      .then(answer);
  }

  /**
   * Keeps a request's rejected items as warnings: one per code (the first item's field, message and messageId
   * as the example, `count` items), so a rejected request writes at most one record per code, and repeats
   * from later requests fold into it (the item index is dropped from the field: `batch[*].event`).
   */
  async function remember(sourceId: string, rejected: ItemRejection[], items: unknown[]): Promise<void> {
    if (rejected.length === 0) return;
    const at = deps.clock.now().toISOString();
    const byCode = new Map<string, NewWarning>();
    for (const r of rejected) {
      const seen = byCode.get(r.code);
      if (seen) {
        seen.count = (seen.count ?? 1) + 1;
        continue;
      }
      const messageId = (items[r.index] as { messageId?: unknown } | undefined)?.messageId;
      byCode.set(r.code, {
        kind: 'rejected_event',
        code: r.code,
        field: r.field.replace(/^batch\[\d+\]/, 'batch[*]'),
        message: r.message,
        sourceId,
        // A rejected item's messageId may itself be what no store can keep (a NUL, a lone surrogate).
        ...(typeof messageId === 'string' && textProblem(messageId) === undefined ? { messageId } : {}),
        createdAt: at,
      });
    }
    const warnings = [...byCode.values()];
    await deps.ingestor.warn(warnings);
  }

  const single = (type: EventType) => async (c: import('hono').Context) => {
    const { body, storableText } = await readTrackingBody(c.req.raw, deps.limits.maxRequestBytes, turns.next);
    const source = await deps.auth.authenticate(writeKeyOf(c.req.header('authorization'), body));
    const result = validateEvent(body, {
      receivedAt: deps.clock.now(),
      newMessageId: deps.ids.messageId,
      typeOverride: type,
      maxEventBytes: deps.limits.maxEventBytes,
      maxDepth: deps.limits.maxEventDepth,
      checkText: !storableText,
    });
    if (!result.ok) {
      await remember(source.id, [{ index: 0, code: result.code, field: result.field, message: result.message }], [body]);
      throw new ApiError(result.code, result.message, result.field);
    }
    const grant = deps.rateLimits?.take(source, 1);
    if (grant) {
      if (grant.granted === 0)
        throw new ApiError(
          'rate_limited',
          'this write key sent more events than its rate limit allows; retry after Retry-After seconds',
          undefined,
          grant.headers,
        );
      for (const [name, value] of Object.entries(grant.headers)) c.header(name, value);
    }
    return accept(source, [withIpPolicy(result.event, deps.ipMode)], []).then((answer) => c.json(answer));
  };

  for (const type of EVENT_TYPES) app.post(`/v1/${type}`, publicRoute, single(type));

  const batch = async (c: import('hono').Context) => {
    const { body, storableText } = await readTrackingBody(c.req.raw, deps.limits.maxRequestBytes, turns.next);
    const source = await deps.auth.authenticate(writeKeyOf(c.req.header('authorization'), body));
    const read = readBatch(body, deps.limits.maxEventDepth);
    if (!read.ok) throw new ApiError(read.code, read.message, read.field);
    if (read.items.length > deps.limits.maxBatchItems) {
      throw new ApiError(
        'batch_too_large',
        `a batch holds at most ${deps.limits.maxBatchItems} events, this one ${read.items.length}`,
        'batch',
      );
    }
    const receivedAt = deps.clock.now();
    let events: TrackingEvent[] = [];
    const indexes: number[] = [];
    let rejected: ItemRejection[] = [];
    // The same options for every item of the request: made once, not per event.
    const options = {
      receivedAt,
      newMessageId: deps.ids.messageId,
      maxEventBytes: deps.limits.maxEventBytes,
      maxDepth: deps.limits.maxEventDepth,
      checkText: !storableText,
    };
    read.items.forEach((item, index) => {
      const result = validateEvent(item, options);
      if (result.ok) {
        events.push(withIpPolicy(result.event, deps.ipMode));
        indexes.push(index);
      } else
        rejected.push({
          index,
          code: result.code,
          field: joinFieldPaths(formatFieldPath(['batch', index]), result.field),
          message: result.message,
        });
    });
    await remember(source.id, rejected, read.items);
    if (events.length === 0 && rejected.length > 0) {
      const first = rejected[0]!;
      throw new ApiError('invalid_batch', `every item of the batch is invalid; first: ${first.field}: ${first.message}`, first.field);
    }
    const grant = deps.rateLimits?.take(source, events.length);
    if (grant) {
      if (grant.granted === 0)
        throw new ApiError(
          'rate_limited',
          `this write key sent more events than its rate limit allows; none of the ${events.length} valid events was accepted, retry after Retry-After seconds`,
          undefined,
          grant.headers,
        );
      for (const [name, value] of Object.entries(grant.headers)) c.header(name, value);
      // The first events in batch order go in; each later one is answered `rate_limited` (never dropped silently).
      if (grant.granted < events.length) {
        const over = indexes.slice(grant.granted).map((index) => ({
          index,
          code: 'rate_limited',
          field: formatFieldPath(['batch', index]),
          message: "over the write key's rate limit; send it again later",
        }));
        rejected = [...rejected, ...over].sort((a, b) => a.index - b.index);
        events = events.slice(0, grant.granted);
      }
    }
    return accept(source, events, rejected).then((answer) => c.json(answer));
  };
  app.post('/v1/batch', publicRoute, batch);
  app.post('/v1/import', publicRoute, batch);
  const notAllowed = () => {
    throw new ApiError('method_not_allowed', 'tracking routes take POST', 'method');
  };
  for (const path of TRACKING_PATHS) app.on(['GET', 'PUT', 'PATCH', 'DELETE'], path, publicRoute, notAllowed);
  return app;
}
