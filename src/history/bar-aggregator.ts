import { DAY_MS, MINUTE_MS } from '../market/kernel/periods.js';
import type { MarketEvents } from '../prices/market-events.js';
import { foldTick, mergePartialBar, type PartialBar, periodStart, type StoredResolution } from './bars.js';

/** A symbol's bars since the last flush, by period start; usually one minute and one day. */
interface SymbolBars {
  '1m': Map<number, PartialBar>;
  '1d': Map<number, PartialBar>;
  /** The bar of each resolution the last tick went into: the next tick usually belongs there too. */
  lastMinute: PartialBar | undefined;
  lastDay: PartialBar | undefined;
}

/**
 * Rolls ticks into 1-minute and daily bars in memory until the next flush takes them. It holds only
 * what arrived since the last flush; the database merges that into the stored bar, so a tick that
 * arrives late (out of order) or after a restart still lands in the right bar. A tick into a bar it
 * already holds allocates nothing (this runs for every trade).
 */
export class BarAggregator {
  private pending = new Map<string, SymbolBars>();

  /** Folds in every `tick` the hub publishes; returns the unsubscribe. */
  follow(events: MarketEvents): () => void {
    return events.on('tick', ({ symbol, price, time, volume }) => this.add(symbol, price, time, volume));
  }

  add(symbol: string, price: number, time: number, volume: number): void {
    const bars = this.barsOf(symbol);
    const { lastMinute, lastDay } = bars;
    // Ticks come in time order almost always: the last bar's period is checked before any lookup.
    if (lastMinute !== undefined && time >= lastMinute.start && time < lastMinute.start + MINUTE_MS) {
      foldTick(lastMinute, price, time, volume);
    } else {
      bars.lastMinute = this.addTo(bars, '1m', symbol, price, time, volume);
    }
    if (lastDay !== undefined && time >= lastDay.start && time < lastDay.start + DAY_MS) {
      foldTick(lastDay, price, time, volume);
    } else {
      bars.lastDay = this.addTo(bars, '1d', symbol, price, time, volume);
    }
  }

  /** Folds a tick into the held bar of its period, or starts that bar; returns the bar. */
  private addTo(
    bars: SymbolBars,
    resolution: StoredResolution,
    symbol: string,
    price: number,
    time: number,
    volume: number,
  ): PartialBar {
    const start = periodStart(time, resolution);
    const held = bars[resolution].get(start);
    if (held) {
      foldTick(held, price, time, volume);
      return held;
    }
    const bar: PartialBar = {
      symbol,
      resolution,
      start,
      open: price,
      high: price,
      low: price,
      close: price,
      volume,
      firstAt: time,
      lastAt: time,
    };
    bars[resolution].set(start, bar);
    return bar;
  }

  /** Everything gathered since the last call; the caller gives back what it could not write. */
  take(): PartialBar[] {
    const taken: PartialBar[] = [];
    for (const bars of this.pending.values()) taken.push(...bars['1m'].values(), ...bars['1d'].values());
    this.pending = new Map();
    return taken;
  }

  /** Puts back bars a failed write did not store, merged with whatever arrived meanwhile. */
  giveBack(bars: PartialBar[]): void {
    for (const bar of bars) {
      const held = this.barsOf(bar.symbol)[bar.resolution];
      const newer = held.get(bar.start);
      if (newer) mergePartialBar(newer, bar);
      else held.set(bar.start, bar);
    }
  }

  private barsOf(symbol: string): SymbolBars {
    let bars = this.pending.get(symbol);
    if (!bars) {
      bars = { '1m': new Map(), '1d': new Map(), lastMinute: undefined, lastDay: undefined };
      this.pending.set(symbol, bars);
    }
    return bars;
  }
}
