import { describe, expect, it } from 'vitest';
import { BarAggregator } from '../../src/history/bar-aggregator.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { scriptedHub } from '../support/scripted-hub.js';
import { ManualClock } from '../support/test-app.js';

const minute = (iso: string) => Date.parse(iso);

describe('bar aggregation', () => {
  it('rolls ticks into 1-minute bars and the daily bar: open first, close last, range and volume', () => {
    const bars = new BarAggregator();
    bars.add('AAPL', 100, minute('2026-01-05T15:00:05Z'), 10);
    bars.add('AAPL', 102, minute('2026-01-05T15:00:20Z'), 5);
    bars.add('AAPL', 99, minute('2026-01-05T15:00:40Z'), 1);
    bars.add('AAPL', 101, minute('2026-01-05T15:00:59.999Z'), 2);
    bars.add('AAPL', 103, minute('2026-01-05T15:01:00Z'), 7);
    const taken = bars.take();
    const m1 = taken.filter((b) => b.resolution === '1m');
    expect(
      m1.map(({ start, open, high, low, close, volume }) => ({ start, open, high, low, close, volume })),
    ).toEqual([
      { start: minute('2026-01-05T15:00:00Z'), open: 100, high: 102, low: 99, close: 101, volume: 18 },
      { start: minute('2026-01-05T15:01:00Z'), open: 103, high: 103, low: 103, close: 103, volume: 7 },
    ]);
    const days = taken.filter((b) => b.resolution === '1d');
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({
      start: minute('2026-01-05T00:00:00Z'),
      open: 100,
      high: 103,
      low: 99,
      close: 103,
      volume: 25,
    });
    expect(bars.take()).toEqual([]);
  });

  it('puts an out-of-order tick in the minute it belongs to, without moving the close', () => {
    const bars = new BarAggregator();
    bars.add('MSFT', 50, minute('2026-01-05T15:00:30Z'), 1);
    bars.add('MSFT', 52, minute('2026-01-05T15:01:10Z'), 1);
    // Arrives last, happened first: becomes the open of the first minute and of the day.
    bars.add('MSFT', 49, minute('2026-01-05T15:00:01Z'), 3);
    const taken = bars.take();
    const first = taken.find((b) => b.resolution === '1m' && b.start === minute('2026-01-05T15:00:00Z'));
    expect(first).toMatchObject({ open: 49, close: 50, low: 49, high: 50, volume: 4 });
    const day = taken.find((b) => b.resolution === '1d');
    expect(day).toMatchObject({ open: 49, close: 52, volume: 5 });
  });

  it('merges bars a failed write gave back with ticks that arrived since', () => {
    const bars = new BarAggregator();
    bars.add('TSLA', 10, minute('2026-01-05T15:00:10Z'), 1);
    const failed = bars.take();
    bars.add('TSLA', 11, minute('2026-01-05T15:00:20Z'), 1);
    bars.giveBack(failed);
    const m1 = bars.take().filter((b) => b.resolution === '1m');
    expect(m1).toHaveLength(1);
    expect(m1[0]).toMatchObject({ open: 10, close: 11, high: 11, low: 10, volume: 2 });
  });

  it('counts a trade the feed delivered twice once (the hub drops the repeat)', () => {
    const { clock, feed, hub } = scriptedHub({ freshMs: 1000 });
    const bars = new BarAggregator();
    bars.follow(hub.events);
    const time = clock.now();
    feed.push('AAPL', 100, 99, time - 1000);
    const trade = { symbol: 'AAPL', price: 100.5, time, volume: 30 };
    feed.trade(trade);
    feed.trade({ ...trade });
    feed.trade({ ...trade, time: time + 1, volume: 5 });
    const m1 = bars.take().filter((b) => b.resolution === '1m');
    expect(m1.reduce((sum, b) => sum + b.volume, 0)).toBe(35);
  });

  it('adds the volume traded between two full quotes, not their running day totals', () => {
    const clock = new ManualClock();
    const market = new SimulatedMarket(4, clock);
    const bars = new BarAggregator();
    const { feed, hub } = scriptedHub({ clock, provider: market, freshMs: 1000 });
    bars.follow(hub.events);
    const quotes = Array.from({ length: 5 }, () => {
      clock.advance(1000);
      return market.step(['AAPL'])[0];
    });
    for (const quote of quotes) if (quote) feed.pushQuote(quote);
    const traded = bars
      .take()
      .filter((b) => b.resolution === '1d')
      .reduce((sum, b) => sum + b.volume, 0);
    const first = quotes[0]?.volume ?? 0;
    const last = quotes.at(-1)?.volume ?? 0;
    expect(traded).toBe(last - first);
  });
});
