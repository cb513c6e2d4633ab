import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { ProviderError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { FinnhubProvider } from '../../src/market/providers/finnhub/finnhub-provider.js';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

describe('Finnhub REST client against the fake Finnhub server', () => {
  let fake: FakeFinnhub;
  let apiUrl: string;
  const logger = createLogger('silent');

  beforeEach(async () => {
    fake = new FakeFinnhub();
    apiUrl = await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  const provider = (overrides: Partial<{ apiKey: string; timeoutMs: number; perMinute: number }> = {}) =>
    new FinnhubProvider({
      apiUrl,
      apiKey: overrides.apiKey ?? fake.apiKey,
      timeoutMs: overrides.timeoutMs ?? 2000,
      budget: new RestBudget(systemClock, overrides.perMinute ?? 55),
      clock: systemClock,
      logger,
      maxBudgetWaitMs: 100,
    });

  it('maps /quote to a quote (seconds to milliseconds) and sends the key only in a header', async () => {
    const quote = await provider().getQuote({ symbol: 'AAPL' });
    expect(quote).toEqual({
      symbol: 'AAPL',
      price: 261.74,
      change: 2.29,
      changePercent: 0.8826,
      open: 261.07,
      high: 263.31,
      low: 260.68,
      previousClose: 259.45,
      volume: null,
      time: 1582641000 * 1000,
      source: 'finnhub',
      delayMinutes: 0,
    });
    const request = fake.requests.at(-1);
    expect(request?.headerToken).toBe(fake.apiKey);
    expect(request?.query).toEqual({ symbol: 'AAPL' });
  });

  it('treats the all-zeros answer for an unknown symbol as not found', async () => {
    expect(await provider().getQuote({ symbol: 'NOSUCH' })).toBeNull();
  });

  it('percent-encodes symbols with : and _', async () => {
    fake.setQuote('OANDA:EUR_USD', {
      c: 1.08452,
      d: 0.001,
      dp: 0.09,
      h: 1.09,
      l: 1.08,
      o: 1.084,
      pc: 1.08352,
      t: 1700000000,
    });
    expect((await provider().getQuote({ symbol: 'OANDA:EUR_USD' }))?.price).toBe(1.08452);
  });

  it.each([
    ['a wrong key (401)', () => ({ apiKey: 'wrong' }), 'unauthorized'],
    ['a plan without access (403)', () => ({}), 'plan_required'],
  ])('reports %s as a ProviderError without upstream text', async (_label, options, reason) => {
    const symbol = reason === 'plan_required' ? 'VOD.L' : 'AAPL';
    const error = await provider(options())
      .getQuote({ symbol })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).reason).toBe(reason);
    expect((error as Error).message).not.toContain(apiUrl);
    expect((error as Error).message).not.toContain(fake.apiKey);
  });

  it('treats a 401 whose body says "no access" as a plan restriction', async () => {
    fake.override('/quote', {
      status: 401,
      body: JSON.stringify({ error: "You don't have access to this resource." }),
    });
    const error = await provider()
      .getQuote({ symbol: 'AAPL' })
      .catch((e: unknown) => e);
    expect((error as ProviderError).reason).toBe('plan_required');
  });

  it('reports 429 as rate limited and stops calling until the window rolls over', async () => {
    fake.perMinuteLimit = 2;
    const client = provider();
    await client.getQuote({ symbol: 'AAPL' });
    await client.getQuote({ symbol: 'MSFT' });
    const error = await client.getQuote({ symbol: 'AAPL' }).catch((e: unknown) => e);
    expect((error as ProviderError).reason).toBe('rate_limited');
    const callsAfter429 = fake.requests.length;
    const again = await client.getQuote({ symbol: 'MSFT' }).catch((e: unknown) => e);
    expect((again as ProviderError).reason).toBe('rate_limited');
    expect(fake.requests.length).toBe(callsAfter429);
  });

  it('gives up on a hanging server after the timeout', async () => {
    fake.override('/quote', 'hang');
    const started = Date.now();
    const error = await provider({ timeoutMs: 300 })
      .getQuote({ symbol: 'AAPL' })
      .catch((e: unknown) => e);
    expect((error as ProviderError).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports an unreachable server as unavailable', async () => {
    await fake.stop();
    const error = await provider()
      .getQuote({ symbol: 'AAPL' })
      .catch((e: unknown) => e);
    expect((error as ProviderError).reason).toBe('unavailable');
  });

  it('shares one call between concurrent requests for the same symbol', async () => {
    const client = provider();
    const results = await Promise.all(Array.from({ length: 5 }, () => client.getQuote({ symbol: 'AAPL' })));
    expect(results.every((q) => q?.price === 261.74)).toBe(true);
    expect(fake.count('/quote', 'AAPL')).toBe(1);
  });

  it('never exceeds its per-minute budget, whatever is asked of it', async () => {
    const client = provider({ perMinute: 3 });
    const outcomes = await Promise.allSettled(
      ['AAPL', 'MSFT', 'NOPE1', 'NOPE2', 'NOPE3'].map((symbol) => client.getQuote({ symbol })),
    );
    expect(fake.count('/quote')).toBe(3);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(2);
  });

  it('lets background fetches use only the budget beyond the reserve for interactive calls', async () => {
    const client = provider({ perMinute: 12 });
    await client.getQuote({ symbol: 'AAPL' });
    expect(await client.keyMetrics({ symbol: 'AAPL', background: true })).toMatchObject({
      week52High: 288.62,
    });
    // Ten calls left: all of them are kept for people's requests.
    const refused = await client.keyMetrics({ symbol: 'MSFT', background: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).reason).toBe('rate_limited');
    expect(fake.count('/stock/metric', 'MSFT')).toBe(0);
    // Asked for a person, it is made; Finnhub has no figures for MSFT here: no figures at all.
    expect(await client.keyMetrics({ symbol: 'MSFT' })).toBeNull();
    expect(fake.count('/stock/metric', 'MSFT')).toBe(1);
  });

  it('searches and describes a symbol by its exact search match', async () => {
    const client = provider();
    expect(await client.search({ query: 'apple' })).toEqual([
      { symbol: 'AAPL', description: 'APPLE INC', type: 'Common Stock' },
      { symbol: 'AAPL.SW', description: 'APPLE INC', type: 'Common Stock' },
    ]);
    expect(await client.describe({ symbol: 'AAPL' })).toEqual({
      symbol: 'AAPL',
      name: 'APPLE INC',
      exchange: 'US',
      currency: 'USD',
      type: 'Common Stock',
    });
  });
});

describe.each(testDatabaseKinds())('watchlist API with Finnhub (fake server) on %s', (kind) => {
  let fake: FakeFinnhub;
  let t: TestApp;

  beforeAll(async () => {
    fake = new FakeFinnhub();
    await fake.start();
    t = await startTestApp({ database: kind, env: finnhubEnv() });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });
  afterEach(() => {
    fake.clear('/quote');
    fake.clear('/search');
  });

  const finnhubEnv = () => ({
    ...fake.appEnv(),
    FINNHUB_TIMEOUT_MS: '500',
  });

  it('adds a known symbol and refuses an unknown one (Finnhub answers zeros) with 404', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const added = await client.request('POST', '/api/v1/watchlist', { symbol: 'aapl' });
    expect(added.statusCode).toBe(201);
    expect(added.json().item).toMatchObject({ symbol: 'AAPL', name: 'APPLE INC', currency: 'USD' });
    expect(added.json().item.quote.price).toBe(261.74);

    const unknown = await client.request('POST', '/api/v1/watchlist', { symbol: 'ZZZZ' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('unknown_symbol');
  });

  it('caches symbol searches server-side: the same query from many users costs one Finnhub call', async () => {
    const clients = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const client = new TestClient(t.app);
        await client.register();
        return client;
      }),
    );
    const answers = await Promise.all(
      [...clients, ...clients].map((c) => c.request('GET', '/api/v1/symbols/search?q=vodafone')),
    );
    for (const answer of answers) {
      expect(answer.json().results).toEqual([
        { symbol: 'VOD.L', description: 'VODAFONE GROUP PLC', type: 'Common Stock' },
      ]);
    }
    expect(fake.requests.filter((r) => r.path === '/search' && r.query.q === 'VODAFONE')).toHaveLength(1);
  });

  it('adds currency, 52-week range and market cap to a quote, fetching the metrics once a day', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (let i = 0; i < 3; i++) {
      const response = await client.request('GET', '/api/v1/quotes/AAPL');
      expect(response.json()).toMatchObject({
        symbol: 'AAPL',
        price: 261.74,
        currency: 'USD',
        week52High: 288.62,
        week52Low: 169.2101,
        marketCap: 3_890_000_500_000,
      });
    }
    expect(fake.count('/stock/metric', 'AAPL')).toBe(1);
  });

  it('still answers the quote, with null metrics, when the plan has no access to them', async () => {
    fake.override('/stock/metric', {
      status: 403,
      body: JSON.stringify({ error: "You don't have access to this resource." }),
    });
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('GET', '/api/v1/quotes/MSFT');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      price: 415.123456,
      week52High: null,
      week52Low: null,
      marketCap: null,
    });
    await client.request('GET', '/api/v1/quotes/MSFT');
    expect(fake.count('/stock/metric', 'MSFT')).toBe(1);
    fake.clear('/stock/metric');
  });

  it('shows the US market status from Finnhub, refreshed on a schedule rather than per request', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const first = await client.request('GET', '/api/v1/market/status');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      exchange: 'US',
      state: 'pre-market',
      holiday: null,
      timezone: 'America/New_York',
      description: 'US market: pre-market',
    });
    expect(Date.parse(first.json().updatedAt)).not.toBeNaN();
    for (let i = 0; i < 3; i++) await client.request('GET', '/api/v1/market/status');
    expect(fake.count('/stock/market-status')).toBe(1);
  });

  it('says a symbol needs a paid plan when Finnhub answers 403', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const response = await client.request('POST', '/api/v1/watchlist', { symbol: 'VOD.L' });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('data_plan_required');
  });

  it('answers 503 provider_unavailable, never leaking the key or the upstream URL, when Finnhub fails', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (const override of [{ status: 500, body: 'upstream exploded' }, 'hang'] as const) {
      fake.override('/quote', override);
      const response = await client.request('POST', '/api/v1/watchlist', { symbol: 'NFLX' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('provider_unavailable');
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.body).not.toContain(fake.apiKey);
      expect(response.body).not.toContain('127.0.0.1');
      expect(response.body).not.toMatch(/finnhub\.io|token=/i);
      fake.clear('/quote');
    }
    expect(t.logs.join('\n')).not.toContain(fake.apiKey);
    expect((await client.request('GET', '/api/v1/watchlist')).json().items).toEqual([]);
  });

  it('serves a fresh quote from the hub: repeated requests by many users cost one upstream call', async () => {
    fake.setQuote('IBM', { c: 219.61, d: 1, dp: 0.46, h: 220, l: 218, o: 218.5, pc: 218.61, t: 1700000000 });
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = new TestClient(t.app);
        await client.register();
        return client;
      }),
    );
    for (let round = 0; round < 3; round++) {
      for (const client of clients) {
        const response = await client.request('GET', '/api/v1/quotes/IBM');
        expect(response.json().price).toBe(219.61);
      }
    }
    expect(fake.count('/quote', 'IBM')).toBe(1);
  });

  it('streams trades for watched symbols over one upstream socket: cost depends on symbols, not users', async () => {
    fake.setQuote('AMD', { c: 158.3, d: 1, dp: 0.6, h: 159, l: 157, o: 157.5, pc: 157.3, t: 1700000000 });
    const clients = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const client = new TestClient(t.app);
        await client.register();
        await client.request('POST', '/api/v1/watchlist', { symbol: 'AMD' });
        return client;
      }),
    );
    const baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const streams = await Promise.all(
      clients.map((c) => StreamClient.connect(baseUrl, { cookie: c.cookie ?? '' })),
    );
    for (const stream of streams) await stream.next((f) => f.type === 'status');
    // Symbols on earlier tests' watchlists (AAPL) are wanted too, with no browser open.
    await expect.poll(() => fake.streamSubscriptions()).toContain('AMD');
    expect(fake.openStreams()).toBe(1);
    const restCalls = fake.count('/quote', 'AMD');

    fake.trade('AMD', 160.125);
    for (const stream of streams) {
      const frame = await stream.next(
        (f) => f.type === 'quotes' && (f.quotes ?? []).some((q) => q.price === 160.125),
      );
      expect(frame.quotes?.find((q) => q.symbol === 'AMD')).toMatchObject({
        price: 160.125,
        previousClose: 157.3,
      });
    }
    expect(fake.count('/quote', 'AMD')).toBe(restCalls);
    await Promise.all(streams.map((s) => s.close()));
    // Still on three watchlists; unsubscribed once the last one lets it go.
    expect(fake.streamSubscriptions()).toContain('AMD');
    for (const client of clients) await client.request('DELETE', '/api/v1/watchlist/AMD');
    await expect.poll(() => fake.streamSubscriptions()).not.toContain('AMD');
  });

  it('keeps full price precision end to end: API, database, and back after a restart', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const added = await client.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' });
    expect(added.json().item.quote.price).toBe(415.123456);
    await t.app.close();

    const rows = await t.database.db.execute(
      sql`select price::text as price, previous_close::text as pc from last_quotes where symbol = 'MSFT'`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([
      { price: '415.123456', pc: '416.323456' },
    ]);

    // A new app on the same database shows the stored price at once, even with Finnhub down.
    fake.override('/quote', { status: 500, body: 'down' });
    const restarted = await startTestApp({ database: t.database, env: finnhubEnv() });
    t.app = restarted.app;
    const again = new TestClient(restarted.app);
    again.cookie = client.cookie;
    const items = (await again.request('GET', '/api/v1/watchlist')).json().items;
    expect(items[0].quote).toMatchObject({ symbol: 'MSFT', price: 415.123456, previousClose: 416.323456 });
  });
});
