import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  TickMarkType,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import type { HistoryBar, HistoryResolution } from './api';
import { cssColor, themedChartOptions } from './chart-theme';
import { formatPrice } from './format';

export type ChartStyle = 'candles' | 'line';

/** A live price that moves the chart's last bar, or opens a new one when its period has begun. */
export interface LivePrice {
  price: number;
  /** Epoch milliseconds. */
  time: number;
}

/** A horizontal line across the chart at a price: an alert's level, or the one being typed. */
export interface PriceLevel {
  price: number;
  /** Shown on the price scale beside the level. */
  title: string;
  /** The level being typed in the alert form (drawn fainter). */
  draft?: boolean;
}

const PERIOD_SECONDS: Record<HistoryResolution, number> = {
  '1m': 60,
  '5m': 300,
  '1d': 86_400,
  '1w': 604_800,
};
/** 1970-01-01 was a Thursday; weekly bars start on Mondays, four days later. */
const MONDAY_OFFSET = 4 * 86_400;

function periodOf(timeMs: number, resolution: HistoryResolution): number {
  const size = PERIOD_SECONDS[resolution];
  const seconds = Math.floor(timeMs / 1000);
  const offset = resolution === '1w' ? MONDAY_OFFSET : 0;
  return Math.floor((seconds - offset) / size) * size + offset;
}

/**
 * The price chart (TradingView's lightweight-charts): candles or a line over the given bars, in the
 * page's colours, with the last bar following the live price. The library is most of the app's code:
 * the stock page loads this module on demand (React.lazy), so the other pages never download it.
 */
export function PriceChart({
  bars,
  resolution,
  style,
  live,
  currency,
  levels = [],
}: {
  currency: string | null;
  levels?: PriceLevel[];
  bars: HistoryBar[];
  resolution: HistoryResolution;
  style: ChartStyle;
  live: LivePrice | null;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | ISeriesApi<'Line'> | null>(null);
  const volume = useRef<ISeriesApi<'Histogram'> | null>(null);
  const last = useRef<HistoryBar | null>(null);
  const [legend, setLegend] = useState<HistoryBar | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const theme = themedChartOptions();
    const created = createChart(element, {
      ...theme,
      timeScale: { ...theme.timeScale, timeVisible: true, secondsVisible: false },
    });
    // Volume as bars along the bottom fifth, on a scale of its own.
    volume.current = created.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    created.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
      series.current = null;
      volume.current = null;
    };
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    if (series.current) current.removeSeries(series.current);
    // Minutes in the viewer's own time zone; days and weeks are UTC days, so their dates stay UTC.
    const intraday = resolution === '1m' || resolution === '5m';
    current.applyOptions({
      localization: { timeFormatter: (time: Time) => formatBarTime(time as number, resolution) },
      timeScale: {
        tickMarkFormatter: (time: Time, type: TickMarkType) => {
          const date = new Date((time as number) * 1000);
          const timeZone = intraday ? undefined : 'UTC';
          if (type === TickMarkType.Time || type === TickMarkType.TimeWithSeconds)
            return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
          if (type === TickMarkType.DayOfMonth)
            return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone });
          if (type === TickMarkType.Month)
            return date.toLocaleDateString(undefined, { month: 'short', timeZone });
          return date.toLocaleDateString(undefined, { year: 'numeric', timeZone });
        },
      },
    });
    const up = cssColor('--up', '#137333');
    const down = cssColor('--down', '#c5221f');
    volume.current?.setData(
      bars.map((bar) => ({
        time: bar.t as UTCTimestamp,
        value: bar.v,
        // #rrggbb plus alpha: the volume stays in the background.
        color: `${bar.c >= bar.o ? up : down}55`,
      })),
    );
    if (style === 'candles') {
      const candles = current.addSeries(CandlestickSeries, {
        upColor: up,
        downColor: down,
        borderUpColor: up,
        borderDownColor: down,
        wickUpColor: up,
        wickDownColor: down,
      });
      candles.setData(
        bars.map((bar) => ({
          time: bar.t as UTCTimestamp,
          open: bar.o,
          high: bar.h,
          low: bar.l,
          close: bar.c,
        })),
      );
      series.current = candles;
    } else {
      const line = current.addSeries(LineSeries, { color: cssColor('--accent', '#0f766e'), lineWidth: 2 });
      line.setData(bars.map((bar) => ({ time: bar.t as UTCTimestamp, value: bar.c })));
      series.current = line;
    }
    last.current = bars.at(-1) ?? null;
    setLegend(last.current);
    current.timeScale().fitContent();
  }, [bars, style, resolution]);

  // Drawn on the price series, so they follow it when it is replaced (another range or style).
  useEffect(() => {
    const target = series.current;
    if (!target || levels.length === 0) return;
    const accent = cssColor('--accent', '#0f766e');
    const muted = cssColor('--muted', '#5b6b79');
    const lines: IPriceLine[] = levels.map((level) =>
      target.createPriceLine({
        price: level.price,
        title: level.title,
        color: level.draft ? muted : accent,
        lineWidth: 1,
        lineStyle: level.draft ? LineStyle.Dotted : LineStyle.Dashed,
        axisLabelVisible: true,
      }),
    );
    return () => {
      for (const line of lines) target.removePriceLine(line);
    };
  }, [levels, bars, style, resolution]);

  useEffect(() => {
    const target = series.current;
    if (!live || !target) return;
    const start = periodOf(live.time, resolution);
    const previous = last.current;
    if (previous && start < previous.t) return;
    const bar: HistoryBar =
      previous && previous.t === start
        ? {
            ...previous,
            h: Math.max(previous.h, live.price),
            l: Math.min(previous.l, live.price),
            c: live.price,
          }
        : { t: start, o: live.price, h: live.price, l: live.price, c: live.price, v: 0 };
    last.current = bar;
    setLegend(bar);
    const time = bar.t as UTCTimestamp;
    if (style === 'candles') {
      (target as ISeriesApi<'Candlestick'>).update({
        time,
        open: bar.o,
        high: bar.h,
        low: bar.l,
        close: bar.c,
      });
    } else {
      (target as ISeriesApi<'Line'>).update({ time, value: bar.c });
    }
  }, [live, resolution, style]);

  return (
    <figure className="chart">
      <figcaption className="chart-legend" data-testid="chart-legend">
        {legend ? (
          <>
            <span>{formatBarTime(legend.t, resolution)}</span>
            <span>O {formatPrice(legend.o, currency)}</span>
            <span>H {formatPrice(legend.h, currency)}</span>
            <span>L {formatPrice(legend.l, currency)}</span>
            <span>
              C <span data-testid="chart-last-close">{formatPrice(legend.c, currency)}</span>
            </span>
          </>
        ) : (
          <span>No prices recorded for this period yet.</span>
        )}
      </figcaption>
      <div
        className="price-chart"
        ref={container}
        data-levels={levels.map((level) => level.price).join(' ')}
      />
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

function formatBarTime(seconds: number, resolution: HistoryResolution): string {
  const date = new Date(seconds * 1000);
  return resolution === '1m' || resolution === '5m'
    ? date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        timeZone: 'UTC',
      });
}
