import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import { BinanceFeed } from '../../src/market/providers/binance/binance-feed.js';
import type { FeedStatus, Trade } from '../../src/market/providers/provider.js';
import { binanceFixture, FakeBinance } from '../support/fake-binance.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY_MS = 86_400_000;

describe('Binance WebSocket feed', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function feedAgainst(
    fake: FakeBinance,
    options: { idleMs?: number; maxSymbols?: number; controlGapMs?: number } = {},
  ) {
    if (!fake.url) await fake.start();
    const logs: string[] = [];
    const feed = new BinanceFeed({
      wsUrl: fake.wsUrl,
      clock: systemClock,
      logger: createLogger('info', { write: (line: string) => void logs.push(line) }),
      idleMs: options.idleMs ?? 60_000,
      maxSymbols: options.maxSymbols,
      controlGapMs: options.controlGapMs ?? 50,
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      random: () => 1,
    });
    const statuses: FeedStatus[] = [];
    const trades: Trade[] = [];
    const quotes: Quote[] = [];
    feed.connect({
      quote: (q) => quotes.push(q),
      trade: (t) => trades.push(t),
      status: (s) => statuses.push(s),
      current: () => undefined,
      relayed: (q) => quotes.push(q),
    });
    stops.push(async () => {
      await feed.close();
      await fake.stop();
    });
    await expect.poll(() => fake.openStreams()).toBe(1);
    return { feed, statuses, trades, quotes, logs };
  }

  it('streams trades and day candles of the BINANCE: symbols only, in one request, marked as Binance', async () => {
    const fake = new FakeBinance();
    const { feed, trades, quotes } = await feedAgainst(fake);
    feed.setWatched(new Set(['BINANCE:BTCUSDT', 'AAPL', 'BINANCE:BNBBTC']));
    await expect
      .poll(() => fake.streamSubscriptions())
      .toEqual(['bnbbtc@kline_1d', 'bnbbtc@trade', 'btcusdt@kline_1d', 'btcusdt@trade']);
    expect(fake.streamRequests).toEqual([
      {
        at: expect.any(Number),
        method: 'SUBSCRIBE',
        params: ['btcusdt@trade', 'btcusdt@kline_1d', 'bnbbtc@trade', 'bnbbtc@kline_1d'],
        id: 1,
      },
    ]);
    await expect.poll(() => feed.covers('BINANCE:BTCUSDT')).toBe(true);
    expect(feed.covers('AAPL')).toBe(false);
    expect(feed.coverage()).toEqual({ live: 2, polled: 0, leftOut: 0 });

    // Prices and quantities are strings; the time is the trade's (T), not the event's (E).
    fake.trade('BTCUSDT', '67000.50000000', { T: 1_700_000_000_123, E: 1_700_000_000_130, q: '0.01200000' });
    // The trade event exactly as documented in 2018, where E and T differ.
    fake.publish('bnbbtc@trade', JSON.stringify(binanceFixture('ws-trade-2018.json')));
    await expect.poll(() => trades.length).toBe(2);
    expect(trades).toEqual([
      {
        symbol: 'BINANCE:BTCUSDT',
        price: 67000.5,
        time: 1_700_000_000_123,
        volume: 0.012,
        source: 'binance',
      },
      { symbol: 'BINANCE:BNBBTC', price: 0.001, time: 123456785, volume: 100, source: 'binance' },
    ]);

    const stamped = Date.UTC(2024, 2, 5, 14, 30);
    fake.dayCandle(
      'BTCUSDT',
      {
        o: '66000.00000000',
        h: '67500.00000000',
        l: '65800.10000000',
        c: '67000.50000000',
        v: '1234.50000000',
      },
      { E: stamped },
    );
    await expect.poll(() => quotes.length).toBe(1);
    expect(quotes[0]).toEqual({
      symbol: 'BINANCE:BTCUSDT',
      price: 67000.5,
      change: 1000.5,
      changePercent: 1.515909,
      open: 66000,
      high: 67500,
      low: 65800.1,
      previousClose: 66000,
      volume: 1234.5,
      time: stamped,
      source: 'binance',
      delayMinutes: 0,
    });
  });

  it('ignores frames it cannot use: no NaN, no price of 0, nothing for symbols not watched', async () => {
    const fake = new FakeBinance();
    const { feed, trades, quotes } = await feedAgainst(fake);
    feed.setWatched(new Set(['BINANCE:BTCUSDT']));
    await expect.poll(() => feed.covers('BINANCE:BTCUSDT')).toBe(true);
    const trade = { ...binanceFixture<Record<string, unknown>>('ws-trade.json'), s: 'BTCUSDT' };
    for (const bad of [
      'not json',
      JSON.stringify({ ...trade, p: 'abc' }),
      JSON.stringify({ ...trade, p: '0.00000000' }),
      JSON.stringify({ ...trade, p: 67000.5 }),
      JSON.stringify({ ...trade, p: '' }),
      JSON.stringify({ ...trade, p: '-1' }),
      JSON.stringify({ ...trade, T: undefined }),
      JSON.stringify({ ...trade, T: '1672515782136' }),
      JSON.stringify({ ...trade, s: 'ETHUSDT' }),
      JSON.stringify([trade]),
    ]) {
      fake.publish('btcusdt@trade', bad);
    }
    fake.dayCandle('BTCUSDT', { o: '0.00000000', h: '1', l: '1', c: '1.5', v: '1' });
    fake.dayCandle('BTCUSDT', { o: '1.0', h: '1', l: '1', c: 'NaN', v: '1' });
    // The last update of yesterday's candle, arriving just after midnight, is no quote of today.
    const midnight = Date.UTC(2024, 2, 6);
    fake.dayCandle(
      'BTCUSDT',
      { o: '1.0', h: '2.0', l: '1.0', c: '1.5', v: '9' },
      { E: midnight + 150, dayStart: midnight - DAY_MS },
    );
    fake.trade('BTCUSDT', '67001.00', { T: 1_700_000_000_500 });
    await expect.poll(() => trades.length).toBe(1);
    await sleep(100);
    expect(trades).toEqual([
      { symbol: 'BINANCE:BTCUSDT', price: 67001, time: 1_700_000_000_500, volume: 0.01, source: 'binance' },
    ]);
    expect(quotes).toEqual([]);
    expect(fake.connectionsAccepted).toBe(1);
  });

  it('follows the wanted symbols in batched requests, paced under Binance’s 5 messages a second', async () => {
    const fake = new FakeBinance();
    const { feed } = await feedAgainst(fake, { controlGapMs: 350 });
    const many = Array.from({ length: 150 }, (_, i) => `BINANCE:C${i}USDT`);
    feed.setWatched(new Set(many));
    // Quick changes in a row are one subscription, not one each.
    for (let i = 0; i < 10; i++) feed.setWatched(new Set([...many, `BINANCE:X${i}USDT`]));
    await expect.poll(() => fake.streamSubscriptions().length, { timeout: 5000 }).toBe(302);
    const subscribes = fake.streamRequests.filter((r) => r.method === 'SUBSCRIBE');
    expect(subscribes.map((r) => (r.params as string[]).length)).toEqual([200, 102]);
    expect(subscribes[0]?.params).toEqual(expect.arrayContaining(['c0usdt@trade', 'c0usdt@kline_1d']));

    feed.setWatched(new Set(many.slice(0, 3)));
    await expect.poll(() => fake.streamSubscriptions().length, { timeout: 5000 }).toBe(6);
    const unsubscribes = fake.streamRequests.filter((r) => r.method === 'UNSUBSCRIBE');
    expect(unsubscribes.map((r) => (r.params as string[]).length)).toEqual([200, 96]);
    const gaps = fake.streamRequests.slice(1).map((r, i) => r.at - (fake.streamRequests[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(330);
    expect(fake.rateLimitDrops).toBe(0);
    expect(fake.connectionsAccepted).toBe(1);
  });

  it('streams the most wanted symbols up to its cap and leaves the rest out', async () => {
    const fake = new FakeBinance();
    const { feed } = await feedAgainst(fake, { maxSymbols: 2 });
    feed.setWatched(new Set(['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT', 'BINANCE:SOLUSDT', 'BINANCE:BTC-USDT']));
    await expect
      .poll(() => fake.streamSubscriptions())
      .toEqual(['btcusdt@kline_1d', 'btcusdt@trade', 'ethusdt@kline_1d', 'ethusdt@trade']);
    expect(feed.coverage()).toEqual({ live: 2, polled: 0, leftOut: 2 });
    // A more wanted symbol takes the place of the least wanted one.
    feed.setWatched(new Set(['BINANCE:SOLUSDT', 'BINANCE:BTCUSDT', 'BINANCE:ETHUSDT']));
    await expect
      .poll(() => fake.streamSubscriptions())
      .toEqual(['btcusdt@kline_1d', 'btcusdt@trade', 'solusdt@kline_1d', 'solusdt@trade']);
    expect(feed.covers('BINANCE:ETHUSDT')).toBe(false);
  });

  it('asks for the symbols of a refused request one by one and leaves out only the one Binance refuses', async () => {
    const fake = new FakeBinance();
    fake.invalidStreams.add('badusdt@trade');
    const { feed, statuses } = await feedAgainst(fake);
    feed.setWatched(new Set(['BINANCE:BTCUSDT', 'BINANCE:BADUSDT', 'BINANCE:ETHUSDT']));
    await expect
      .poll(() => fake.streamSubscriptions())
      .toEqual(['btcusdt@kline_1d', 'btcusdt@trade', 'ethusdt@kline_1d', 'ethusdt@trade']);
    await expect.poll(() => feed.coverage()).toEqual({ live: 2, polled: 0, leftOut: 1 });
    expect(feed.covers('BINANCE:BADUSDT')).toBe(false);
    await sleep(200);
    // Not asked again, and no reason to reconnect.
    expect(fake.streamRequests.filter((r) => (r.params as string[]).includes('badusdt@trade'))).toHaveLength(
      2,
    );
    expect(fake.connectionsAccepted).toBe(1);
    expect(statuses).toEqual(['reconnecting', 'live']);
  });

  it('reconnects after a dropped connection and subscribes everything again', async () => {
    const fake = new FakeBinance();
    const { feed, statuses, trades } = await feedAgainst(fake);
    feed.setWatched(new Set(['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT']));
    await expect.poll(() => fake.streamSubscriptions()).toHaveLength(4);
    fake.dropStreams();
    await expect.poll(() => statuses.at(-1)).toBe('reconnecting');
    expect(feed.covers('BINANCE:BTCUSDT')).toBe(false);
    await expect
      .poll(() => fake.streamSubscriptions())
      .toEqual(['btcusdt@kline_1d', 'btcusdt@trade', 'ethusdt@kline_1d', 'ethusdt@trade']);
    expect(statuses).toEqual(['reconnecting', 'live', 'reconnecting', 'live']);
    expect(fake.connectionsAccepted).toBe(2);
    await expect.poll(() => feed.covers('BINANCE:ETHUSDT')).toBe(true);
    fake.trade('ETHUSDT', '3500.25');
    await expect.poll(() => trades.map((t) => t.price)).toEqual([3500.25]);
  });

  it('reconnects at once when Binance announces a shutdown', async () => {
    const fake = new FakeBinance();
    const { feed } = await feedAgainst(fake);
    feed.setWatched(new Set(['BINANCE:BTCUSDT']));
    await expect.poll(() => fake.streamSubscriptions()).toHaveLength(2);
    fake.broadcast(JSON.stringify(binanceFixture('ws-server-shutdown.json')));
    await expect.poll(() => fake.connectionsAccepted).toBe(2);
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['btcusdt@kline_1d', 'btcusdt@trade']);
  });

  it('treats a stalled socket as dead and reconnects', async () => {
    const fake = new FakeBinance();
    const { feed, logs } = await feedAgainst(fake, { idleMs: 400 });
    feed.setWatched(new Set(['BINANCE:BTCUSDT']));
    await expect.poll(() => fake.streamSubscriptions()).toHaveLength(2);
    fake.stalled = true;
    await expect.poll(() => fake.connectionsAccepted, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    fake.stalled = false;
    await expect
      .poll(() => fake.streamSubscriptions(), { timeout: 5000 })
      .toEqual(['btcusdt@kline_1d', 'btcusdt@trade']);
    expect(logs.join('\n')).toContain('Binance stream silent; reconnecting');
  });

  it('does not reconnect because a symbol is silent: it asks Binance, and the answer proves the socket alive', async () => {
    const fake = new FakeBinance();
    const { feed } = await feedAgainst(fake, { idleMs: 600, controlGapMs: 350 });
    // A well-formed pair Binance does not list: accepted, then never a frame.
    feed.setWatched(new Set(['BINANCE:NOPEUSDT']));
    await sleep(1500);
    expect(fake.connectionsAccepted).toBe(1);
    expect(fake.count('LIST_SUBSCRIPTIONS')).toBeGreaterThanOrEqual(2);
    expect(fake.rateLimitDrops).toBe(0);
  });

  it('takes Binance’s pings as signs of life and asks nothing while they come', async () => {
    const fake = new FakeBinance();
    await feedAgainst(fake, { idleMs: 400 });
    const pinger = setInterval(() => fake.ping(), 40);
    try {
      await sleep(1200);
    } finally {
      clearInterval(pinger);
    }
    expect(fake.count('LIST_SUBSCRIPTIONS')).toBe(0);
    expect(fake.connectionsAccepted).toBe(1);
  });
});
