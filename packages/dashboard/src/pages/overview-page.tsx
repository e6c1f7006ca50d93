/** Overview: live counters, events per minute by source (last hour) and source activity; refreshes every 5 s. */
import { useEffect } from 'react';
import type { Overview, Source } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { useApi } from '../ui/use-api.ts';
import { Empty, ErrorBox, formatCount, Loading, Time } from '../ui/states.tsx';
import { SOURCE_COLORS, volumeColumns } from '../volume-series.ts';

const REFRESH_MS = 5000;

/** The overview page. */
export function OverviewPage() {
  const { api } = useKin();
  const overview = useApi(() => api.overview(), 'overview');
  const { reload } = overview;
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Overview</h1>
        <span className="muted live">
          <span className="live-dot" aria-hidden="true" /> live, every {REFRESH_MS / 1000} s
        </span>
      </div>
      {overview.state === 'loading' ? <Loading /> : null}
      {overview.state === 'error' ? <ErrorBox error={overview.error} onRetry={reload} /> : null}
      {overview.state === 'ready' ? <OverviewBody data={overview.data} /> : null}
    </section>
  );
}

function OverviewBody({ data }: { data: Overview }) {
  const counters: Array<[string, number]> = [
    ['Events', data.stats.events],
    ['Profiles', data.stats.profiles],
    ['Identifiers', data.stats.externalIds],
    ['Merges', data.stats.merges],
    ['Warnings', data.stats.warnings],
  ];
  const sources = [...data.sources].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <div className="counters">
        {counters.map(([label, value]) => (
          <div className="card counter" key={label} data-counter={label.toLowerCase()}>
            <span className="counter-label">{label}</span>
            <span className="counter-value">{formatCount(value)}</span>
          </div>
        ))}
      </div>
      <div className="card">
        <h2>Events per minute by source, last hour</h2>
        <VolumeChart data={data} sources={sources} />
      </div>
      <div className="card">
        <h2>Sources</h2>
        {sources.length === 0 ? (
          <Empty>No sources yet. Create one on the Sources page to get a write key.</Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Source</th>
                <th className="num">Events</th>
                <th>Last event</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr key={s.id} className={s.revokedAt ? 'revoked' : undefined}>
                  <td>
                    <span className="swatch" style={{ background: colorOf(sources, s.id) }} /> {s.name}
                    {s.revokedAt ? <span className="tag">revoked</span> : null}
                  </td>
                  <td className="num">{formatCount(s.events ?? 0)}</td>
                  <td>
                    <Time iso={s.lastEventAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}

function colorOf(sources: Source[], id: string): string {
  const i = sources.findIndex((s) => s.id === id);
  return SOURCE_COLORS[(i < 0 ? sources.length : i) % SOURCE_COLORS.length] ?? '#64748b';
}

function VolumeChart({ data, sources }: { data: Overview; sources: Source[] }) {
  const columns = volumeColumns(data.volume.buckets, new Date());
  const max = Math.max(1, ...columns.map((c) => c.total));
  const width = 600;
  const height = 160;
  const barWidth = width / columns.length;
  const total = columns.reduce((n, c) => n + c.total, 0);
  if (total === 0) return <Empty>No events in the last hour.</Empty>;
  const active = sources.filter((s) => columns.some((c) => (c.bySource[s.id] ?? 0) > 0));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={`${total} events in the last hour`} preserveAspectRatio="none">
        <line x1="0" y1={height} x2={width} y2={height} className="axis" />
        {columns.map((column, i) => {
          let y = height;
          return (
            <g key={column.start}>
              <title>{`${column.start.slice(11, 16)} UTC: ${column.total} events`}</title>
              {sources.map((s) => {
                const n = column.bySource[s.id] ?? 0;
                if (n === 0) return null;
                const h = (n / max) * (height - 8);
                y -= h;
                return <rect key={s.id} x={i * barWidth + 1} y={y} width={Math.max(barWidth - 2, 1)} height={h} fill={colorOf(sources, s.id)} />;
              })}
            </g>
          );
        })}
        <text x="0" y={height + 14} className="axis-label">
          −60 min
        </text>
        <text x={width} y={height + 14} className="axis-label" textAnchor="end">
          now · peak {max}/min
        </text>
      </svg>
      <figcaption className="legend">
        {active.map((s) => (
          <span key={s.id}>
            <span className="swatch" style={{ background: colorOf(sources, s.id) }} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
