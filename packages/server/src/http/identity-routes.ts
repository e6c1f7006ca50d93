/**
 * Identity you can trust (admin only): explain a profile, dry-run an event, undo a merge, split a profile,
 * remove an identifier for good, and manage the do-not-link rules that undo and split create.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { DEFAULT_POLICY, RULE_NUMBERS, formatFieldPath, prepareEvent, validateEvent } from '@kin/core';
import type { Identifier, IdentityPolicy, ResolutionPlan } from '@kin/core';
import type { DoNotLinkDeleted, DryRunAnswer, IdentifierRemoved, NumberedPlan, Separation } from '@kin/core/api/index.ts';
import type { IdentityVerifier } from '../identity/identity-verify.ts';
import type { SeparationResult } from '../identity/identity-undo.ts';
import { splitProfile, undoMerge } from '../identity/identity-undo.ts';
import { decide } from '../pipeline/decide-apply.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { ProfileExplanation, Store } from '../storage/storage.ts';
import type { SourceRegions } from '../identity/source-regions.ts';
import { ApiError } from './error-catalog.ts';
import { ignoreInvalidJson, readAdminJson } from './request-body.ts';
import { parseAdminBody } from './admin-body.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { scope } from './route-scope.ts';

/** What the identity routes need. */
export interface IdentityRouteDeps {
  store: Store;
  normalize: (type: string, raw: unknown) => string | undefined;
  policy?: IdentityPolicy;
  /** Per-source phone regions, for undo and split replays (see source-regions.ts). */
  sourceRegions?: SourceRegions;
  verifier?: IdentityVerifier;
  clock: Clock;
  ids: IdGenerator;
  maxEventBytes: number;
  /** Admin JSON bodies over this many bytes are refused with 413 `payload_too_large`. */
  maxBodyBytes: number;
  /** Told which profiles an undo or split rebuilt (the computed-trait and audience evaluator recomputes them). */
  audiences?: { profilesChanged(ids: Iterable<string>): void };
}

const IDENTIFIER = 'an identifier is "type:value" with a value valid for its type';
const IDENTIFIERS = 'externalIds must be a non-empty array of "type:value"';
/** `POST /v1/profiles/{ref}/split`; each item is then normalised for its type (`identifierOf`). */
const SplitBody = z.object({
  externalIds: z.array(z.string({ error: IDENTIFIER }), { error: IDENTIFIERS }).min(1, { error: IDENTIFIERS }),
});
/** `POST /v1/identity/dry-run` with an envelope; the event itself is checked by core's validateEvent. */
const DryRunEnvelope = z.object({ event: z.unknown(), source: z.string({ error: 'source must be a source name' }).optional() });

/** Builds the identity routes. */
export function identityRoutes(deps: IdentityRouteDeps): Hono {
  const app = new Hono();
  const policy = deps.policy ?? DEFAULT_POLICY;
  const resolveDeps = { policy, normalize: deps.normalize, ...(deps.sourceRegions ? { sourceRegions: deps.sourceRegions } : {}) };
  const idOf = async (ref: string): Promise<string> => {
    const id = await resolveProfileRef(deps, ref);
    if (!id) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    return id;
  };
  const identifierOf = (raw: unknown, field: string): Identifier => {
    const text = typeof raw === 'string' ? raw : '';
    const colon = text.indexOf(':');
    const type = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
    const value = type ? deps.normalize(type, text.slice(colon + 1)) : undefined;
    if (!type || value === undefined)
      throw new ApiError('invalid_ref', 'an identifier is "type:value" with a value valid for its type', field);
    return { type, value };
  };
  const separated = async (result: SeparationResult): Promise<Separation> => {
    if (!result.ok) throw new ApiError(result.code === 'invalid' ? 'invalid_ref' : result.code, result.message);
    deps.audiences?.profilesChanged(result.profileIds);
    const profiles = [];
    const seen = new Set<string>();
    for (const id of result.profileIds) {
      const profile = await deps.store.findProfile(id);
      if (profile && !seen.has(profile.id)) {
        seen.add(profile.id);
        profiles.push(profile);
      }
    }
    return { ledgerId: result.ledgerId, ruleId: result.ruleId, events: result.events, profiles };
  };

  app.get('/v1/profiles/:ref/explain', scope('profiles:read'), async (c) => {
    const explanation = await deps.store.explainProfile(await idOf(c.req.param('ref')));
    if (!explanation) throw new ApiError('not_found', 'no profile matches this ref', 'ref');
    return c.json(annotate(explanation));
  });

  app.post('/v1/identity/dry-run', scope('profiles:read', { audit: false }), async (c) => {
    const body = await readAdminJson(c.req.raw, deps.maxBodyBytes);
    if (body === undefined) throw new ApiError('invalid_json', 'the body must be JSON: {"event": {…}, "source": "web"}');
    // The bare event, or {event, source}.
    const envelope =
      isRecord(body) && isRecord(body['event'])
        ? parseAdminBody(DryRunEnvelope, body, 'invalid_source')
        : { event: body, source: undefined };
    const sourceName = envelope.source;
    const sources = await deps.store.listSources();
    const source = sourceName === undefined ? undefined : sources.find((s) => s.name === sourceName && !s.revokedAt);
    if (sourceName !== undefined && !source) throw new ApiError('not_found', 'no active source has this name', 'source');
    const result = validateEvent(envelope.event, {
      receivedAt: deps.clock.now(),
      newMessageId: deps.ids.messageId,
      maxEventBytes: deps.maxEventBytes,
    });
    if (!result.ok) throw new ApiError(result.code, result.message, `event.${result.field}`);
    const unverified = source && deps.verifier ? await deps.verifier.verify(source.name, result.event) : undefined;
    const prepared = prepareEvent(result.event, policy, deps.normalize, unverified ? { unverified } : {});
    const { snapshot, plan } = await decide({ loadSnapshot: (identifiers) => deps.store.readSnapshot(identifiers) }, prepared, policy);
    return c.json({
      dryRun: true,
      written: false,
      source: source?.name ?? null,
      identifiers: prepared.identifiers,
      profilesMatched: [...snapshot.profiles.keys()].sort(),
      plan: numbered(plan),
    } satisfies DryRunAnswer);
  });

  app.post('/v1/merges/:id/undo', scope('profiles:write'), async (c) =>
    c.json(await separated(await undoMerge(deps.store, c.req.param('id'), resolveDeps, deps.clock.now().toISOString()))),
  );

  app.post('/v1/profiles/:ref/split', scope('profiles:write'), async (c) => {
    const body = await readAdminJson(c.req.raw, deps.maxBodyBytes).catch(ignoreInvalidJson);
    const id = await idOf(c.req.param('ref'));
    const { externalIds } = parseAdminBody(SplitBody, body === undefined ? {} : body, 'invalid_ref');
    const identifiers = externalIds.map((item, i) => identifierOf(item, formatFieldPath(['externalIds', i])));
    return c.json(await separated(await splitProfile(deps.store, id, identifiers, resolveDeps, deps.clock.now().toISOString())));
  });

  app.delete('/v1/profiles/:ref/external_ids/:identifier', scope('profiles:write'), async (c) => {
    const id = await idOf(c.req.param('ref'));
    const identifier = identifierOf(c.req.param('identifier'), 'identifier');
    const removed = await deps.store.transaction((tx) => tx.tombstone(id, identifier, deps.clock.now().toISOString()));
    if (!removed) throw new ApiError('not_found', 'the profile does not hold this identifier', 'identifier');
    return c.json({ removed: identifier, tombstoned: true, profile: await deps.store.findProfile(id) } satisfies IdentifierRemoved);
  });

  app.get('/v1/rules/do-not-link', scope('profiles:read'), async (c) => c.json({ data: await deps.store.listDoNotLink() }));

  app.delete('/v1/rules/do-not-link/:id', scope('profiles:write'), async (c) => {
    if (!(await deps.store.removeDoNotLink(c.req.param('id')))) throw new ApiError('not_found', 'no do-not-link rule has this id', 'id');
    return c.json({ deleted: c.req.param('id') } satisfies DoNotLinkDeleted);
  });
  return app;
}

/** Adds the rule number (R1–R13 of identity-resolve.ts) to every link, merge and refusal of a plan. */
function numbered(plan: ResolutionPlan): NumberedPlan {
  return {
    ...plan,
    links: plan.links.map((l) => ({ ...l, ruleNumber: RULE_NUMBERS[l.rule] })),
    merges: plan.merges.map((m) => ({ ...m, ruleNumber: RULE_NUMBERS[m.rule] })),
    refused: plan.refused.map((r) => ({ ...r, ruleNumber: RULE_NUMBERS[r.reason] })),
  };
}

/** Adds rule numbers to an explanation's identifiers and refusals. */
function annotate(e: ProfileExplanation) {
  const number = (rule: string | undefined) =>
    rule !== undefined && Object.hasOwn(RULE_NUMBERS, rule) ? RULE_NUMBERS[rule as keyof typeof RULE_NUMBERS] : undefined;
  return {
    ...e,
    identifiers: e.identifiers.map((i) => ({ ...i, ...(number(i.rule) ? { ruleNumber: number(i.rule) } : {}) })),
    refusals: e.refusals.map((r) => ({ ...r, ...(number(r.reason) ? { ruleNumber: number(r.reason) } : {}) })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
