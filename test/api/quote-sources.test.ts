import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { saveLastQuotes } from '../../src/prices/last-quote.repository.js';
import { testDatabaseKinds } from '../support/database.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

/*
 * Every price the API and the stream give says where it came from and how late it is. The feed is
 * scripted to label its quotes and trades as the real sources do (Yahoo's snapshots 15 minutes
 * late, Finnhub's trades in real time).
 */
describe.each(testDatabaseKinds())('where prices come from, on %s', (kind) => {
  let t: TestApp;
  const feed = new ScriptedFeed();

  beforeAll(async () => {
    t = await startTestApp({
      database: kind,
      listen: true,
      market: { provider: new SimulatedMarket(3, systemClock), feed },
      env: { STREAM_INTERVAL_MS: '100' },
      flushMs: 50,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const userWith = async (...symbols: string[]) => {
    const client = new TestClient(t.app);
    await client.register();
    for (const symbol of symbols) {
      const response = await client.request('POST', '/api/v1/watchlist', { symbol });
      expect(response.statusCode, response.body).toBe(201);
    }
    return client;
  };
  const quoteOf = async (client: TestClient, symbol: string) => {
    const response = await client.request('GET', `/api/v1/quotes/${encodeURIComponent(symbol)}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const historyOf = async (client: TestClient, symbol: string, range: string) => {
    const response = await client.request('GET', `/api/v1/quotes/${symbol}/history?range=${range}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('labels a quote in /quotes, /watchlist and the stream, and a trade merged into it as its feed’s, in real time', async () => {
    const client = await userWith('AAPL');
    feed.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    feed.push('AAPL', 190.25, 188);
    expect(await quoteOf(client, 'AAPL')).toMatchObject({
      price: 190.25,
      source: 'yahoo',
      delayMinutes: 15,
    });

    const stream = await StreamClient.connect(t.baseUrl, {
      cookie: client.cookie ?? '',
      origin: `http://${new URL(t.baseUrl).host}`,
    });
    const snapshot = await stream.next((f) => f.type === 'snapshot');
    expect(snapshot.quotes?.find((q) => q.symbol === 'AAPL')).toMatchObject({
      price: 190.25,
      source: 'yahoo',
      delayMinutes: 15,
    });

    feed.trade({ symbol: 'AAPL', price: 190.5, time: Date.now() + 1, volume: 5, source: 'finnhub' });
    const update = await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.price === 190.5),
    );
    expect(update.quotes?.find((q) => q.symbol === 'AAPL')).toMatchObject({
      source: 'finnhub',
      delayMinutes: 0,
    });
    await stream.close();

    const { items } = (await client.request('GET', '/api/v1/watchlist')).json();
    expect(items[0].quote).toMatchObject({ price: 190.5, source: 'finnhub', delayMinutes: 0 });
  });

  it('says where the past bars came from and where the live ones come from', async () => {
    const client = await userWith('MSFT');
    feed.quoteSource = { source: 'yahoo', delayMinutes: 15 };
    feed.push('MSFT', 412.3, 410);

    const year = await historyOf(client, 'MSFT', '1y');
    expect(year.bars.length).toBeGreaterThan(300);
    expect(year.sources).toEqual({
      past: { id: 'simulated', name: 'Simulated market', delay: 'end_of_day' },
      live: { id: 'yahoo', name: 'Yahoo Finance', delay: 15 },
    });
    // Minutes long past have no delay to tell.
    expect((await historyOf(client, 'MSFT', '1d')).sources.past).toEqual({
      id: 'simulated',
      name: 'Simulated market',
      delay: null,
    });

    feed.trade({ symbol: 'MSFT', price: 412.6, time: Date.now() + 1, volume: 2, source: 'finnhub' });
    expect((await historyOf(client, 'MSFT', '1m')).sources.live).toEqual({
      id: 'finnhub',
      name: 'Finnhub',
      delay: 0,
    });
  });

  it('keeps the label across a restart, and says nothing for a quote stored before sources were recorded', async () => {
    const client = await userWith('NVDA');
    feed.quoteSource = { source: 'yahoo', delayMinutes: 20 };
    feed.push('NVDA', 131.9, 130);
    // A quote saved by a version that did not record sources.
    await saveLastQuotes(
      t.database.db,
      [
        {
          symbol: 'IBM',
          price: 221.5,
          change: 1.5,
          changePercent: 0.681818,
          open: 220,
          high: 222,
          low: 219.5,
          previousClose: 220,
          volume: null,
          time: Date.now(),
        },
      ],
      new Date(),
    );
    // Closing writes what the last-quote writer gathered; the same database serves the next start.
    await t.app.close();
    const restartedFeed = new ScriptedFeed();
    t = await startTestApp({
      database: t.database,
      listen: true,
      market: { provider: new SimulatedMarket(3, systemClock), feed: restartedFeed },
      flushMs: 50,
    });
    const again = new TestClient(t.app);
    again.cookie = client.cookie;
    again.csrfToken = client.csrfToken;

    expect(await quoteOf(again, 'NVDA')).toMatchObject({ price: 131.9, source: 'yahoo', delayMinutes: 20 });
    expect(await quoteOf(again, 'IBM')).toMatchObject({ price: 221.5, source: null, delayMinutes: null });
    expect((await historyOf(again, 'IBM', '1m')).sources.live).toBeNull();
  });
});
