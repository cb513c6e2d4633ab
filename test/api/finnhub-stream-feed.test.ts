import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import type { Quote } from '../../src/market/kernel/instruments.js';
import { FinnhubProvider } from '../../src/market/providers/finnhub/finnhub-provider.js';
import { FinnhubStreamFeed } from '../../src/market/providers/finnhub/finnhub-stream-feed.js';
import type { FeedStatus, Trade } from '../../src/market/providers/provider.js';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { RestPoller } from '../../src/market/providers/rest-poller.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Finnhub WebSocket feed', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function feedAgainst(
    fake: FakeFinnhub,
    options: {
      apiKey?: string;
      reconnectMinMs?: number;
      reconnectMaxMs?: number;
      maxSymbols?: number;
      capRetryMs?: number;
    } = {},
  ) {
    if (!fake.url) await fake.start();
    const logs: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
    const budget = new RestBudget(systemClock, 55);
    const apiKey = options.apiKey ?? fake.apiKey;
    const provider = new FinnhubProvider({
      apiUrl: fake.url,
      apiKey,
      timeoutMs: 1000,
      budget,
      clock: systemClock,
      logger,
    });
    const feed = new FinnhubStreamFeed({
      wsUrl: fake.wsUrl,
      apiKey,
      provider,
      budget,
      clock: systemClock,
      logger,
      idleMs: 60_000,
      maxSymbols: options.maxSymbols ?? 50,
      capRetryMs: options.capRetryMs,
      reconnectMinMs: options.reconnectMinMs ?? 50,
      reconnectMaxMs: options.reconnectMaxMs ?? 400,
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
      relayed: () => undefined,
    });
    stops.push(async () => {
      await feed.close();
      await fake.stop();
    });
    return { feed, statuses, trades, quotes, logs };
  }

  it('subscribes when the first watcher appears and unsubscribes when the last goes', async () => {
    const fake = new FakeFinnhub();
    const { feed, trades } = await feedAgainst(fake);
    await expect.poll(() => fake.openStreams()).toBe(1);
    feed.setWatched(new Set(['AAPL', 'BINANCE:BTCUSDT']));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL', 'BINANCE:BTCUSDT']);
    fake.trades([
      { s: 'AAPL', p: 261.8, t: 1700000000123, v: 5 },
      { s: 'BINANCE:BTCUSDT', p: 67000.5, t: 1700000000124, v: 0.01 },
    ]);
    await expect.poll(() => trades.length).toBe(2);
    expect(trades[0]).toEqual({
      symbol: 'AAPL',
      price: 261.8,
      time: 1700000000123,
      volume: 5,
      source: 'finnhub',
    });
    feed.setWatched(new Set(['BINANCE:BTCUSDT']));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['BINANCE:BTCUSDT']);
    expect(fake.openStreams()).toBe(1);
  });

  it('backs off exponentially (with jitter, capped) while Finnhub refuses the key, and says why once per try', async () => {
    const fake = new FakeFinnhub();
    const { statuses, logs } = await feedAgainst(fake, {
      apiKey: 'wrong-key',
      reconnectMinMs: 40,
      reconnectMaxMs: 320,
    });
    await sleep(1500);
    const attempts = fake.upgradeAttempts;
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.length).toBeLessThanOrEqual(9);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? t));
    // With random() = 1 the delays are 40, 80, 160, 320, 320 ... ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    expect(Math.max(...gaps)).toBeLessThan(320 + 150);
    // Said once, not flapping with every retry; a refused key is no network outage (issue 8).
    expect(statuses).toEqual(['reconnecting', 'unauthorized']);
    expect(logs.join('\n')).toContain('API key was refused (401)');
    expect(logs.join('\n')).not.toContain('wrong-key');
    expect(fake.connectionsAccepted).toBe(0);
  });

  it('tries the configured symbol cap again later after a "too many symbols" error frame', async () => {
    const fake = new FakeFinnhub();
    fake.symbolCap = 2;
    const { feed, statuses } = await feedAgainst(fake, { maxSymbols: 5, capRetryMs: 300 });
    await expect.poll(() => fake.openStreams()).toBe(1);
    feed.setWatched(new Set(['S1', 'S2', 'S3', 'S4']));
    await expect.poll(() => statuses.at(-1)).toBe('degraded');
    expect(fake.streamSubscriptions()).toEqual(['S1', 'S2']);
    // The plan's limit was a passing one (or the plan changed): the next try carries every symbol.
    fake.symbolCap = 5;
    await expect.poll(() => fake.streamSubscriptions(), { timeout: 3000 }).toEqual(['S1', 'S2', 'S3', 'S4']);
    await expect.poll(() => statuses.at(-1)).toBe('live');
    expect(feed.upstream()).toEqual({ connected: true, subscriptions: 4 });
  });

  it('keeps one connection however often the watched set changes', async () => {
    const fake = new FakeFinnhub();
    const { feed } = await feedAgainst(fake);
    await expect.poll(() => fake.openStreams()).toBe(1);
    for (let i = 0; i < 20; i++) feed.setWatched(new Set([`S${i}`, `S${i + 1}`]));
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['S19', 'S20']);
    expect(fake.connectionsAccepted).toBe(1);
  });
});

describe('REST poller for symbols off the socket', () => {
  it('polls round-robin only while the budget keeps its reserve for interactive calls', async () => {
    const fake = new FakeFinnhub();
    await fake.start();
    try {
      const budget = new RestBudget(systemClock, 6);
      const provider = new FinnhubProvider({
        apiUrl: fake.url,
        apiKey: fake.apiKey,
        timeoutMs: 1000,
        budget,
        clock: systemClock,
        logger: createLogger('silent'),
      });
      const polled: string[] = [];
      const poller = new RestPoller(provider, (q) => polled.push(q.symbol), createLogger('silent'), {
        intervalMs: 20,
        mayPoll: () => budget.remaining() > 3,
        background: false,
      });
      poller.setSymbols(['AAPL', 'MSFT']);
      await sleep(400);
      poller.close();
      expect(polled).toEqual(['AAPL', 'MSFT', 'AAPL']);
      expect(budget.remaining()).toBe(3);
      // The reserve is still there for a user adding a symbol.
      expect(await provider.getQuote({ symbol: 'MSFT' })).not.toBeNull();
    } finally {
      await fake.stop();
    }
  });
});
