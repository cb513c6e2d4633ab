import { mergePartialBar, type PartialBar, periodStart, type StoredResolution } from './bars.js';

/**
 * Rolls ticks into 1-minute and daily bars in memory until the next flush takes them. It holds only
 * what arrived since the last flush; the database merges that into the stored bar, so a tick that
 * arrives late (out of order) or after a restart still lands in the right bar.
 */
export class BarAggregator {
  /** symbol -> "resolution:start" -> bar; usually one minute and one day per symbol. */
  private pending = new Map<string, Map<string, PartialBar>>();

  add(symbol: string, price: number, time: number, volume: number): void {
    for (const resolution of RESOLUTIONS) {
      this.mergeIn({
        symbol,
        resolution,
        start: periodStart(time, resolution),
        open: price,
        high: price,
        low: price,
        close: price,
        volume,
        firstAt: time,
        lastAt: time,
      });
    }
  }

  /** Everything gathered since the last call; the caller gives back what it could not write. */
  take(): PartialBar[] {
    const taken: PartialBar[] = [];
    for (const bars of this.pending.values()) taken.push(...bars.values());
    this.pending = new Map();
    return taken;
  }

  /** Puts back bars a failed write did not store, merged with whatever arrived meanwhile. */
  giveBack(bars: PartialBar[]): void {
    for (const bar of bars) this.mergeIn(bar);
  }

  private mergeIn(bar: PartialBar): void {
    let symbolBars = this.pending.get(bar.symbol);
    if (!symbolBars) {
      symbolBars = new Map();
      this.pending.set(bar.symbol, symbolBars);
    }
    const key = `${bar.resolution}:${bar.start}`;
    const held = symbolBars.get(key);
    if (held) mergePartialBar(held, bar);
    else symbolBars.set(key, bar);
  }
}

const RESOLUTIONS: readonly StoredResolution[] = ['1m', '1d'];
