/**
 * The identity graph of one profile, derived for the dashboard from what the store already keeps: the
 * profile's identifiers (nodes), its merge ledger (merge edges), its events (link edges) and its
 * `identifier_refused` warnings (refusals).
 *
 * Why a heuristic for link edges: the store keeps which identifiers a profile has, not which event linked
 * each one. We replay the profile's events oldest first, extract each event's identifiers exactly as
 * ingestion does (`prepareEvent` with the default policy and the server's normaliser), and when an event
 * carries an identifier not seen in an earlier event, we connect it to the first already-known identifier
 * of that event (identifiers are in policy priority order, so that is usually the user id or email). When
 * no identifier of the event is known yet (the profile's first event), the new ones are connected to the
 * event's first identifier. The result is a spanning forest: each identifier joins through the event that
 * brought it in. Identifiers no replayed event explains (beyond the event bound, or custom policy keys)
 * stay unconnected unless a merge edge reaches them.
 */
import type { Identifier } from '@kin/core';
import { DEFAULT_POLICY, prepareEvent } from '@kin/core';
import type { GraphEdge, GraphNode, GraphRefusal, ProfileGraph } from '@kin/core/api/index.ts';
import type { ExternalIdView, MergeRecord, StoredEvent, WarningRecord } from '../storage/storage.ts';

/** What `buildProfileGraph` needs. */
export interface ProfileGraphInput {
  profileId: string;
  externalIds: ExternalIdView[];
  merges: MergeRecord[];
  /** The profile's events, in any order. */
  events: StoredEvent[];
  refusals: WarningRecord[];
  normalize: (type: string, raw: unknown) => string | undefined;
  truncated: boolean;
}

/** Builds the graph (pure; same input, same output). */
export function buildProfileGraph(input: ProfileGraphInput): ProfileGraph {
  const nodes = new Map<string, GraphNode>();
  for (const e of [...input.externalIds].sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || nodeId(a).localeCompare(nodeId(b)))) {
    nodes.set(nodeId(e), {
      id: nodeId(e),
      type: e.type,
      value: e.value,
      sourceId: e.sourceId,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
    });
  }
  const edges: GraphEdge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (edge: GraphEdge): void => {
    const key = `${edge.kind}|${[edge.from, edge.to].sort().join('|')}`;
    if (edge.from === edge.to || edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push(edge);
  };

  for (const merge of [...input.merges].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))) {
    const via = merge.via.map(nodeId).filter((key) => nodes.has(key));
    const [first, ...rest] = via;
    for (const other of rest) {
      if (first)
        addEdge({
          from: first,
          to: other,
          kind: 'merge',
          label: merge.rule,
          mergeId: merge.id,
          messageId: merge.messageId,
          at: merge.createdAt,
        });
    }
  }

  const ordered = [...input.events].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId));
  const identifiersOf = new Map<string, Identifier[]>();
  const seen = new Set<string>();
  for (const event of ordered) {
    const ids = prepareEvent(event, DEFAULT_POLICY, input.normalize).identifiers;
    identifiersOf.set(event.messageId, ids);
    const keys = ids.map(nodeId).filter((key) => nodes.has(key));
    const anchor = keys.find((key) => seen.has(key)) ?? keys[0];
    for (const key of keys) {
      if (!seen.has(key) && anchor && key !== anchor) {
        addEdge({
          from: anchor,
          to: key,
          kind: 'event',
          label: event.event ?? event.type,
          messageId: event.messageId,
          at: event.timestamp,
        });
      }
    }
    for (const key of keys) seen.add(key);
  }

  // The first event of each messageId (two sources may share one), found without a scan per refusal.
  const byMessageId = new Map<string, StoredEvent>();
  for (const e of ordered) if (!byMessageId.has(e.messageId)) byMessageId.set(e.messageId, e);
  const refusals: GraphRefusal[] = [];
  for (const warning of input.refusals) {
    const refusal: GraphRefusal = {
      warningId: warning.id,
      message: warning.message,
      createdAt: warning.createdAt,
      ...(warning.messageId ? { messageId: warning.messageId } : {}),
    };
    const event = warning.messageId ? byMessageId.get(warning.messageId) : undefined;
    const type = /^(\S+) refused/.exec(warning.message)?.[1];
    if (event && type) {
      const raw = rawIdentifier(event, type);
      const value = raw === undefined ? undefined : input.normalize(type, raw);
      if (value !== undefined) {
        const identifier = { type, value };
        refusal.identifier = identifier;
        const key = `refused:${nodeId(identifier)}`;
        if (!nodes.has(key)) {
          nodes.set(key, {
            id: key,
            type,
            value,
            sourceId: event.sourceId,
            firstSeen: event.timestamp,
            lastSeen: event.timestamp,
            refused: true,
          });
        }
        const anchor = (identifiersOf.get(event.messageId) ?? []).map(nodeId).find((k) => nodes.has(k) && k !== nodeId(identifier));
        if (anchor)
          addEdge({ from: anchor, to: key, kind: 'refused', label: warning.message, messageId: event.messageId, at: warning.createdAt });
      }
    }
    refusals.push(refusal);
  }

  return {
    profileId: input.profileId,
    nodes: [...nodes.values()],
    edges,
    refusals,
    eventsReplayed: ordered.length,
    truncated: input.truncated,
  };
}

/** The raw value of a refused identifier type on the event (the types a limit refusal can hit most). */
function rawIdentifier(event: StoredEvent, type: string): unknown {
  if (type === 'user_id') return event.userId;
  if (type === 'anonymous_id') return event.anonymousId;
  const context = (event.context ?? {}) as Record<string, unknown>;
  const traits = { ...(context['traits'] as Record<string, unknown> | undefined), ...(event.type === 'identify' ? event.traits : {}) };
  if (type in traits) return traits[type];
  const device = context['device'] as Record<string, unknown> | undefined;
  if (device && type.endsWith('.id')) return device['id'];
  const external = Array.isArray(context['externalIds']) ? (context['externalIds'] as Array<Record<string, unknown>>) : [];
  return external.find((x) => x['type'] === type)?.['id'];
}

/** The node id of an identifier: `type:value` (readable, and unique because types never hold a colon). */
export function nodeId(identifier: Identifier): string {
  return `${identifier.type}:${identifier.value}`;
}
