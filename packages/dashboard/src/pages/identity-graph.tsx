/**
 * The identity graph: identifiers on a circle grouped by type (colour per type, see the legend), merges and
 * links as edges inside it, refused identifiers in red, labels outside. Every node is a button (click, or
 * Tab then Enter) that opens its details below: the full value, source, times and why it is here. Past 36
 * identifiers, big types collapse into "+N more" (open it to show them all). On a narrow screen labels are
 * shorter so the picture still fits.
 */
import { useEffect, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { GraphEdge, GraphNode, ExplainAnswer, ProfileGraph } from '@kin/core/api/index.ts';
import type { PlacedItem } from '../graph-layout.ts';
import { layoutGraph, typeRank } from '../graph-layout.ts';
import { useKin } from '../kin-context.ts';
import { hrefOf, link } from '../router.ts';
import { Empty, ErrorBox, formatTime, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { RULE_TEXT } from '../ui/rule-text.ts';

const EDGE_STYLE: Record<GraphEdge['kind'], { stroke: string; width: number; dash?: string; label: string }> = {
  merge: { stroke: '#7c3aed', width: 3, label: 'merge (ledger)' },
  event: { stroke: '#94a3b8', width: 1.5, label: 'seen together on an event' },
  refused: { stroke: '#dc2626', width: 1.5, dash: '5 4', label: 'refused' },
};

/** The graph of one profile. */
export function IdentityGraph({ profileId, explanation }: { profileId: string; explanation: ExplainAnswer | undefined }) {
  const { api } = useKin();
  const graph = useApi(() => api.graph(profileId), profileId);
  if (graph.state === 'loading') return <Loading label="Drawing the graph…" />;
  if (graph.state === 'error') return <ErrorBox error={graph.error} onRetry={graph.reload} />;
  if (graph.data.nodes.length === 0) return <Empty>No identifiers to draw.</Empty>;
  return <GraphView graph={graph.data} explanation={explanation} />;
}

function useNarrow(): boolean {
  const query = '(max-width: 640px)';
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setNarrow(list.matches);
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, []);
  return narrow;
}

function GraphView({ graph, explanation }: { graph: ProfileGraph; explanation: ExplainAnswer | undefined }) {
  const narrow = useNarrow();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string | undefined>();
  const layout = layoutGraph<GraphNode, GraphEdge>(graph.nodes, graph.edges, { labelChars: narrow ? 13 : 24, expanded });
  const current = layout.items.find((i) => i.key === selected);
  const activate = (item: PlacedItem<GraphNode>) => {
    if (item.kind === 'group') {
      setExpanded(new Set([...expanded, item.type]));
      setSelected(undefined);
    } else setSelected(item.key === selected ? undefined : item.key);
  };
  const onKey = (item: PlacedItem<GraphNode>) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(item);
    }
  };
  const { size } = layout;
  return (
    <div className="graph">
      <GraphLegend nodes={graph.nodes} />
      <svg
        className="graph-svg"
        width={size}
        height={size}
        viewBox={`0 0 ${size} ${size}`}
        role="group"
        aria-label={`Identity graph: ${graph.nodes.length} identifiers, ${graph.edges.length} links`}
      >
        {layout.edges.map(({ edge, x1, y1, x2, y2 }, i) => {
          const style = EDGE_STYLE[edge.kind];
          return (
            <line
              key={i}
              x1={x1}
              y1={y1}
              x2={x2}
              y2={y2}
              stroke={style.stroke}
              strokeWidth={style.width}
              strokeDasharray={style.dash}
              data-edge-kind={edge.kind}
            >
              <title>{`${style.label}: ${edge.label} · ${formatTime(edge.at)}`}</title>
            </line>
          );
        })}
        {layout.items.map((item) => {
          const refused = item.kind === 'node' && item.node.refused === true;
          const name = item.kind === 'node' ? `${item.type}: ${item.node.value}${refused ? ' (refused)' : ''}` : `${item.label}: show them`;
          return (
            <g
              key={item.key}
              className={`graph-node${refused ? ' refused' : ''}${item.kind === 'group' ? ' group' : ''}${item.key === selected ? ' selected' : ''}`}
              data-node-id={item.key}
              role="button"
              tabIndex={0}
              aria-label={name}
              aria-pressed={item.kind === 'node' ? item.key === selected : undefined}
              onClick={() => activate(item)}
              onKeyDown={onKey(item)}
            >
              <title>{name}</title>
              <circle
                cx={item.x}
                cy={item.y}
                r={item.kind === 'group' ? 10 : 8}
                fill={refused ? '#fee2e2' : colorOfType(item.type)}
                stroke={refused ? '#dc2626' : '#fff'}
                strokeWidth="2"
              />
              <text
                x={item.lx}
                y={item.ly}
                dy="0.35em"
                textAnchor={item.anchor}
                transform={`rotate(${item.rotate} ${item.lx} ${item.ly})`}
                className="graph-label"
              >
                {item.label}
              </text>
            </g>
          );
        })}
      </svg>
      {current ? (
        <NodeDetails item={current} explanation={explanation} onClose={() => setSelected(undefined)} />
      ) : (
        <p className="muted small">Select an identifier (click, or Tab and Enter) to see why it is here.</p>
      )}
      {graph.truncated ? <p className="muted small">Links are derived from the newest {graph.eventsReplayed} events.</p> : null}
      <Refusals graph={graph} />
    </div>
  );
}

function GraphLegend({ nodes }: { nodes: GraphNode[] }) {
  const counts = new Map<string, number>();
  for (const n of nodes) if (!n.refused) counts.set(n.type, (counts.get(n.type) ?? 0) + 1);
  const types = [...counts].sort((a, b) => typeRank(a[0]) - typeRank(b[0]) || a[0].localeCompare(b[0]));
  return (
    <div className="legend graph-legend" aria-label="Legend">
      {types.map(([type, n]) => (
        <span key={type} data-legend-type={type}>
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" fill={colorOfType(type)} />
          </svg>{' '}
          {type} <span className="muted">{n}</span>
        </span>
      ))}
      {nodes.some((n) => n.refused) ? (
        <span data-legend-type="refused">
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" fill="#fee2e2" stroke="#dc2626" strokeWidth="1.5" />
          </svg>{' '}
          refused identifier
        </span>
      ) : null}
      {Object.entries(EDGE_STYLE).map(([kind, s]) => (
        <span key={kind} data-legend-edge={kind}>
          <svg width="24" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="24" y2="5" stroke={s.stroke} strokeWidth={s.width} strokeDasharray={s.dash} />
          </svg>{' '}
          {s.label}
        </span>
      ))}
    </div>
  );
}

function NodeDetails({
  item,
  explanation,
  onClose,
}: {
  item: PlacedItem<GraphNode>;
  explanation: ExplainAnswer | undefined;
  onClose: () => void;
}) {
  const { sourceName } = useKin();
  if (item.kind === 'group') return null;
  const n = item.node;
  const why = explanation?.identifiers.find((i) => i.type === n.type && i.value === n.value);
  const refusal = explanation?.refusals.find((r) => r.type === n.type && r.value === n.value);
  const q = `${n.type}:${n.value}`;
  return (
    <div className="card node-details" role="region" aria-label="Selected identifier">
      <div className="event-line">
        <strong className="mono wrap">{q}</strong>
        {n.refused ? <span className="tag tag-red">refused</span> : null}
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="small">
        {n.refused
          ? `Refused: ${refusal ? `${refusal.detail} (${refusal.reason})` : 'see the refusals below'}.`
          : `Why here: ${why?.rule ? (RULE_TEXT[why.rule] ?? why.rule) : 'linked before Kin recorded why'}.`}
      </p>
      <p className="muted small">
        source {sourceName(n.sourceId)} · first seen <Time iso={n.firstSeen} /> · last seen <Time iso={n.lastSeen} />
        {why?.messageId ? (
          <>
            {' '}
            · event <code>{why.messageId}</code>
          </>
        ) : null}
      </p>
      <a href={hrefOf({ name: 'search', q })} onClick={link({ name: 'search', q })}>
        Profiles with this identifier
      </a>
    </div>
  );
}

/** Refusals, one line per identifier with how often and when last (the API lists each refused event). */
function Refusals({ graph }: { graph: ProfileGraph }) {
  const byIdentifier = new Map<string, { label: string; message: string; count: number; last: string }>();
  for (const r of graph.refusals) {
    const key = r.identifier ? `${r.identifier.type}:${r.identifier.value}` : r.message;
    const entry = byIdentifier.get(key);
    if (entry) {
      entry.count++;
      if (r.createdAt > entry.last) entry.last = r.createdAt;
    } else byIdentifier.set(key, { label: key, message: r.message, count: 1, last: r.createdAt });
  }
  if (byIdentifier.size === 0) return null;
  return (
    <>
      <h3 className="small">Refused identifiers</h3>
      <ul className="refusals">
        {[...byIdentifier.values()].map((r) => (
          <li key={r.label} data-refusal={r.label}>
            <span className="tag tag-red">refused{r.count > 1 ? ` ×${r.count}` : ''}</span> <span className="mono wrap">{r.label}</span> —{' '}
            {r.message} <span className="muted small">last {formatTime(r.last)}</span>
          </li>
        ))}
      </ul>
    </>
  );
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
