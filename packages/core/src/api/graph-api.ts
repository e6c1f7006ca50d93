/** Response shape of `GET /v1/profiles/{ref}/graph`, the identity graph of one profile. Type-only. */
import type { Identifier } from '../identity/identity-types.ts';

/** One identifier of the profile (or a refused one, `refused: true`). */
export interface GraphNode {
  /** `type:value`, unique within the graph. */
  id: string;
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
  refused?: boolean;
}

/** A connection between two identifiers. */
export interface GraphEdge {
  from: string;
  to: string;
  /** `merge`: joined two profiles (ledger); `event`: arrived together on one event; `refused`: an event offered `to` and it was refused. */
  kind: 'merge' | 'event' | 'refused';
  /** The resolution rule (merges) or a short label. */
  label: string;
  mergeId?: string;
  messageId: string;
  at: string;
}

/** A refused identifier of this profile (from `identifier_refused` warnings). */
export interface GraphRefusal {
  warningId: string;
  message: string;
  messageId?: string;
  createdAt: string;
  /** Recovered from the event payload when the event is among the replayed ones. */
  identifier?: Identifier;
}

/** `GET /v1/profiles/{ref}/graph`. */
export interface ProfileGraph {
  profileId: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  refusals: GraphRefusal[];
  /** Events replayed for link edges (bounded), and whether older ones were left out. */
  eventsReplayed: number;
  truncated: boolean;
}
