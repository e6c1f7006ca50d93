/** Overview: live counters, events per minute by source (last hour) and source activity; refreshes every 5 s. */
import { lazy, Suspense, useEffect } from 'react';
import type { Overview, Source } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { useApi } from '../ui/use-api.ts';
import { Empty, ErrorBox, formatCount, Loading, Time } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { sourceColor, volumeColumns } from '../volume-series.ts';

const REFRESH_MS = 5000;
/** Why lazy: ECharts is most of the bundle's weight, and only this page draws a chart. */
const VolumeChart = lazy(() => import('../ui/volume-chart.tsx').then((m) => ({ default: m.VolumeChart })));

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
        <VolumeSection data={data} sources={sources} />
      </div>
      <div className="card">
        <h2>Sources</h2>
        {sources.length === 0 ? (
          <Empty>No sources yet. Create one on the Sources page to get a write key.</Empty>
        ) : (
          <DataTable columns={['Source', { label: 'Events', className: 'num' }, 'Last event']} card={false}>
            {sources.map((s) => (
              <tr key={s.id} className={s.revokedAt ? 'revoked' : undefined}>
                <td>
                  <span className="swatch" style={{ background: sourceColor(s.id) }} /> {s.name}
                  {s.revokedAt ? <span className="tag">revoked</span> : null}
                </td>
                <td className="num">{formatCount(s.events ?? 0)}</td>
                <td>
                  <Time iso={s.lastEventAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </>
  );
}

function VolumeSection({ data, sources }: { data: Overview; sources: Source[] }) {
  const columns = volumeColumns(data.volume.buckets, new Date());
  if (columns.every((c) => c.total === 0)) return <Empty>No events in the last hour.</Empty>;
  const active = sources.filter((s) => columns.some((c) => (c.bySource[s.id] ?? 0) > 0));
  return (
    <Suspense fallback={<Loading label="Drawing the chart…" />}>
      <VolumeChart columns={columns} sources={active} />
    </Suspense>
  );
}
