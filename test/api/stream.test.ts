import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import { testDatabaseKinds } from '../support/database.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabaseKinds())('live price stream on %s', (kind) => {
  let t: TestApp;
  const feed = new ScriptedFeed();

  beforeAll(async () => {
    t = await startTestApp({
      database: kind,
      listen: true,
      market: { provider: new SimulatedMarket(7, systemClock), feed },
      env: { STREAM_INTERVAL_MS: '100' },
      flushMs: 50,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const host = () => new URL(t.baseUrl).host;
  const userWith = async (...symbols: string[]) => {
    const client = new TestClient(t.app);
    const user = await client.register();
    for (const symbol of symbols) {
      const response = await client.request('POST', '/api/v1/watchlist', { symbol });
      expect(response.statusCode).toBe(201);
    }
    return { client, user };
  };
  const connect = (client: TestClient, origin = `http://${host()}`) =>
    StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '', origin });

  it('refuses a connection without a session with 401', async () => {
    await expect(StreamClient.connect(t.baseUrl, {})).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a cross-site Origin with 403 even with a valid session', async () => {
    const { client } = await userWith();
    await expect(connect(client, 'https://evil.example')).rejects.toMatchObject({ status: 403 });
  });

  it("starts with a snapshot of the user's symbols and the feed status, then pushes changes", async () => {
    const { client } = await userWith('AAPL', 'MSFT');
    const stream = await connect(client);
    const snapshot = await stream.next((f) => f.type === 'snapshot');
    expect(stream.frames[0]?.type).toBe('snapshot');
    expect(snapshot.quotes?.map((q) => q.symbol).sort()).toEqual(['AAPL', 'MSFT']);
    expect(snapshot.quotes?.[0]).toEqual(
      expect.objectContaining({
        price: expect.any(Number),
        change: expect.any(Number),
        changePercent: expect.any(Number),
        time: expect.any(String),
      }),
    );
    expect(await stream.next((f) => f.type === 'status')).toEqual({ type: 'status', feed: 'simulated' });

    feed.push('AAPL', 123.4567);
    const update = await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.price === 123.4567),
    );
    const aapl = update.quotes?.find((q) => q.symbol === 'AAPL');
    expect(aapl?.price).toBe(123.4567);
    expect(aapl?.change).toBeCloseTo(23.4567, 10);
    await stream.close();
  });

  it('conflates updates between sends: several ticks in one interval arrive as the latest only', async () => {
    const { client } = await userWith('GOOGL');
    const stream = await connect(client);
    await stream.next((f) => f.type === 'status');
    await sleep(150);
    const mark = stream.frames.length;
    feed.push('GOOGL', 101);
    feed.push('GOOGL', 102);
    feed.push('GOOGL', 103);
    await stream.next((f) => f.type === 'quotes', 3000, mark);
    await sleep(250);
    expect(stream.quotesFor('GOOGL', mark)).toEqual([103]);
    await stream.close();
  });

  it('follows adds and removes made through the API without a reconnect', async () => {
    const { client } = await userWith('AMZN');
    const stream = await connect(client);
    await stream.next((f) => f.type === 'status');

    expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'NFLX' })).statusCode).toBe(201);
    await stream.next((f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'NFLX'));

    expect((await client.request('DELETE', '/api/v1/watchlist/AMZN')).statusCode).toBe(204);
    await sleep(150);
    const mark = stream.frames.length;
    feed.push('AMZN', 55);
    feed.push('NFLX', 66);
    await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'NFLX'),
      3000,
      mark,
    );
    await sleep(200);
    expect(stream.quotesFor('AMZN', mark)).toEqual([]);
    await stream.close();
  });

  it('streams what the user holds: bought after the stream opened, and kept when it leaves the watchlist', async () => {
    const { client } = await userWith('ADBE');
    const stream = await connect(client);
    await stream.next((f) => f.type === 'status');
    const account = await client.request('POST', '/api/v1/accounts', { name: 'Broker', currency: 'USD' });
    const accountId = (account.json() as { account: { id: string } }).account.id;
    for (const symbol of ['ADBE', 'ORCL']) {
      const buy = await client.request('POST', '/api/v1/transactions', {
        accountId,
        type: 'buy',
        symbol,
        quantity: '1',
        price: '100',
        currency: 'USD',
        date: '2026-01-05',
      });
      expect(buy.statusCode).toBe(201);
    }
    expect((await client.request('DELETE', '/api/v1/watchlist/ADBE')).statusCode).toBe(204);
    await sleep(150);
    const mark = stream.frames.length;
    feed.push('ORCL', 77);
    feed.push('ADBE', 88);
    await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'ORCL' && q.price === 77),
      3000,
      mark,
    );
    await stream.next(
      (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'ADBE' && q.price === 88),
      3000,
      mark,
    );
    await stream.close();
  });

  it('sends a user only their own symbols', async () => {
    const alice = await userWith('META');
    const bob = await userWith('ORCL');
    const aliceStream = await connect(alice.client);
    const bobStream = await connect(bob.client);
    await aliceStream.next((f) => f.type === 'status');
    await bobStream.next((f) => f.type === 'status');
    feed.push('ORCL', 77);
    feed.push('META', 88);
    await aliceStream.next((f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'META'));
    await bobStream.next((f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.symbol === 'ORCL'));
    await sleep(200);
    expect(aliceStream.quotesFor('ORCL')).toEqual([]);
    expect(bobStream.quotesFor('META')).toEqual([]);
    await aliceStream.close();
    await bobStream.close();
  });

  it('subscribes upstream once per symbol however many users watch it, and unsubscribes after the last', async () => {
    const users = await Promise.all([userWith('INTC'), userWith('INTC'), userWith('INTC', 'CSCO')]);
    // On a watchlist is reason enough (history is recorded with no browser open); the screens add to it.
    expect(feed.watched.filter((s) => s === 'INTC')).toHaveLength(1);
    expect(feed.watched).toContain('CSCO');
    const streams = await Promise.all(users.map(({ client }) => connect(client)));
    await Promise.all(streams.map((s) => s.next((f) => f.type === 'status')));
    expect(feed.watched.filter((s) => s === 'INTC')).toHaveLength(1);
    expect(feed.watched).toContain('CSCO');

    feed.push('INTC', 31.25);
    for (const stream of streams) {
      await stream.next((f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.price === 31.25));
    }
    await Promise.all(streams.map((s) => s.close()));
    await sleep(100);
    expect(feed.watched).toContain('INTC');
    // The last reason gone (the last watchlist holding it, no screen), the symbol is unsubscribed.
    for (const [index, { client }] of users.entries()) {
      expect((await client.request('DELETE', '/api/v1/watchlist/INTC')).statusCode).toBe(204);
      if (index < users.length - 1) expect(feed.watched).toContain('INTC');
    }
    expect((await users[2]?.client.request('DELETE', '/api/v1/watchlist/CSCO'))?.statusCode).toBe(204);
    expect(feed.watched).not.toContain('INTC');
    expect(feed.watched).not.toContain('CSCO');
  });

  it('a delete racing price updates and their persistence does not bring the symbol back', async () => {
    const { client, user } = await userWith('BA');
    const stream = await connect(client);
    await stream.next((f) => f.type === 'status');
    const pushing = (async () => {
      for (let i = 0; i < 40; i++) {
        feed.push('BA', 150 + i / 100);
        await sleep(5);
      }
    })();
    await sleep(30);
    expect((await client.request('DELETE', '/api/v1/watchlist/BA')).statusCode).toBe(204);
    await pushing;
    await sleep(150);
    const rows = await t.database.db.execute(
      sql`select symbol from watchlist_items where user_id = ${user.id} and symbol = 'BA'`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([]);
    expect((await client.request('GET', '/api/v1/watchlist')).json().items).toEqual([]);
    await stream.close();
  });
});

describe('the simulated market through the stream', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Heartbeats every 200 ms: a browser that answers pings (as every WebSocket client does) stays connected.
    t = await startTestApp({
      database: 'pglite',
      listen: true,
      env: { STREAM_INTERVAL_MS: '100' },
      stream: { heartbeatMs: 200 },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ticks every watched symbol at least every 2 seconds', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (const symbol of ['AAPL', 'BINANCE:BTCUSDT', 'OANDA:EUR_USD']) {
      await client.request('POST', '/api/v1/watchlist', { symbol });
    }
    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    await stream.next((f) => f.type === 'status');
    const mark = stream.frames.length;
    await sleep(4200);
    for (const symbol of ['AAPL', 'BINANCE:BTCUSDT', 'OANDA:EUR_USD']) {
      const prices = stream.quotesFor(symbol, mark);
      expect(prices.length, symbol).toBeGreaterThanOrEqual(2);
      expect(new Set(prices).size, `${symbol} moves`).toBeGreaterThan(1);
    }
    expect(stream.socket.readyState).toBe(stream.socket.OPEN);
    await stream.close();
  });
});
