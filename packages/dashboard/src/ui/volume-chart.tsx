/**
 * Events per minute by source over the last hour, drawn with ECharts (canvas): stacked bars, a y-axis in
 * events per minute, time labels every 10 minutes, a colour per source id that never changes. A bulk-load
 * minute far above the rest is cut off the scale (with a note and a button for the full scale), so live
 * traffic stays readable. Why canvas: it sets no inline style attributes, so it runs under a strict CSP.
 */
import { useEffect, useState } from 'react';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Source } from '@kin/core/api/index.ts';
import type { VolumeColumn } from '../volume-series.ts';
import { readableCeiling, sourceColor } from '../volume-series.ts';
import { formatCount } from './states.tsx';
import { useEChartsInstance } from './use-echarts.ts';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** The chart of the overview page. */
export function VolumeChart({ columns, sources }: { columns: VolumeColumn[]; sources: Source[] }) {
  const { box, chart } = useEChartsInstance();
  const [fullScale, setFullScale] = useState(false);
  const ceiling = readableCeiling(columns.map((c) => c.total));
  const cut = ceiling !== undefined && !fullScale ? ceiling : undefined;
  const over = cut !== undefined ? columns.filter((c) => c.total > cut) : [];

  useEffect(() => {
    const label = (iso: string) => {
      const d = new Date(iso);
      return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    };
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => formatCount(Number(v)) },
        xAxis: {
          type: 'category',
          data: columns.map((c) => label(c.start)),
          axisTick: { alignWithLabel: true, interval: 9 },
          axisLabel: { interval: 9, color: '#64748b' },
        },
        yAxis: {
          type: 'value',
          name: 'events / min',
          nameTextStyle: { color: '#64748b', align: 'left' },
          minInterval: 1,
          axisLabel: { color: '#64748b' },
          ...(cut !== undefined ? { max: cut } : {}),
        },
        series: sources.map((s) => ({
          type: 'bar',
          name: s.name,
          stack: 'events',
          barCategoryGap: '20%',
          itemStyle: { color: sourceColor(s.id) },
          data: columns.map((c) => c.bySource[s.id] ?? 0),
        })),
      },
      { notMerge: true },
    );
  }, [chart, columns, sources, cut]);

  return (
    <figure className="chart">
      <div
        ref={box}
        className="chart-box"
        role="img"
        aria-label={`${formatCount(columns.reduce((n, c) => n + c.total, 0))} events in the last hour, per minute and source`}
      />
      {ceiling !== undefined ? (
        <p className="muted small chart-note">
          {fullScale
            ? 'Full scale.'
            : `${over.length} minute${over.length > 1 ? 's' : ''} above ${formatCount(ceiling)}/min ${over.length > 1 ? 'go' : 'goes'} off the scale (highest ${formatCount(Math.max(...over.map((c) => c.total)))}/min, a bulk load).`}{' '}
          <button type="button" className="button-link" onClick={() => setFullScale(!fullScale)}>
            {fullScale ? 'Readable scale' : 'Show full scale'}
          </button>
        </p>
      ) : null}
      <figcaption className="legend">
        {sources.map((s) => (
          <span key={s.id} data-source-color={sourceColor(s.id)}>
            <span className="swatch" style={{ background: sourceColor(s.id) }} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
