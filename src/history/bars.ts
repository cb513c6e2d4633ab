import { combineBars } from '../market/kernel/combine-bars.js';
import type { Bar } from '../market/kernel/instruments.js';
import { bucketStart, DAY_MS, MINUTE_MS } from '../market/kernel/periods.js';

/** The resolutions stored in `price_bars`. */
export type StoredResolution = '1m' | '1d';

/**
 * Ticks folded into one bar, with the times of its first and last tick so two partial bars of the
 * same period merge the same way in memory and in SQL: the earlier first tick gives the open, the
 * later last tick the close, volumes add up.
 */
export interface PartialBar {
  symbol: string;
  resolution: StoredResolution;
  /** Start of the period, epoch ms (UTC). */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  firstAt: number;
  lastAt: number;
}

/** One day's 1-minute bars (oldest first) as that day's partial daily bar; undefined for none. */
export function minuteBarsAsDay(symbol: string, dayStart: number, bars: Bar[]): PartialBar | undefined {
  const day = combineBars(dayStart, bars);
  const last = bars[bars.length - 1];
  if (!day || !last) return undefined;
  const { time, ...prices } = day;
  return {
    symbol,
    resolution: '1d',
    start: time,
    ...prices,
    firstAt: bars[0]?.time ?? time,
    lastAt: last.time + MINUTE_MS - 1,
  };
}

export function periodStart(time: number, resolution: StoredResolution): number {
  return bucketStart(time, resolution === '1m' ? MINUTE_MS : DAY_MS);
}

/** Folds one tick into `into`: the hot path, without allocating. */
export function foldTick(into: PartialBar, price: number, time: number, volume: number): void {
  if (time < into.firstAt) {
    into.open = price;
    into.firstAt = time;
  }
  if (time >= into.lastAt) {
    into.close = price;
    into.lastAt = time;
  }
  if (price > into.high) into.high = price;
  if (price < into.low) into.low = price;
  into.volume += volume;
}

/** Folds `other` (same symbol, resolution and start) into `into`: its open and close as ticks, and its range. */
export function mergePartialBar(into: PartialBar, other: PartialBar): void {
  foldTick(into, other.open, other.firstAt, 0);
  foldTick(into, other.close, other.lastAt, other.volume);
  if (other.high > into.high) into.high = other.high;
  if (other.low < into.low) into.low = other.low;
}
