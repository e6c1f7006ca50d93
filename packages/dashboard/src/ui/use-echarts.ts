/** One ECharts canvas instance on a div, resized with it and disposed with the component. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';

/** The div to render into and the chart instance (undefined until mounted). */
export function useEChartsInstance() {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return;
    const instance = echarts.init(box.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  return { box, chart };
}
