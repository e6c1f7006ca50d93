/**
 * The journey runner: reads committed events in seq order after a cursor kept in the store (so a restart,
 * or a `kill -9`, resumes where the last committed cursor was), starts instances on triggers, ends them on
 * exit rules and goals, and walks the instances that are due (their due times are rows, not timers).
 *
 * Why a cursor over the events table and not a callback from the write path: the ingest hot path stays as
 * it is (nothing waits for journeys), and an event committed just before a crash is never missed. Every
 * step is idempotent against a re-read: an instance is unique per (journey, trigger event), an exit or a
 * goal is recorded once, and a send moves its instance in the same transaction as its decision.
 *
 * One runner decides per store: a pass first holds the runner lease (PostgreSQL: an advisory lock, see
 * `postgres-session-lease.ts`); the other processes' passes do nothing until its holder dies or stops.
 */
import { MAX_DURATION_MS, journeyDurationMs, isHeldOut, keyText, matchesAll, valueAt } from '@kin/core';
import type { Journey, MessagingPolicy, TrackingEvent } from '@kin/core';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { CommittedEvent, JourneyInstance, MessagingStore, RunnerLease, StoredDestination } from '../storage/messaging-store.ts';
import type { Store } from '../storage/storage.ts';
import { ENGAGEMENT_EVENTS, engagementChannel } from './engagement-channel.ts';
import { advanceInstance, supersededBy } from './journey-advance.ts';

/** The cursor name of the runner in `journey_cursors`. */
export const JOURNEY_CURSOR = 'journeys';

/** The event the audiences work writes when a profile enters an audience (`properties.audience` = its key). */
export const AUDIENCE_ENTERED = 'Audience Entered';

/** What the runner needs. */
export interface JourneyRunnerDeps {
  store: Store;
  messaging: MessagingStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Events and due instances handled per read (default 500). */
  batch?: number;
  /** The right to decide (default: `messaging.runnerLease(JOURNEY_CURSOR)`); a process without it only waits. */
  lease?: RunnerLease;
}

/** One pass's work. */
export interface RunnerPass {
  events: number;
  advanced: number;
  /** `false` when another process holds the runner lease (this pass did nothing). */
  leader: boolean;
}

/** The runner. */
export interface JourneyRunner {
  /** Reads the events committed since the cursor, then walks the due instances (when it holds the lease). */
  tick(): Promise<RunnerPass>;
  /** Gives up the lease (on shutdown). */
  close(): Promise<void>;
}

/** Whether an event starts a journey (by name, or the audience it entered). */
function triggers(journey: Journey, event: TrackingEvent): boolean {
  const t = journey.trigger;
  if ('event' in t) return event.event === t.event;
  return event.event === AUDIENCE_ENTERED && valueAt(event, 'properties.audience') === t.audience;
}

/** Whether an event meets one of an instance's exit rules. */
function exits(journey: Journey, instance: JourneyInstance, event: TrackingEvent): boolean {
  return (journey.exit ?? []).some((rule) =>
    'event' in rule
      ? event.event === rule.event && matchesAll(event, rule.match, { trigger: instance.trigger })
      : event.event === AUDIENCE_ENTERED && valueAt(event, 'properties.audience') === rule.audience,
  );
}

/** What one pass reads once: the journeys, the destinations that take events, and every event name either cares about. */
interface Pass {
  journeys: Map<string, Journey>;
  destinations: StoredDestination[];
  names: Set<string>;
  /** What an engagement needs to name its channel (`engagement-channel.ts`). */
  policy: MessagingPolicy | undefined;
  allDestinations: StoredDestination[];
}

/** The event names a pass must look at (every other event is skipped without a read). */
function eventNames(journeys: Map<string, Journey>, destinations: StoredDestination[]): Set<string> {
  const names = new Set<string>([AUDIENCE_ENTERED]);
  // Clicks and opens feed best_engagement while any journey runs.
  if (journeys.size > 0) for (const name of ENGAGEMENT_EVENTS) names.add(name);
  for (const j of journeys.values()) {
    if ('event' in j.trigger) names.add(j.trigger.event);
    for (const rule of j.exit ?? []) if ('event' in rule) names.add(rule.event);
    if (j.goal) names.add(j.goal.event);
  }
  for (const d of destinations) for (const name of d.config.events as string[]) names.add(name);
  return names;
}

/** Creates the runner. */
export function createJourneyRunner(deps: JourneyRunnerDeps): JourneyRunner {
  const { messaging: m, clock, ids } = deps;
  const batch = deps.batch ?? 500;
  const lease = deps.lease ?? m.runnerLease(JOURNEY_CURSOR);

  async function onEvent(e: CommittedEvent, pass: Pass): Promise<void> {
    if (!e.profileId || e.event.type !== 'track' || !e.event.event || !pass.names.has(e.event.event)) return;
    const { journeys } = pass;
    const live = await m.liveProfileId(e.profileId);
    if (!live) return;
    const aliases = await m.profileAliases(live);
    const now = clock.now();
    const at = now.toISOString();
    const channel = engagementChannel(e.event, pass.policy, pass.allDestinations);
    if (channel) await m.recordEngagement({ seq: e.seq, profileId: live, channel, at: e.event.timestamp ?? at }, aliases);

    // Exits and goals first: an order completed in the same read as a late cart event still ends its cart.
    const open = await m.openInstances(aliases, new Date(now.getTime() - MAX_DURATION_MS).toISOString());
    for (const instance of open) {
      const journey = journeys.get(instance.journeyKey);
      if (!journey || e.seq <= instance.triggerSeq) continue;
      // Two instances of one cart on profiles merged since: the later one ends here, the earlier meets the event.
      if (supersededBy(instance, open)) {
        await m.transaction((tx) =>
          tx.updateInstance(instance.id, { state: 'merged', endReason: 'merged', endedAt: at, dueAt: undefined }),
        );
        continue;
      }
      const goal = journey.goal;
      const reachedGoal =
        goal !== undefined &&
        !instance.goalAt &&
        e.event.event === goal.event &&
        now.getTime() - Date.parse(instance.enteredAt) <= journeyDurationMs(goal.within);
      const active = instance.state === 'active';
      if (reachedGoal) {
        await m.transaction((tx) =>
          tx.updateInstance(instance.id, {
            goalAt: at,
            ...(active ? { state: 'exited', endReason: 'goal', endedAt: at, dueAt: undefined } : {}),
          }),
        );
      } else if (active && exits(journey, instance, e.event)) {
        await m.transaction((tx) =>
          tx.updateInstance(instance.id, { state: 'exited', endReason: 'exit_rule', endedAt: at, dueAt: undefined }),
        );
      }
    }

    for (const journey of journeys.values()) {
      if (journey.status !== 'published' || !triggers(journey, e.event)) continue;
      if (journey.publishedAt && (e.event.receivedAt ?? e.event.timestamp) < journey.publishedAt) continue;
      const path = journey.trigger.instanceKey;
      const instanceKey = path ? keyText(valueAt(e.event, path)) : '';
      if (instanceKey === undefined) continue;
      await m.transaction(async (tx) => {
        const existing = (await tx.findInstances({ journeyKey: journey.key, profileIds: aliases })).filter((i) => i.state !== 'merged');
        if (path ? existing.some((i) => i.instanceKey === instanceKey) : existing.some((i) => i.state === 'active')) return;
        if (journey.entry?.maxPerProfile !== undefined && existing.length >= journey.entry.maxPerProfile) return;
        await tx.insertInstance({
          id: `ji_${ids.profileId()}`,
          journeyKey: journey.key,
          profileId: live,
          instanceKey,
          state: 'active',
          stepIndex: 0,
          dueAt: at,
          heldOut: isHeldOut(journey.holdout?.group ?? journey.key, live, journey.holdout?.percent),
          trigger: e.event,
          triggerSeq: e.seq,
          enteredAt: at,
        });
      });
    }
    await forwardEvent(e, live, pass);
  }

  // Destinations with an `events` list receive those events as they are (Segment spec), in profile order.
  async function forwardEvent(e: CommittedEvent, live: string, pass: Pass): Promise<void> {
    const targets = pass.destinations.filter((d) => (d.config.events as string[]).includes(e.event.event ?? ''));
    if (targets.length === 0) return;
    const at = clock.now().toISOString();
    // The id is made of the destination and the event's seq: an event read again after a crash queues nothing new.
    await m.enqueueDeliveries(
      targets.map((d) => ({
        id: `fwd_${d.id}_${e.seq}`,
        destinationId: d.id,
        profileKey: live,
        kind: 'event' as const,
        payload: { event: e.event },
        createdAt: at,
      })),
    );
  }

  /**
   * The newest event seq seen while nothing could react to events (no journey, no forwarding destination).
   * Why: reading every event and committing the cursor twice a second cost ingest about a third of its
   * throughput (the cursor's commit empties the embedded writer's graph cache). Idle, the runner reads one
   * number; once a journey or destination exists, it starts after that seq, which was read before either
   * existed, so no event they could react to is skipped.
   */
  let idleThrough: number | undefined;

  return {
    close: () => lease.release(),
    async tick() {
      if (!(await lease.hold())) return { events: 0, advanced: 0, leader: false };
      const journeys = new Map((await m.listJourneys()).map((j) => [j.key, j]));
      const allDestinations = await m.listDestinations();
      const destinations = allDestinations.filter((d) => d.status === 'active' && Array.isArray(d.config.events));
      if (journeys.size === 0 && destinations.length === 0) {
        idleThrough = await deps.store.audiences.lastEventSeq();
        return { events: 0, advanced: 0, leader: true };
      }
      const pass: Pass = {
        journeys,
        destinations,
        names: eventNames(journeys, destinations),
        policy: journeys.size > 0 ? await m.findPolicy() : undefined,
        allDestinations,
      };
      let cursor = await m.readCursor(JOURNEY_CURSOR);
      if (idleThrough !== undefined) {
        if (idleThrough > cursor) await m.writeCursor(JOURNEY_CURSOR, (cursor = idleThrough));
        idleThrough = undefined;
      }
      const events = await m.eventsAfter(cursor, batch);
      for (const e of events) await onEvent(e, pass);
      const last = events.at(-1);
      if (last) await m.writeCursor(JOURNEY_CURSOR, last.seq);

      // Walk due instances only once every committed event before now was read (the exit of a cart bought
      // during the wait must be seen before the reminder is decided).
      if (events.length === batch) return { events: events.length, advanced: 0, leader: true };
      const published = [...journeys.values()].filter((j) => j.status === 'published');
      const due = await m.dueInstances(clock.now().toISOString(), batch);
      let advanced = 0;
      for (const instance of due) {
        const journey = journeys.get(instance.journeyKey);
        if (!journey || !published.includes(journey)) continue;
        await advanceInstance({ ...deps, journey, instance });
        advanced++;
      }
      return { events: events.length, advanced, leader: true };
    },
  };
}
