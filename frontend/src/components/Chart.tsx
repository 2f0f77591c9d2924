import { useEffect, useRef } from 'react';
import { BarChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only the pieces the app draws, so the bundle stays small.
echarts.use([BarChart, PieChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/**
 * A thin wrapper around ECharts: draws `option` on a canvas, redraws when it changes, follows
 * the element's size, and is labelled for screen readers (the data is also in a table nearby).
 */
export function Chart({ option, label, height = 280, testId }: { option: object; label: string; height?: number; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const instance = echarts.init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option as echarts.EChartsCoreOption, true);
  }, [option]);

  // The label sits on a wrapper: ECharts writes its own (English-only) aria-label on its element.
  return (
    <div role="img" aria-label={label} data-testid={testId ?? 'chart'}>
      <div ref={ref} className="chart" style={{ height }} />
    </div>
  );
}
