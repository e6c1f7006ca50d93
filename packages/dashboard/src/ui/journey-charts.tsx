/**
 * The Journeys page's charts, drawn with ECharts on canvas (no inline styles, so they run under the strict CSP):
 * the funnel with the stitched and unstitched bars side by side, and the path diagram as a Sankey.
 */
import { useEffect } from 'react';
import { BarChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { FunnelResponse, PathsResponse } from '@kin/core/api/index.ts';
import { useEChartsInstance } from './use-echarts.ts';

echarts.use([BarChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** A chart given `option` whenever it changes. */
function useChart(option: echarts.EChartsCoreOption) {
  const { box, chart } = useEChartsInstance();
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [chart, option]);
  return box;
}

/** Funnel steps: stitched (profiles) beside unstitched (anonymous ids). */
export function FunnelChart({ stitched, unstitched }: { stitched: FunnelResponse; unstitched: FunnelResponse }) {
  const box = useChart({
    animation: false,
    legend: { top: 0 },
    grid: { left: 8, right: 12, top: 32, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: stitched.steps.map((s, i) => `${i + 1}. ${s.event}`), axisLabel: { color: '#64748b' } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#64748b' } },
    series: [
      { type: 'bar', name: 'with stitching (profiles)', itemStyle: { color: '#4f46e5' }, data: stitched.steps.map((s) => s.count) },
      {
        type: 'bar',
        name: 'without stitching (anonymous ids)',
        itemStyle: { color: '#94a3b8' },
        data: unstitched.steps.map((s) => s.count),
      },
    ],
  });
  return <div ref={box} className="chart" data-chart="funnel" role="img" aria-label="Funnel: with and without stitching" />;
}

/** The path diagram: one column per step, links as wide as the units that went that way. */
export function PathSankey({ paths }: { paths: PathsResponse }) {
  const used = new Set(paths.edges.flatMap((e) => [e.from, e.to]));
  const box = useChart({
    animation: false,
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: 160,
        top: 8,
        bottom: 8,
        nodeAlign: 'left',
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', curveness: 0.5 },
        label: { formatter: (p: { name: string }) => p.name.slice(p.name.indexOf(':') + 1) },
        data: paths.nodes.filter((n) => used.has(n.id)).map((n) => ({ name: n.id, depth: n.step })),
        links: paths.edges.map((e) => ({ source: e.from, target: e.to, value: e.count })),
      },
    ],
  });
  return <div ref={box} className="chart chart-tall" data-chart="paths" role="img" aria-label="Paths across channels" />;
}
