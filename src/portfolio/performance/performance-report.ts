import { roundedString } from '../decimal.js';
import type { PerformanceRange, PerformanceView } from '../portfolio.schemas.js';
import { performanceWindow } from './performance-window.js';
import { moneyWeightedFlows, timeWeightedReturn, xirr } from './returns.js';
import { type ValueSeriesInput, valueSeries } from './value-series.js';

/** What a performance report is computed from: the series' inputs but its days, which the range decides. */
export type PerformanceInputs = Omit<ValueSeriesInput, 'from' | 'to'>;

/**
 * A range's performance as the API answers it (pure): the daily value series over the range's
 * days (amounts to the cent, as a chart shows them), the time-weighted return over them and the
 * money-weighted return (XIRR), both in percent; every figure rounded half to even to 2 decimals
 * from the exact ones (the returns are computed from the unrounded values).
 */
export function performanceReport(
  inputs: PerformanceInputs,
  range: PerformanceRange,
  today: string,
): PerformanceView {
  const firstDate = inputs.transactions[0]?.date ?? null;
  const { from, to } = performanceWindow(range, today, firstDate);
  const head = { range, baseCurrency: inputs.baseCurrency, from, to };
  if (firstDate === null) return { ...head, timeWeightedReturn: null, moneyWeightedReturn: null, series: [] };
  const series = valueSeries({ ...inputs, from, to });
  const percent = (fraction: ReturnType<typeof xirr>) =>
    fraction === null ? null : roundedString(fraction.times(100), 2);
  return {
    ...head,
    timeWeightedReturn: percent(timeWeightedReturn(series)),
    moneyWeightedReturn: percent(xirr(moneyWeightedFlows(series))),
    series: series.points.map((point) => ({
      date: point.date,
      value: roundedString(point.value, 2),
      netFlow: roundedString(point.netFlow, 2),
    })),
  };
}
