import { describe, expect, it } from 'vitest';
import { scriptedHub } from '../support/scripted-hub.js';

/** The source and delay of the hub's quote of `symbol`, as the API and the stream label the price. */
function labelOf(hub: ReturnType<typeof scriptedHub>['hub'], symbol: string) {
  const quote = hub.peek(symbol)?.quote;
  return { price: quote?.price, source: quote?.source, delayMinutes: quote?.delayMinutes };
}

describe('which source the price hub says a price came from', () => {
  it("labels a snapshot with its own source, and a newer trade's price with the trade's feed in real time", () => {
    const { clock, feed, hub } = scriptedHub();
    feed.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    feed.push('AAPL', 190, 188, clock.now() - 60_000);
    expect(labelOf(hub, 'AAPL')).toEqual({ price: 190, source: 'yahoo', delayMinutes: 15 });

    feed.trade({ symbol: 'AAPL', price: 190.5, time: clock.now(), volume: 10, source: 'finnhub' });
    expect(labelOf(hub, 'AAPL')).toEqual({ price: 190.5, source: 'finnhub', delayMinutes: 0 });

    // A newer full quote is taken whole, its label too.
    feed.push('AAPL', 191, 188, clock.now() + 1000);
    expect(labelOf(hub, 'AAPL')).toEqual({ price: 191, source: 'yahoo', delayMinutes: 15 });
  });

  it("keeps the trade's label when an older snapshot only brings the day's range", () => {
    const { clock, feed, hub } = scriptedHub();
    feed.trade({
      symbol: 'BINANCE:BTCUSDT',
      price: 97_000,
      time: clock.now(),
      volume: 0.5,
      source: 'binance',
    });
    expect(labelOf(hub, 'BINANCE:BTCUSDT')).toEqual({ price: 97_000, source: 'binance', delayMinutes: 0 });

    feed.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    feed.push('BINANCE:BTCUSDT', 96_500, 95_000, clock.now() - 15 * 60_000);
    expect(labelOf(hub, 'BINANCE:BTCUSDT')).toEqual({ price: 97_000, source: 'binance', delayMinutes: 0 });
    expect(hub.peek('BINANCE:BTCUSDT')?.quote.previousClose).toBe(95_000);
  });

  it("keeps the snapshot's label for a late trade (older than the price) and for a trade that names no feed", () => {
    const { clock, feed, hub } = scriptedHub();
    feed.quoteSource = { source: 'simulated', delayMinutes: 0 };
    feed.push('MSFT', 400, 390, clock.now());

    feed.trade({ symbol: 'MSFT', price: 410, time: clock.now() - 5000, volume: 3, source: 'finnhub' });
    expect(labelOf(hub, 'MSFT')).toEqual({ price: 400, source: 'simulated', delayMinutes: 0 });
    expect(hub.peek('MSFT')?.quote.high).toBe(410);

    feed.quoteSource = { source: 'yahoo', delayMinutes: 20 };
    feed.push('VOD.L', 72.5, 71, clock.now());
    feed.trade({ symbol: 'VOD.L', price: 72.6, time: clock.now() + 1000, volume: 100 });
    expect(labelOf(hub, 'VOD.L')).toEqual({ price: 72.6, source: 'yahoo', delayMinutes: 20 });
  });
});
