/** The identity graph as an SVG picture: identifiers as nodes, merges and links as edges, refusals in red. */
import type { GraphEdge, GraphNode } from '@kin/core/api/index.ts';
import { layoutGraph } from '../graph-layout.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, formatTime, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

const EDGE_STYLE: Record<GraphEdge['kind'], { stroke: string; width: number; dash?: string; label: string }> = {
  merge: { stroke: '#7c3aed', width: 3, label: 'merge (ledger)' },
  event: { stroke: '#94a3b8', width: 1.5, label: 'seen together on an event' },
  refused: { stroke: '#dc2626', width: 1.5, dash: '5 4', label: 'refused' },
};

/** The graph of one profile. */
export function IdentityGraph({ profileId }: { profileId: string }) {
  const { api, sourceName } = useKin();
  const graph = useApi(() => api.graph(profileId), profileId);
  if (graph.state === 'loading') return <Loading label="Drawing the graph…" />;
  if (graph.state === 'error') return <ErrorBox error={graph.error} onRetry={graph.reload} />;
  const { nodes, edges, refusals, truncated } = graph.data;
  if (nodes.length === 0) return <Empty>No identifiers to draw.</Empty>;
  const layout = layoutGraph<GraphNode, GraphEdge>(nodes, edges, { size: 560 });
  const { size } = layout;
  return (
    <div className="graph">
      <svg className="graph-svg" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={`Identity graph: ${nodes.length} identifiers, ${edges.length} links`}>
        {layout.edges.map(({ edge, x1, y1, x2, y2 }, i) => {
          const style = EDGE_STYLE[edge.kind];
          return (
            <line key={i} x1={x1} y1={y1} x2={x2} y2={y2} stroke={style.stroke} strokeWidth={style.width} strokeDasharray={style.dash} data-edge-kind={edge.kind}>
              <title>{`${style.label}: ${edge.label} · ${formatTime(edge.at)}${edge.mergeId ? ` · merge ${edge.mergeId}` : ''} · message ${edge.messageId}`}</title>
            </line>
          );
        })}
        {layout.nodes.map(({ node, x, y }) => (
          <g key={node.id} className={node.refused ? 'graph-node refused' : 'graph-node'} data-node-id={node.id} transform={`translate(${x} ${y})`}>
            <title>{`${node.type}: ${node.value}\nsource ${sourceName(node.sourceId)}\nfirst seen ${formatTime(node.firstSeen)}\nlast seen ${formatTime(node.lastSeen)}${node.refused ? '\nrefused' : ''}`}</title>
            <circle r={node.refused ? 9 : 11} fill={node.refused ? '#fee2e2' : colorOfType(node.type)} stroke={node.refused ? '#dc2626' : '#fff'} strokeWidth="2" />
            <text y="-15" textAnchor="middle" className="graph-type">
              {node.type}
            </text>
            <text y="24" textAnchor="middle" className="graph-value">
              {short(node.value)}
            </text>
          </g>
        ))}
      </svg>
      <div className="legend">
        {Object.entries(EDGE_STYLE).map(([kind, s]) => (
          <span key={kind}>
            <svg width="28" height="10" aria-hidden="true">
              <line x1="0" y1="5" x2="28" y2="5" stroke={s.stroke} strokeWidth={s.width} strokeDasharray={s.dash} />
            </svg>{' '}
            {s.label}
          </span>
        ))}
      </div>
      {layout.hidden > 0 ? <p className="muted small">{layout.hidden} more identifiers are not drawn (see the identifier list).</p> : null}
      {truncated ? <p className="muted small">Links are derived from the newest {graph.data.eventsReplayed} events.</p> : null}
      {refusals.length > 0 ? (
        <ul className="refusals">
          {refusals.map((r) => (
            <li key={r.warningId}>
              <span className="tag tag-red">refused</span> {r.identifier ? `${r.identifier.type}:${r.identifier.value} — ` : ''}
              {r.message} <span className="muted small">{formatTime(r.createdAt)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function short(value: string): string {
  return value.length > 22 ? `${value.slice(0, 10)}…${value.slice(-9)}` : value;
}

function colorOfType(type: string): string {
  if (type === 'user_id') return '#4f46e5';
  if (type === 'email') return '#d97706';
  if (type === 'phone') return '#0891b2';
  if (type === 'anonymous_id') return '#94a3b8';
  if (/\.(id|idfa|push_token)$|device/.test(type)) return '#059669';
  if (type === 'crm_id') return '#7c3aed';
  return '#db2777';
}
