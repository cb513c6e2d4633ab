import { describe, expect, it } from 'vitest';
import type { MarketEventMap } from '../../src/prices/market-events.js';
import { scriptedHub } from '../support/scripted-hub.js';

describe('market events from the price hub', () => {
  it('publishes a tick after the quote is stored: a listener reading the hub sees the new price', () => {
    const { clock, feed, hub } = scriptedHub();
    feed.push('AAPL', 100, 99, clock.now() - 1000);
    const seen: Array<{ tick: number; stored: number | undefined }> = [];
    hub.events.on('tick', ({ symbol, price }) =>
      seen.push({ tick: price, stored: hub.peek(symbol)?.quote.price }),
    );

    feed.trade({ symbol: 'AAPL', price: 101.25, time: clock.now(), volume: 10 });
    feed.push('AAPL', 102.5, 99, clock.now() + 1000);

    expect(seen).toEqual([
      { tick: 101.25, stored: 101.25 },
      { tick: 102.5, stored: 102.5 },
    ]);
  });

  it('publishes quote.updated with the stored quote, the one before it, and why it changed', () => {
    const { clock, feed, hub } = scriptedHub();
    const updates: Array<MarketEventMap['quote.updated']> = [];
    hub.events.on('quote.updated', (event) => {
      expect(hub.peek(event.symbol)?.quote).toBe(event.quote);
      updates.push(event);
    });

    feed.push('MSFT', 400, 390, clock.now() - 1000);
    feed.trade({ symbol: 'MSFT', price: 401, time: clock.now(), volume: 3 });
    // An older snapshot keeps the newer trade's price but is still a change (range, open, close).
    feed.push('MSFT', 399, 390, clock.now() - 5000);

    expect(
      updates.map(({ cause, quote, previous }) => [cause, quote.price, previous?.price ?? null]),
    ).toEqual([
      ['snapshot', 400, null],
      ['trade', 401, 400],
      ['snapshot', 401, 401],
    ]);
  });

  it('drops a repeated trade without publishing it again', () => {
    const { clock, feed, hub } = scriptedHub();
    feed.push('TSLA', 200, 190, clock.now() - 1000);
    let ticks = 0;
    hub.events.on('tick', () => ticks++);
    const trade = { symbol: 'TSLA', price: 201, time: clock.now(), volume: 4 };
    feed.trade(trade);
    feed.trade({ ...trade });
    expect(ticks).toBe(1);
  });

  it('drops a repeated trade that arrives after newer ones, and applies a trade that differs in one field', () => {
    const { clock, feed, hub } = scriptedHub();
    feed.push('TSLA', 200, 190, clock.now() - 1000);
    const ticks: number[] = [];
    hub.events.on('tick', ({ price }) => ticks.push(price));
    const trade = { symbol: 'TSLA', price: 201, time: clock.now(), volume: 4 };
    feed.trade(trade);
    feed.trade({ ...trade, price: 202, time: trade.time + 1 });
    feed.trade({ ...trade });
    feed.trade({ ...trade, volume: 5 });
    expect(ticks).toEqual([201, 202, 201]);
  });

  it("stores a cluster leader's relayed quote as it is, without a tick, keeping a same-day previous close it lacks", () => {
    const { clock, feed, hub } = scriptedHub();
    const at = clock.now();
    feed.pushQuote({
      symbol: 'NVDA',
      price: 100,
      change: 1,
      changePercent: 1,
      open: 99.5,
      high: 100,
      low: 99,
      previousClose: 99,
      volume: 400,
      time: at - 1000,
    });
    const ticks: number[] = [];
    hub.events.on('tick', ({ price }) => ticks.push(price));
    const relayed = {
      symbol: 'NVDA',
      price: 101,
      change: 2,
      changePercent: 2.020202,
      open: 99.5,
      high: 101.5,
      low: 99,
      previousClose: 99,
      volume: 450,
      time: at,
    };

    // The leader's volume already counts every trade: stored, not added to.
    feed.relay(relayed);
    expect(hub.peek('NVDA')?.quote).toEqual(relayed);
    // A leader that has no previous close yet does not take this hub's away.
    feed.relay({
      ...relayed,
      price: 102,
      change: null,
      changePercent: null,
      previousClose: null,
      open: null,
      time: at + 1,
    });
    expect(hub.peek('NVDA')?.quote).toMatchObject({ price: 102, previousClose: 99, open: 99.5, change: 3 });
    // An older one than stored keeps the newer price.
    feed.relay({ ...relayed, price: 98, time: at - 5000 });
    expect(hub.peek('NVDA')?.quote.price).toBe(102);
    // Bars and alerts are the leader's, from the trades themselves.
    expect(ticks).toEqual([]);
  });

  it('passes feed status changes on, and an unsubscribed listener hears nothing more', () => {
    const { feed, hub } = scriptedHub();
    const statuses: string[] = [];
    const off = hub.events.on('feed.status', ({ status }) => statuses.push(status));
    feed.setStatus('reconnecting');
    feed.setStatus('live');
    off();
    feed.setStatus('degraded');
    expect(statuses).toEqual(['reconnecting', 'live']);
  });
});
