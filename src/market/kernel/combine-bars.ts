import type { Bar } from './instruments.js';

/** Consecutive bars (oldest first) as one longer bar starting at `time`; undefined for none. */
export function combineBars(time: number, bars: Bar[]): Bar | undefined {
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (!first || !last) return undefined;
  let high = first.high;
  let low = first.low;
  let volume = 0;
  for (const bar of bars) {
    if (bar.high > high) high = bar.high;
    if (bar.low < low) low = bar.low;
    volume += bar.volume;
  }
  return { time, open: first.open, high, low, close: last.close, volume };
}
