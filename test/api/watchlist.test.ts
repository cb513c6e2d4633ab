import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/database.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe.each(testDatabaseKinds())('watchlist API with the simulated market on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ database: kind });
  });
  afterAll(async () => {
    await t?.close();
  });

  const itemRows = async (userId: string) => {
    const result = await t.database.db.execute(
      sql`select symbol from watchlist_items where user_id = ${userId}`,
    );
    return (result as unknown as { rows: Array<{ symbol: string }> }).rows.map((r) => r.symbol).sort();
  };

  it('adds a symbol (trimmed and upper-cased) with its name, currency and a live quote', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('POST', '/api/v1/watchlist', { symbol: '  aapl ' });
    expect(response.statusCode).toBe(201);
    const { item } = response.json();
    expect(item).toMatchObject({ symbol: 'AAPL', name: 'Apple Inc', currency: 'USD' });
    expect(Date.parse(item.addedAt)).not.toBeNaN();
    expect(item.quote).toMatchObject({ symbol: 'AAPL', stale: false });
    for (const field of [
      'price',
      'change',
      'changePercent',
      'open',
      'high',
      'low',
      'previousClose',
      'volume',
    ]) {
      expect(typeof item.quote[field], field).toBe('number');
    }
    expect(item.quote.change).toBeCloseTo(item.quote.price - item.quote.previousClose, 6);

    const list = await client.request('GET', '/api/v1/watchlist');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { symbol: string }) => i.symbol)).toEqual(['AAPL']);
  });

  it.each([
    ['BRK.B', 'USD'],
    ['VOD.L', 'GBP'],
    ['7203.T', 'JPY'],
    ['RDS-A', 'USD'],
    ['BINANCE:BTCUSDT', 'USDT'],
    ['oanda:eur_usd', 'USD'],
    ['ERE.UN.TO', 'CAD'],
  ])('accepts the symbol form %s', async (symbol, currency) => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('POST', '/api/v1/watchlist', { symbol });
    expect(response.statusCode).toBe(201);
    expect(response.json().item).toMatchObject({ symbol: symbol.toUpperCase(), currency });
  });

  it('refuses a symbol the market does not know with 404 unknown_symbol and stores nothing', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    const response = await client.request('POST', '/api/v1/watchlist', { symbol: 'NOPEX' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toEqual({
      code: 'unknown_symbol',
      message: 'No stock or instrument with the symbol NOPEX was found.',
    });
    expect(await itemRows(user.id)).toEqual([]);
    const instruments = await t.database.db.execute(
      sql`select symbol from instruments where symbol = 'NOPEX'`,
    );
    expect((instruments as unknown as { rows: unknown[] }).rows).toEqual([]);
  });

  it.each([
    ['a symbol with spaces', { symbol: 'AA PL' }, 400, 'invalid_symbol'],
    ['punctuation', { symbol: 'AAPL;DROP' }, 400, 'invalid_symbol'],
    ['a missing symbol field', {}, 400, 'validation_error'],
    ['an empty symbol', { symbol: '   ' }, 400, 'validation_error'],
    ['a number', { symbol: 42 }, 400, 'validation_error'],
    ['null', { symbol: null }, 400, 'validation_error'],
    ['a 41-character symbol', { symbol: 'A'.repeat(41) }, 400, 'validation_error'],
    ['malformed JSON', '{"symbol": ', 400, 'invalid_json'],
    ['a JSON array', [], 400, 'validation_error'],
  ])('answers %s with a clear 4xx and writes nothing', async (_label, body, status, code) => {
    const client = new TestClient(t.app);
    const user = await client.register();
    const response = await client.request(
      'POST',
      '/api/v1/watchlist',
      typeof body === 'string' ? body : JSON.stringify(body),
      { 'content-type': 'application/json' },
    );
    expect(response.statusCode).toBe(status);
    const { error } = response.json();
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(5);
    if (code === 'validation_error' && !Array.isArray(body))
      expect(Object.keys(error.fields)).toEqual(['symbol']);
    expect(await itemRows(user.id)).toEqual([]);
  });

  it('answers an oversized body with 413 and a non-JSON body with 415', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const huge = await client.request(
      'POST',
      '/api/v1/watchlist',
      JSON.stringify({ symbol: 'A', pad: 'x'.repeat(20_000) }),
      {
        'content-type': 'application/json',
      },
    );
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const text = await client.request('POST', '/api/v1/watchlist', 'symbol=AAPL', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (const [method, url] of [
      ['GET', '/api/v1/nothing-here'],
      ['PATCH', '/api/v1/watchlist'],
      ['GET', '/api/v2/portfolio'],
    ] as const) {
      const response = await client.request(method, url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
  });

  it('refuses a second copy of a symbol with 409 already_in_portfolio', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' })).statusCode).toBe(201);
    const again = await client.request('POST', '/api/v1/watchlist', { symbol: 'msft' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_in_portfolio');
    expect(await itemRows(user.id)).toEqual(['MSFT']);
  });

  it('stores exactly one item when the same symbol is added by many concurrent requests', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => client.request('POST', '/api/v1/watchlist', { symbol: 'NVDA' })),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    expect(await itemRows(user.id)).toEqual(['NVDA']);
  });

  it('removes a symbol with 204, then 404 not_in_portfolio', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    await client.request('POST', '/api/v1/watchlist', { symbol: 'BINANCE:ETHUSDT' });
    const removed = await client.request(
      'DELETE',
      `/api/v1/watchlist/${encodeURIComponent('binance:ethusdt')}`,
    );
    expect(removed.statusCode).toBe(204);
    expect(await itemRows(user.id)).toEqual([]);
    const again = await client.request('DELETE', '/api/v1/watchlist/BINANCE%3AETHUSDT');
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_in_portfolio');
    const invalid = await client.request('DELETE', '/api/v1/watchlist/not%20a%20symbol');
    expect(invalid.statusCode).toBe(400);
  });

  it('still answers on /api/v1/portfolio, the deprecated name, exactly as /api/v1/watchlist', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    const added = await client.request('POST', '/api/v1/portfolio', { symbol: 'amd' });
    expect(added.statusCode).toBe(201);
    expect(added.json().item).toMatchObject({ symbol: 'AMD', name: expect.any(String), currency: 'USD' });
    const again = await client.request('POST', '/api/v1/portfolio', { symbol: 'AMD' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_in_portfolio');

    const viaAlias = await client.request('GET', '/api/v1/portfolio');
    const viaWatchlist = await client.request('GET', '/api/v1/watchlist');
    expect(viaAlias.statusCode).toBe(200);
    // The simulated market may tick between the two calls: the same answer but for the live price.
    const withoutLivePrice = (body: { items: Array<{ quote: Record<string, unknown> }> }) =>
      body.items.map((item) => ({ ...item, quote: Object.keys(item.quote).sort() }));
    expect(withoutLivePrice(viaAlias.json())).toEqual(withoutLivePrice(viaWatchlist.json()));
    expect(viaAlias.json().items.map((i: { symbol: string }) => i.symbol)).toEqual(['AMD']);

    const sparklines = await client.request('GET', '/api/v1/portfolio/sparklines');
    expect(sparklines.statusCode).toBe(200);
    expect(Object.keys(sparklines.json().sparklines)).toEqual(['AMD']);

    expect((await client.request('DELETE', '/api/v1/portfolio/AMD')).statusCode).toBe(204);
    expect(await itemRows(user.id)).toEqual([]);
    const gone = await client.request('DELETE', '/api/v1/portfolio/AMD');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('not_in_portfolio');
  });

  it("keeps users apart: nobody sees or removes another user's symbols", async () => {
    const alice = new TestClient(t.app);
    const bob = new TestClient(t.app);
    const aliceUser = await alice.register();
    await bob.register();
    await alice.request('POST', '/api/v1/watchlist', { symbol: 'TSLA' });

    expect((await bob.request('GET', '/api/v1/watchlist')).json().items).toEqual([]);
    const steal = await bob.request('DELETE', '/api/v1/watchlist/TSLA');
    expect(steal.statusCode).toBe(404);
    expect(steal.json().error.code).toBe('not_in_portfolio');
    expect(await itemRows(aliceUser.id)).toEqual(['TSLA']);
  });

  it('requires the CSRF token to add or remove', async () => {
    const client = new TestClient(t.app);
    const user = await client.register();
    const add = await client.request(
      'POST',
      '/api/v1/watchlist',
      { symbol: 'AMD' },
      { 'x-csrf-token': 'nope' },
    );
    expect(add.statusCode).toBe(403);
    expect(add.json().error.code).toBe('csrf_failed');
    expect(await itemRows(user.id)).toEqual([]);
  });

  it('returns a quote with every field for GET /quotes/:symbol, and 404/400 for unknown/invalid symbols', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('GET', '/api/v1/quotes/oanda%3Aeur_usd');
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json()).sort()).toEqual(
      [
        'change',
        'changePercent',
        'high',
        'low',
        'open',
        'previousClose',
        'price',
        'stale',
        'symbol',
        'time',
        'volume',
        'source',
        'delayMinutes',
        'currency',
        'week52High',
        'week52Low',
        'marketCap',
      ].sort(),
    );
    expect(response.json()).toMatchObject({ symbol: 'OANDA:EUR_USD', currency: 'USD', marketCap: null });
    expect(response.json().week52High).toBeGreaterThan(response.json().week52Low);
    const stock = (await client.request('GET', '/api/v1/quotes/AAPL')).json();
    expect(stock.marketCap).toBeGreaterThan(0);
    expect((await client.request('GET', '/api/v1/quotes/ZZZZZZ')).json().error.code).toBe('unknown_symbol');
    expect((await client.request('GET', '/api/v1/quotes/%24%24%24')).statusCode).toBe(400);
  });

  it('says the simulated market is open around the clock, to logged-in users only', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('GET', '/api/v1/market/status');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      state: 'open',
      description: 'Simulated market: open around the clock',
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/market/status' })).statusCode).toBe(401);
  });

  it('searches symbols by ticker and by name', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('GET', '/api/v1/symbols/search?q=micro');
    expect(response.statusCode).toBe(200);
    expect(response.json().results).toContainEqual({
      symbol: 'MSFT',
      description: 'Microsoft Corp',
      type: 'Common Stock',
    });
    const missing = await client.request('GET', '/api/v1/symbols/search');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.fields).toHaveProperty('q');
  });
});
