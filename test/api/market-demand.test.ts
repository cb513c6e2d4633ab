import { afterEach, describe, expect, it } from 'vitest';
import { loadBars } from '../../src/history/history.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const QUOTE = { c: 100, d: 1, dp: 1, h: 101, l: 99, o: 99.5, pc: 99, t: 1700000000 };

describe.each(testDatabaseKinds())(
  'market demand on %s: what the server watches with no browser open',
  (kind) => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function setUp(symbols: string[], env: Record<string, string> = {}) {
      const fake = new FakeFinnhub();
      await fake.start();
      cleanups.push(() => fake.stop());
      for (const symbol of symbols) fake.setQuote(symbol, QUOTE);
      const t: TestApp = await startTestApp({
        database: kind,
        listen: true,
        flushMs: 100,
        env: {
          ...fake.appEnv(),
          STREAM_INTERVAL_MS: '50',
          ...env,
        },
      });
      cleanups.push(() => t.close());
      await expect.poll(() => fake.openStreams()).toBe(1);
      return { fake, t };
    }

    it('subscribes a symbol added through the API within 5 s, and its 1-minute bars hold every trade', async () => {
      const { fake, t } = await setUp(['NVDA']);
      const client = new TestClient(t.app);
      await client.register();
      expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'NVDA' })).statusCode).toBe(201);
      await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toEqual(['NVDA']);

      const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
      const trades = [
        { s: 'NVDA', p: 120.5, t: minute + 1_000, v: 10 },
        { s: 'NVDA', p: 121.25, t: minute + 15_000, v: 3 },
        { s: 'NVDA', p: 119.75, t: minute + 30_000, v: 7 },
        { s: 'NVDA', p: 120.0, t: minute + 59_000, v: 5 },
        { s: 'NVDA', p: 122.0, t: minute + 60_000, v: 1 },
        { s: 'NVDA', p: 121.5, t: minute + 61_500, v: 2 },
      ];
      for (const trade of trades) expect(fake.trades([trade])).toBe(1);

      await expect
        .poll(() => loadBars(t.database.db, 'NVDA', '1m', minute), { timeout: 5000 })
        .toEqual([
          { time: minute, open: 120.5, high: 121.25, low: 119.75, close: 120.0, volume: 25 },
          { time: minute + 60_000, open: 122.0, high: 122.0, low: 121.5, close: 121.5, volume: 3 },
        ]);
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toEqual({ status: 'ready', symbols: { live: 1, polled: 0, leftOut: 0 } });

      // Its last reason gone, the symbol is unsubscribed within seconds.
      expect((await client.request('DELETE', '/api/v1/watchlist/NVDA')).statusCode).toBe(204);
      await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toEqual([]);
    });

    it('wants every watchlist symbol from the start, and keeps one another user still holds', async () => {
      const first = await setUp(['AMD', 'INTC']);
      const alice = new TestClient(first.t.app);
      const bob = new TestClient(first.t.app);
      await alice.register();
      await bob.register();
      await alice.request('POST', '/api/v1/watchlist', { symbol: 'AMD' });
      await bob.request('POST', '/api/v1/watchlist', { symbol: 'AMD' });
      await bob.request('POST', '/api/v1/watchlist', { symbol: 'INTC' });
      await expect.poll(() => first.fake.streamSubscriptions()).toEqual(['AMD', 'INTC']);
      await alice.request('DELETE', '/api/v1/watchlist/AMD');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(first.fake.streamSubscriptions()).toEqual(['AMD', 'INTC']);

      // A new app on the same database subscribes the stored watchlists without anyone asking.
      const again = await startTestApp({
        database: first.t.database,
        env: {
          ...first.fake.appEnv(),
        },
      });
      cleanups.push(() => again.app.close());
      await expect.poll(() => first.fake.openStreams()).toBe(2);
      await expect.poll(() => first.fake.streamSubscriptions()).toEqual(['AMD', 'INTC']);
    });

    it('streams the most wanted symbols up to the cap, polls the next, and says what is left out', async () => {
      // One symbol on the socket; 11 REST calls a minute leave one a minute for polling: two symbols
      // come round within the two minutes before a quote is stale, the fourth is left out.
      const { fake, t } = await setUp(['S1', 'S2', 'S3', 'S4'], {
        FINNHUB_WS_MAX_SYMBOLS: '1',
        FINNHUB_REST_PER_MINUTE: '11',
      });
      // One user a symbol: adding one costs two provider calls, and each user's share of 11 a minute is 3.
      for (const symbol of ['S1', 'S2', 'S3']) {
        const owner = new TestClient(t.app);
        await owner.register();
        expect((await owner.request('POST', '/api/v1/watchlist', { symbol })).statusCode).toBe(201);
      }
      const viewer = new TestClient(t.app);
      await viewer.register();
      expect((await viewer.request('POST', '/api/v1/watchlist', { symbol: 'S4' })).statusCode).toBe(201);
      await expect.poll(() => fake.streamSubscriptions()).toEqual(['S1']);
      const coverage = async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).json().symbols;
      await expect.poll(coverage).toEqual({ live: 1, polled: 2, leftOut: 1 });

      // An open screen outranks a watchlist: S4 takes the socket's one slot while it is shown.
      const stream = await StreamClient.connect(t.baseUrl, { cookie: viewer.cookie ?? '' });
      await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toEqual(['S4']);
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('stocktracker_market_symbols{coverage="live"} 1');
      expect(metrics).toContain('stocktracker_market_symbols{coverage="polled"} 2');
      expect(metrics).toContain('stocktracker_market_symbols{coverage="left_out"} 1');
      await stream.close();
      await expect.poll(() => fake.streamSubscriptions(), { timeout: 5000 }).toEqual(['S1']);
    });
  },
);
