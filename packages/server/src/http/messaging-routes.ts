/**
 * Journeys, the messaging policy, destinations, decisions and deliveries over HTTP (admin token):
 * `POST /v1/journeys`, `GET /v1/journeys[/{key}]`, `POST /v1/journeys/{key}/publish|pause|resume`,
 * `GET /v1/journeys/{key}/stats|steps`, `GET|PUT /v1/messaging/policy`, `POST|GET /v1/destinations`,
 * `POST /v1/destinations/user-deleted`, `GET /v1/messages/{id}`, `GET /v1/messages?profile=&journey=&outcome=`,
 * `GET /v1/deliveries?status=&destination=`, `POST /v1/deliveries/{id}/retry`. Writes need `config:write`,
 * decisions `profiles:read`, other reads `analytics:read`.
 */
import { checkJourney, checkPolicy, isTimeZone, journeyStepCounts } from '@kin/core';
import type {
  Destination,
  DeliveryStatus,
  DeliverySummary,
  Journey,
  JourneyInput,
  JourneyStats,
  JourneyStepCounts,
  MessagingPolicy,
} from '@kin/core/api/index.ts';
import { Hono } from 'hono';
import { enqueueUserDeleted } from '../messaging/user-deleted.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { MessagingStore, StoredDestination } from '../storage/messaging-store.ts';
import type { Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { destinationSchema, journeySchema, policySchema } from './messaging-body.ts';
import { parseAdminBody } from './admin-body.ts';
import { resolveProfileRef } from './profile-routes.ts';
import { parseCursor, parseLimit } from './query-params.ts';
import { readAdminJson } from './request-body.ts';
import { scope } from './route-scope.ts';

/** What the routes need. */
export interface MessagingRouteDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  normalize: (type: string, raw: unknown) => string | undefined;
  maxBodyBytes: number;
}

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'in_flight', 'delivered', 'failed'];

/** A destination as answered: its secrets (webhook secret, SMTP password, write key) left out. */
export function publicDestination(d: StoredDestination): Destination {
  const c = d.config;
  return {
    id: d.id,
    type: d.type,
    ...(d.name ? { name: d.name } : {}),
    status: d.status,
    ...(d.disabledReason ? { disabledReason: d.disabledReason } : {}),
    ...(typeof c.url === 'string' ? { url: c.url } : {}),
    ...(typeof c.host === 'string' ? { host: c.host } : {}),
    ...(typeof c.port === 'number' ? { port: c.port } : {}),
    ...(Array.isArray(c.events) ? { events: c.events as string[] } : {}),
    createdAt: d.createdAt,
  };
}

/** The stats answer from the store's counts (rates are fractions; lift is relative to the holdout's rate). */
export function journeyStats(counts: Awaited<ReturnType<MessagingStore['journeyCounts']>>): JourneyStats {
  const treatedN = counts.entered - counts.heldOut;
  const treated = treatedN > 0 ? counts.goalTreated / treatedN : 0;
  const holdout = counts.heldOut > 0 ? counts.goalHoldout / counts.heldOut : 0;
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    entered: counts.entered,
    exited: { goal: counts.endReasons['goal'] ?? 0, exitRule: counts.endReasons['exit_rule'] ?? 0 },
    heldOut: counts.heldOut,
    decisions: {
      sent: 0,
      skipped_duplicate: 0,
      skipped_cap: 0,
      deferred_quiet: 0,
      skipped_no_channel: 0,
      skipped_consent: 0,
      ...counts.outcomes,
    },
    goal: {
      treated: round(treated),
      holdout: round(holdout),
      lift: counts.heldOut > 0 && holdout > 0 ? round((treated - holdout) / holdout) : null,
    },
  };
}

/** Builds the routes. */
export function messagingRoutes(deps: MessagingRouteDeps): Hono {
  const app = new Hono();
  const port = (): MessagingStore => deps.store.messaging;
  const now = () => deps.clock.now().toISOString();
  const journeyOr404 = async (key: string): Promise<Journey> => {
    const j = await port().findJourney(key);
    if (!j) throw new ApiError('not_found', `no journey "${key}"`);
    return j;
  };
  const body = (c: { req: { raw: Request } }) => readAdminJson(c.req.raw, deps.maxBodyBytes);

  app.post('/v1/journeys', scope('config:write'), async (c) => {
    const input: JourneyInput = parseAdminBody(journeySchema, await body(c), 'invalid_journey');
    const policy = await port().findPolicy();
    const problem = checkJourney(input, new Set(Object.keys(policy?.channels ?? {})))[0];
    if (problem) throw new ApiError('invalid_journey', `${problem.field}: ${problem.message}`, problem.field);
    if (await port().findJourney(input.key)) throw new ApiError('conflict', `journey "${input.key}" exists`, 'key');
    const journey: Journey = { ...input, status: 'draft', createdAt: now(), updatedAt: now() };
    await port().putJourney(journey);
    return c.json(journey, 201);
  });

  app.get('/v1/journeys', scope('analytics:read'), async (c) => c.json({ data: await port().listJourneys() }));
  app.get('/v1/journeys/:key', scope('analytics:read'), async (c) => c.json(await journeyOr404(c.req.param('key'))));

  // publish: draft or paused → published; pause: published → paused; resume: paused → published.
  const transitions = { publish: ['draft', 'paused'], pause: ['published'], resume: ['paused'] } as const;
  for (const [action, from] of Object.entries(transitions)) {
    app.post(`/v1/journeys/:key/${action}`, scope('config:write'), async (c) => {
      const journey = await journeyOr404(c.req.param('key'));
      if (!(from as readonly string[]).includes(journey.status))
        throw new ApiError('conflict', `a ${journey.status} journey cannot ${action}`);
      const at = now();
      const next: Journey = {
        ...journey,
        status: action === 'pause' ? 'paused' : 'published',
        updatedAt: at,
        ...(action === 'publish' ? { publishedAt: at } : {}),
      };
      await port().putJourney(next);
      return c.json(next);
    });
  }

  app.get('/v1/journeys/:key/stats', scope('analytics:read'), async (c) => {
    const journey = await journeyOr404(c.req.param('key'));
    return c.json(journeyStats(await port().journeyCounts(journey.key)));
  });

  app.get('/v1/journeys/:key/steps', scope('analytics:read'), async (c) => {
    const journey = await journeyOr404(c.req.param('key'));
    const at = now();
    const rows = await port().journeyStepRows(journey.key, at);
    const entered = rows.instances.reduce((sum, r) => sum + r.n, 0);
    const answer: JourneyStepCounts = { journey: journey.key, entered, ...journeyStepCounts(journey.steps, rows), at };
    return c.json(answer);
  });

  app.get('/v1/messaging/policy', scope('analytics:read'), async (c) => {
    const policy = await port().findPolicy();
    if (!policy) throw new ApiError('not_found', 'no messaging policy yet (PUT /v1/messaging/policy)');
    return c.json(policy);
  });

  app.put('/v1/messaging/policy', scope('config:write'), async (c) => {
    const policy: MessagingPolicy = parseAdminBody(policySchema, await body(c), 'invalid_policy');
    const destinations = new Set((await port().listDestinations()).map((d) => d.id));
    const problem = checkPolicy(policy, destinations, isTimeZone)[0];
    if (problem) throw new ApiError('invalid_policy', `${problem.field}: ${problem.message}`, problem.field);
    await port().putPolicy(policy, now());
    return c.json(policy);
  });

  app.post('/v1/destinations', scope('config:write'), async (c) => {
    const input = parseAdminBody(destinationSchema, await body(c), 'invalid_destination');
    const { type, name, ...config } = input;
    const destination: StoredDestination = {
      id: `dst_${deps.ids.profileId()}`,
      type,
      ...(name ? { name } : {}),
      status: 'active',
      config,
      createdAt: now(),
    };
    await port().addDestination(destination);
    return c.json(publicDestination(destination), 201);
  });

  app.get('/v1/destinations', scope('analytics:read'), async (c) =>
    c.json({ data: (await port().listDestinations()).map(publicDestination) }),
  );

  // The privacy lane's hook: tell every destination that supports it that this person asked to be deleted.
  app.post('/v1/destinations/user-deleted', scope('config:write'), async (c) => {
    const parsed = (await body(c)) as { profile?: unknown } | undefined;
    const ref = parsed?.profile;
    if (typeof ref !== 'string' || ref === '') throw new ApiError('invalid_ref', 'profile is a profile id or type:value', 'profile');
    const profileId = await resolveProfileRef(deps, ref);
    if (!profileId) throw new ApiError('not_found', 'no such profile');
    const queued = await enqueueUserDeleted({ store: deps.store, messaging: port(), profileId, clock: deps.clock, ids: deps.ids });
    return c.json({ queued }, 202);
  });

  app.get('/v1/messages/:id', scope('profiles:read'), async (c) => {
    const decision = await port().findDecision(c.req.param('id'));
    if (!decision) throw new ApiError('not_found', 'no such message decision');
    return c.json(decision);
  });

  app.get('/v1/messages', scope('profiles:read'), async (c) => {
    const limit = parseLimit(c.req.query('limit'), 50, 500);
    const ref = c.req.query('profile');
    const journeyKey = c.req.query('journey');
    const outcome = c.req.query('outcome');
    let profileIds: string[] | undefined;
    if (ref !== undefined) {
      const id = await resolveProfileRef(deps, ref);
      if (!id) throw new ApiError('not_found', 'no such profile');
      profileIds = await port().profileAliases(id);
    }
    return c.json({
      data: await port().listDecisions({
        ...(profileIds ? { profileIds } : {}),
        ...(journeyKey ? { journeyKey } : {}),
        ...(outcome ? { outcome } : {}),
        limit,
      }),
    });
  });

  app.get('/v1/deliveries', scope('analytics:read'), async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
      throw new ApiError('invalid_query', `status is one of ${DELIVERY_STATUSES.join(', ')}`, 'status');
    }
    const destinationId = c.req.query('destination');
    const cursor = parseCursor(c.req.query('cursor'), 'deliveries');
    const page = await port().listDeliveries({
      limit: parseLimit(c.req.query('limit'), 50, 500),
      ...(status ? { status: status as DeliveryStatus } : {}),
      ...(destinationId ? { destinationId } : {}),
      ...cursor,
    });
    return c.json(page);
  });

  app.get('/v1/deliveries/summary', scope('analytics:read'), async (c) =>
    c.json({ data: await port().deliveryCounts() } satisfies DeliverySummary),
  );

  app.post('/v1/deliveries/:id/retry', scope('config:write'), async (c) => {
    const id = c.req.param('id');
    const retried = await port().retryDelivery(id, now());
    if (retried) return c.json(retried);
    if (await port().findDelivery(id)) throw new ApiError('conflict', 'only a failed delivery can be retried');
    throw new ApiError('not_found', 'no such delivery');
  });

  return app;
}
