import {
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type SeriesMarker,
  type Time,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import type { PerformanceView } from '../api';
import { cssColor, themedChartOptions } from '../chart-theme';
import { formatMoney } from '../format';

/**
 * The portfolio's value day by day (lightweight-charts, loaded with this module only when the
 * portfolio page draws it), deposits marked ▲ below the line and withdrawals ▼ above it; the last
 * day follows the live value. Chart values are Numbers read from the server's decimal strings: a
 * drawing, not a figure.
 */
export function ValueChart({
  performance,
  liveValue,
}: {
  performance: PerformanceView;
  liveValue: number | null;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const line = useRef<ISeriesApi<'Line'> | null>(null);
  const currency = performance.baseCurrency;
  // The price scale's formatter reads the currency of the latest answer (the chart outlives it).
  const currencyRef = useRef(currency);
  currencyRef.current = currency;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const created = createChart(element, {
      ...themedChartOptions(),
      localization: { priceFormatter: (price: number) => formatMoney(price, currencyRef.current) },
    });
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
      line.current = null;
    };
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    const series = current.addSeries(LineSeries, { color: cssColor('--accent', '#0f766e'), lineWidth: 2 });
    series.setData(
      performance.series.map((point) => ({ time: point.date as Time, value: Number(point.value) })),
    );
    const up = cssColor('--up', '#137333');
    const down = cssColor('--down', '#c5221f');
    const markers: SeriesMarker<Time>[] = performance.series
      .filter((point) => Number(point.netFlow) !== 0)
      .map((point) => {
        const deposit = Number(point.netFlow) > 0;
        return {
          time: point.date as Time,
          position: deposit ? 'belowBar' : 'aboveBar',
          shape: deposit ? 'arrowUp' : 'arrowDown',
          color: deposit ? up : down,
          text: `${deposit ? 'Deposit' : 'Withdrawal'} ${formatMoney(Math.abs(Number(point.netFlow)), currency)}`,
        };
      });
    const markerLayer = createSeriesMarkers(series, markers);
    line.current = series;
    current.timeScale().fitContent();
    return () => {
      line.current = null;
      // When the page goes, the chart's own cleanup (declared first, so run first) has removed it
      // with its series.
      if (chart.current !== current) return;
      markerLayer.detach();
      current.removeSeries(series);
    };
  }, [performance, currency]);

  const lastDate = performance.series.at(-1)?.date;
  useEffect(() => {
    if (liveValue === null || !lastDate || lastDate !== performance.to) return;
    line.current?.update({ time: lastDate as Time, value: liveValue });
  }, [liveValue, lastDate, performance.to]);

  const flows = performance.series.filter((point) => Number(point.netFlow) !== 0);
  return (
    <figure className="chart value-chart">
      <div className="price-chart" ref={container} data-points={performance.series.length} />
      <figcaption className="small muted">
        {flows.length > 0
          ? `▲ deposits and ▼ withdrawals are marked (${flows.length} in this range).`
          : 'No deposits or withdrawals in this range.'}
      </figcaption>
      <p className="chart-credit">
        Chart by{' '}
        <a href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">
          TradingView Lightweight Charts
        </a>
        , © 2023 TradingView, Inc.
      </p>
    </figure>
  );
}
