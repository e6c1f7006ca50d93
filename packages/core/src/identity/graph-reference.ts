/**
 * In-memory reference implementation of the identity graph: what every store must do when it applies a
 * plan, written as plainly as possible. Store conformance tests compare against it, and the resolver's
 * property tests (idempotence, order independence) run on it. Its types: graph-reference-types.ts.
 */
import type { TrackingEvent } from '../spec/event-types.ts';
import type { TraitState } from '../profile/trait-merge.ts';
import { applyTraitChanges, mergeTraitStates, visibleTraits } from '../profile/trait-merge.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import { prepareEvent } from './identifier-extract.ts';
import { compareStrings, compareTypeValue, identifierKey } from './identifier-order.ts';
import { resolve, snapshotKeys } from './identity-resolve.ts';
import type { DoNotLinkRule, Identifier, KnownIdentifier, ResolutionPlan, SnapshotProfile } from './identity-types.ts';
import type { GraphIdentifier, GraphMerge, GraphProfile, MemoryGraph, ReferenceIngestOptions } from './graph-reference-types.ts';

// The contract is declared in graph-reference-types.ts; imported from here as before.
export type { GraphIdentifier, GraphMerge, GraphProfile, MemoryGraph, ReferenceIngestOptions } from './graph-reference-types.ts';

interface ProfileState {
  id: string;
  seq: number;
  createdAt: string;
  mergeCount: number;
  mergedFrom: string[];
  identifiers: Map<string, GraphIdentifier>;
  traits: TraitState;
  events: string[];
}

/** Creates an empty reference graph; profile ids are p1, p2, … in creation order. */
export function createMemoryGraph(): MemoryGraph {
  const live = new Map<string, ProfileState>();
  const owner = new Map<string, string>();
  const redirect = new Map<string, string>();
  const unattributed: string[] = [];
  const ledger: GraphMerge[] = [];
  const rules = new Map<string, DoNotLinkRule>();
  const tombstones = new Set<string>();
  /** Device key -> user id -> seq of the first event that paired them. */
  const deviceUsers = new Map<string, Map<string, number>>();
  const log = new Map<string, { event: TrackingEvent; sourceId: string; seq: number }>();
  let next = 1;
  let eventSeq = 0;

  const liveOrThrow = (id: string): ProfileState => {
    const profile = live.get(id);
    if (!profile) throw new Error(`plan names profile ${id}, which is not a live profile`);
    return profile;
  };
  const view = (p: ProfileState): GraphProfile => ({
    id: p.id,
    createdAt: p.createdAt,
    mergeCount: p.mergeCount,
    mergedFrom: [...p.mergedFrom].sort(compareStrings),
    identifiers: [...p.identifiers.values()].map((i) => ({ ...i })).sort(compareTypeValue),
    traitState: structuredClone(p.traits),
    traits: visibleTraits(p.traits),
    events: [...p.events],
  });

  return {
    snapshot(identifiers, options = {}) {
      const before = options.beforeSeq ?? Number.POSITIVE_INFINITY;
      const known: KnownIdentifier[] = [];
      const profiles = new Map<string, SnapshotProfile>();
      for (const id of identifiers) {
        const profileId = owner.get(identifierKey(id));
        const profile = profileId === undefined ? undefined : live.get(profileId);
        const held = profile?.identifiers.get(identifierKey(id));
        if (!profile || !held) continue;
        if (tombstones.has(identifierKey(id))) throw new Error('a tombstoned identifier is still in the graph');
        known.push({ type: held.type, value: held.value, profileId: profile.id, lastSeen: held.lastSeen });
        if (!profiles.has(profile.id)) {
          profiles.set(profile.id, {
            id: profile.id,
            createdAt: profile.createdAt,
            mergeCount: profile.mergeCount,
            identifiers: [...profile.identifiers.values()].map((i) => ({
              type: i.type,
              value: i.value,
              profileId: profile.id,
              lastSeen: i.lastSeen,
            })),
          });
        }
      }
      const keys = new Set(identifiers.map(identifierKey));
      for (const profile of profiles.values()) for (const id of profile.identifiers) keys.add(identifierKey(id));
      return {
        known,
        profiles,
        doNotLink: [...rules.values()].filter((rule) => rule.sides.flat().some((id) => keys.has(identifierKey(id)))),
        tombstoned: identifiers.filter((id) => tombstones.has(identifierKey(id))),
        deviceUsers: identifiers.flatMap((id) => {
          const users = [...(deviceUsers.get(identifierKey(id)) ?? new Map<string, number>())]
            .filter(([, seq]) => seq < before)
            .map(([user]) => user);
          return users.length > 0 ? [{ identifier: id, userIds: users.sort(compareStrings) }] : [];
        }),
      };
    },

    apply(prepared, plan, { sourceId }) {
      const event: TrackingEvent = prepared.event;
      if (!log.has(event.messageId)) log.set(event.messageId, { event, sourceId, seq: eventSeq++ });
      const seq = log.get(event.messageId)?.seq ?? 0;
      for (const pair of plan.deviceUsers ?? []) {
        const users = deviceUsers.get(identifierKey(pair.identifier)) ?? new Map<string, number>();
        users.set(pair.userId, Math.min(users.get(pair.userId) ?? seq, seq));
        deviceUsers.set(identifierKey(pair.identifier), users);
      }
      if (plan.target.kind === 'none') {
        unattributed.push(event.messageId);
        return { profileId: undefined };
      }
      let target: ProfileState;
      if (plan.target.kind === 'new') {
        const seq = next++;
        target = {
          id: `p${seq}`,
          seq,
          createdAt: event.receivedAt,
          mergeCount: 0,
          mergedFrom: [],
          identifiers: new Map(),
          traits: {},
          events: [],
        };
        live.set(target.id, target);
      } else target = liveOrThrow(plan.target.profileId);

      for (const merge of plan.merges) {
        if (merge.survivorId !== target.id) throw new Error(`merge survivor ${merge.survivorId} is not the target ${target.id}`);
        const absorbed = liveOrThrow(merge.absorbedId);
        const ids = (p: ProfileState): Identifier[] => [...p.identifiers.values()].map((i) => ({ type: i.type, value: i.value }));
        ledger.push({
          survivorId: target.id,
          absorbedId: absorbed.id,
          messageId: event.messageId,
          sides: { survivor: ids(target), absorbed: ids(absorbed) },
        });
        for (const [key, id] of absorbed.identifiers) {
          const mine = target.identifiers.get(key);
          target.identifiers.set(
            key,
            mine ? { ...mine, firstSeen: min(mine.firstSeen, id.firstSeen), lastSeen: max(mine.lastSeen, id.lastSeen) } : id,
          );
          owner.set(key, target.id);
        }
        target.traits = mergeTraitStates(target.traits, absorbed.traits);
        target.events.push(...absorbed.events);
        target.mergeCount += absorbed.mergeCount + 1;
        target.mergedFrom.push(absorbed.id, ...absorbed.mergedFrom);
        live.delete(absorbed.id);
        redirect.set(absorbed.id, target.id);
      }
      for (const { identifier } of plan.links) {
        const key = identifierKey(identifier);
        if (owner.has(key)) throw new Error(`plan links ${key}, which already belongs to ${owner.get(key)}`);
        owner.set(key, target.id);
        target.identifiers.set(key, {
          type: identifier.type,
          value: identifier.value,
          sourceId,
          firstSeen: event.timestamp,
          lastSeen: event.timestamp,
        });
      }
      for (const identifier of plan.touches) {
        const held = target.identifiers.get(identifierKey(identifier));
        if (!held) throw new Error(`plan touches ${identifierKey(identifier)}, which the target does not hold`);
        held.lastSeen = max(held.lastSeen, event.timestamp);
      }
      target.traits = applyTraitChanges(target.traits, plan.traits, event.timestamp, sourceId);
      target.events.push(event.messageId);
      return { profileId: target.id };
    },

    profiles: () => [...live.values()].sort((a, b) => a.seq - b.seq).map(view),
    findProfile(profileId) {
      let id = profileId;
      for (let hop = redirect.get(id); hop !== undefined; hop = redirect.get(id)) id = hop;
      const profile = live.get(id);
      return profile ? view(profile) : undefined;
    },
    findProfileIdByIdentifier: (identifier) => owner.get(identifierKey(identifier)),
    unattributedEvents: () => [...unattributed],
    partition: () =>
      [...live.values()]
        .map((p) => [...p.identifiers.values()].map((i) => `${i.type}:${i.value}`).sort(compareStrings))
        .sort((a, b) => compareStrings(a.join('\n'), b.join('\n'))),
    merges: () => ledger.map((m) => structuredClone(m)),
    addDoNotLink: (rule) => void rules.set(rule.id, structuredClone(rule)),
    removeDoNotLink: (id) => void rules.delete(id),
    tombstone(identifier) {
      const key = identifierKey(identifier);
      tombstones.add(key);
      const profileId = owner.get(key);
      if (profileId !== undefined) live.get(profileId)?.identifiers.delete(key);
      owner.delete(key);
    },
    rebuild(profileId, options) {
      let id = profileId;
      for (let hop = redirect.get(id); hop !== undefined; hop = redirect.get(id)) id = hop;
      const profile = liveOrThrow(id);
      for (const key of profile.identifiers.keys()) owner.delete(key);
      live.delete(id);
      const events = profile.events.map((messageId) => log.get(messageId)).filter((e) => e !== undefined);
      for (const entry of events.sort((a, b) => a.seq - b.seq)) {
        const prepared = prepareEvent(entry.event, options.policy, options.normalize);
        const plan = resolve(this.snapshot(snapshotKeys(prepared), { beforeSeq: entry.seq }), prepared, options.policy);
        this.apply(prepared, plan, { sourceId: entry.sourceId });
      }
    },
  };
}

/** Runs one validated event through prepare → snapshot → resolve → apply on the reference graph. */
export function ingestReference(
  graph: MemoryGraph,
  event: TrackingEvent,
  options: ReferenceIngestOptions,
): { prepared: PreparedEvent; plan: ResolutionPlan; profileId: string | undefined } {
  const prepared = prepareEvent(event, options.policy, options.normalize);
  const plan = resolve(graph.snapshot(snapshotKeys(prepared)), prepared, options.policy);
  const { profileId } = graph.apply(prepared, plan, { sourceId: options.sourceId });
  return { prepared, plan, profileId };
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}
