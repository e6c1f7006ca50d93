/**
 * Walking one due instance through its steps: waits set the next due time, branches pick the next step,
 * sends ask core's `decideSend` (rules S1–S9) and apply its decision — the claim, the decision record, the
 * outbox rows (the message to the channel's destination and `Message Decided` to the profile's timeline)
 * and the instance's next step — in one transaction.
 *
 * Instances follow merges: an instance reads its profile through merges every time it is due, and when the
 * profile it reaches already has an earlier instance of the same journey and key (a web cart and an app cart
 * of one person, stitched later), the later one ends as `merged` and the earlier carries on.
 */
import {
  DEFAULT_CLAIM_TTL_MS,
  branchConditionHolds,
  decideSend,
  journeyDurationMs,
  isHeldOut,
  nextStepIndex,
  profileTimeZone,
  renderContent,
  renderEmail,
  renderTemplate,
} from '@kin/core';
import type { ContactPoint, Journey, MessagingPolicy, SendStep } from '@kin/core';
import type { MessageDecision } from '@kin/core/api/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { JourneyInstance, MessagingStore, NewDelivery } from '../storage/messaging-store.ts';
import type { ProfileView, Store } from '../storage/storage.ts';
import { profileRefs, profileTrack } from './message-event.ts';

/** The built-in destination that writes `Message Decided` onto the profile's timeline (through ingest). */
export const TIMELINE_DESTINATION = 'kin:timeline';

/** Steps walked per due instance at most (a journey has at most 50 steps; branches only jump forward). */
const MAX_STEPS = 64;

/** What walking an instance needs. */
export interface AdvanceDeps {
  store: Store;
  messaging: MessagingStore;
  clock: Clock;
  ids: IdGenerator;
  journey: Journey;
  instance: JourneyInstance;
}

/** Contact points of a profile: its identifiers by type, and the `email`, `phone`, `pushToken` traits. */
export function contactPoints(profile: ProfileView): Record<string, ContactPoint> {
  const out: Record<string, ContactPoint> = {};
  const bounced = (type: string) => profile.traits[`${type === 'push_token' ? 'pushToken' : type}Bounced`] === true;
  for (const x of profile.externalIds) out[x.type] ??= { value: x.value, bounced: bounced(x.type) };
  for (const [trait, type] of [
    ['email', 'email'],
    ['phone', 'phone'],
    ['pushToken', 'push_token'],
  ] as const) {
    const v = profile.traits[trait];
    if (typeof v === 'string' && v !== '') out[type] ??= { value: v, bounced: bounced(type) };
  }
  return out;
}

/** The longest cap window of a policy (how far back sends are read for caps), plus a day for calendar days. */
function capLookbackMs(policy: MessagingPolicy): number {
  return Math.max(0, ...policy.frequencyCaps.map((c) => journeyDurationMs(c.per))) + 86_400_000;
}

/**
 * The earlier instance of the same journey and key on the same (live) profile that this one merges into, if
 * any. Why the earliest: it entered first (by time, then by trigger event), so its wait is the one the
 * person met.
 */
export function supersededBy(instance: JourneyInstance, siblings: readonly JourneyInstance[]): JourneyInstance | undefined {
  return siblings.find(
    (s) =>
      s.id !== instance.id &&
      s.journeyKey === instance.journeyKey &&
      s.state !== 'merged' &&
      s.instanceKey === instance.instanceKey &&
      (s.enteredAt < instance.enteredAt || (s.enteredAt === instance.enteredAt && s.triggerSeq < instance.triggerSeq)),
  );
}

/** Walks one due instance until it waits, is deferred or ends. */
export async function advanceInstance(deps: AdvanceDeps): Promise<void> {
  const { messaging: m, clock, journey } = deps;
  const instance = { ...deps.instance };
  const at = clock.now().toISOString();
  const end = (state: JourneyInstance['state'], endReason: string) =>
    m.transaction((tx) => tx.updateInstance(instance.id, { state, endReason, endedAt: at, dueAt: undefined }));

  const live = await m.liveProfileId(instance.profileId);
  if (!live) return end('exited', 'profile_gone');
  const aliases = await m.profileAliases(live);
  const siblings = await m.findInstances({ journeyKey: journey.key, profileIds: aliases });
  if (supersededBy(instance, siblings)) return end('merged', 'merged');

  // When the current step was due. Why a wait counts from there and not from now: a runner that reaches an
  // instance late (a burst of carts, a restart) must not stretch the shopper's wait by its own lag; a wait
  // that has already elapsed is walked through at once.
  let stepDue = Math.min(Date.parse(instance.dueAt ?? at), clock.now().getTime());
  // The row as this walk found it (and last wrote it): a send decides only if it is still so.
  const walkedFrom = { stepIndex: instance.stepIndex, dueAt: instance.dueAt };
  for (let walked = 0; walked < MAX_STEPS; walked++) {
    const step = journey.steps[instance.stepIndex];
    if (!step) return end('done', 'completed');
    if ('wait' in step) {
      stepDue += journeyDurationMs(step.wait);
      instance.stepIndex += 1;
      if (stepDue > clock.now().getTime()) {
        const dueAt = new Date(stepDue).toISOString();
        await m.transaction((tx) => tx.updateInstance(instance.id, { stepIndex: instance.stepIndex, dueAt }));
        return;
      }
      continue;
    }
    if ('branch' in step) {
      const profile = await deps.store.findProfile(live);
      const holds = branchConditionHolds(step.branch.if, { trigger: instance.trigger, traits: profile?.traits ?? {} });
      const branchAt = instance.stepIndex;
      instance.stepIndex = nextStepIndex(journey.steps, instance.stepIndex, holds);
      await m.transaction(async (tx) => {
        await tx.recordBranch({ instanceId: instance.id, journeyKey: journey.key, stepIndex: branchAt, taken: holds });
        await tx.updateInstance(instance.id, { stepIndex: instance.stepIndex });
      });
      walkedFrom.stepIndex = instance.stepIndex;
      continue;
    }
    const outcome = await send(deps, instance, step.send, live, aliases, walkedFrom);
    if (outcome !== 'next') return;
    instance.stepIndex += 1;
    walkedFrom.stepIndex = instance.stepIndex;
    stepDue = clock.now().getTime();
  }
}

/**
 * Decides and applies one send: `next` (go on), `deferred` (the instance waits for the quiet hours' end) or
 * `stale`: the instance's row moved since this walk read it (another runner, during a lease takeover,
 * decided this step first), so nothing is decided twice.
 */
async function send(
  deps: AdvanceDeps,
  instance: JourneyInstance,
  step: SendStep,
  live: string,
  aliases: string[],
  walkedFrom: { stepIndex: number; dueAt: string | undefined },
): Promise<'next' | 'deferred' | 'stale'> {
  const { messaging: m, clock, ids, journey } = deps;
  const policy = await m.findPolicy();
  const profile = await deps.store.findProfile(live);
  if (!policy || !profile) throw new Error(`send of ${journey.key} without ${policy ? 'profile' : 'messaging policy'}`);
  const now = clock.now();
  const at = now.toISOString();
  const owner = `${instance.id}:${instance.stepIndex}`;
  // A trigger without the templated value cannot share a key with anyone: the instance's own key.
  const dedupeKey = renderTemplate(step.dedupeKey, { trigger: instance.trigger }) ?? owner;
  const context = instance.trigger.context as { timezone?: unknown } | undefined;
  const timeZone = profileTimeZone(policy, profile.traits, typeof context?.timezone === 'string' ? context.timezone : undefined);
  const refs = profileRefs(profile);

  return m.transaction(async (tx) => {
    const row = await tx.lockInstance(instance.id);
    if (!row || row.stepIndex !== walkedFrom.stepIndex || row.dueAt !== walkedFrom.dueAt || row.state !== instance.state) return 'stale';
    const now2 = now.getTime();
    const claim = (await tx.findClaims(aliases, dedupeKey)).find((c) => Date.parse(c.expiresAt) > now2);
    const recentSends = await tx.recentSends(aliases, new Date(now2 - capLookbackMs(policy)).toISOString());
    const engagement = step.choose === 'best_engagement' ? await tx.engagementCounts(aliases) : undefined;
    // The holdout group is read from the live profile: after a merge, every journey of a holdout group sees
    // the same person, whichever of the merged profiles each instance entered with.
    const heldOut = isHeldOut(journey.holdout?.group ?? journey.key, live, journey.holdout?.percent);
    if (heldOut !== instance.heldOut) await tx.updateInstance(instance.id, { heldOut });
    const decision = decideSend({
      now,
      owner,
      heldOut,
      ...(instance.state !== 'active' ? { exited: instance.endReason ?? instance.state } : {}),
      send: step,
      dedupeKey,
      ...(claim ? { claim } : {}),
      policy,
      consent: profile.consent ?? {},
      contacts: contactPoints(profile),
      timeZone,
      recentSends,
      ...(engagement ? { engagement } : {}),
    });
    const id = `msg_${ids.profileId()}`;
    const deliveries: NewDelivery[] = [];
    let deliveryId: string | undefined;
    if (decision.outcome === 'sent' && decision.channel) {
      const channel = decision.channel;
      const destination = policy.channels[channel]?.destination ?? '';
      deliveryId = `dlv_${ids.profileId()}`;
      // Rendered once, here: every attempt of the delivery sends the same content and mail. The mail's links
      // become tracked links when it is delivered (links/email-links.ts).
      const scope = { trigger: instance.trigger, profile: { id: live, traits: profile.traits } };
      const content = renderContent(step.content, scope);
      const properties = {
        journey: journey.key,
        message: step.message,
        channel,
        dedupeKey,
        profileId: live,
        deliveryId,
        ...(content ? { content } : {}),
      };
      const event = profileTrack({ event: 'Message Sent', messageId: deliveryId, at, refs, properties });
      const email = refs.email
        ? {
            to: refs.email,
            ...renderEmail(step.email, scope, { subject: step.message, text: `${step.message}\n\n(${journey.key}, ${dedupeKey})` }),
          }
        : undefined;
      deliveries.push({
        id: deliveryId,
        destinationId: destination,
        profileKey: live,
        kind: 'message',
        payload: { event, ...(email ? { email } : {}) },
        createdAt: at,
      });
    }
    const record: MessageDecision = {
      id,
      journey: journey.key,
      message: step.message,
      instanceId: instance.id,
      step: instance.stepIndex,
      profileId: live,
      dedupeKey,
      outcome: decision.outcome,
      ...(decision.channel ? { channel: decision.channel } : {}),
      ...(deliveryId ? { deliveryId } : {}),
      ...(decision.deferredUntil ? { deferredUntil: decision.deferredUntil } : {}),
      rules: decision.rules,
      decidedAt: at,
    };
    // The timeline entry's messageId is the decision id: a redelivery after a crash is dropped by ingest.
    const reason = decision.rules.find((r) => r.result === 'stop')?.detail ?? decision.rules.at(-1)?.detail ?? '';
    const timeline = profileTrack({
      event: 'Message Decided',
      messageId: `decision-${id}`,
      at,
      refs,
      properties: {
        journey: journey.key,
        message: step.message,
        decisionId: id,
        outcome: decision.outcome,
        reason,
        dedupeKey,
        ...(decision.channel ? { channel: decision.channel } : {}),
      },
    });
    deliveries.push({
      id: `dlv_${ids.profileId()}`,
      destinationId: TIMELINE_DESTINATION,
      profileKey: live,
      kind: 'timeline',
      payload: { event: timeline },
      createdAt: at,
    });

    if (decision.claim === 'take' && claim?.owner !== owner) {
      await tx.putClaim({
        profileId: live,
        dedupeKey,
        owner,
        claimedAt: at,
        expiresAt: new Date(now2 + (step.ttl !== undefined ? journeyDurationMs(step.ttl) : DEFAULT_CLAIM_TTL_MS)).toISOString(),
      });
    }
    await tx.insertDecision({ ...record, ...(step.tags ? { tags: step.tags } : {}) });
    await tx.insertDeliveries(deliveries);
    if (decision.deferredUntil) {
      await tx.updateInstance(instance.id, { stepIndex: instance.stepIndex, dueAt: decision.deferredUntil });
      return 'deferred';
    }
    await tx.updateInstance(instance.id, { stepIndex: instance.stepIndex + 1 });
    return 'next';
  });
}
