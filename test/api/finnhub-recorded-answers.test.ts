import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { ProviderError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { FinnhubProvider } from '../../src/market/providers/finnhub/finnhub-provider.js';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub, type FakeQuote, recorded } from '../support/fake-finnhub.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PARTIAL_ZERO_QUOTE = recorded('quote-partial-zeros.json') as FakeQuote;
const SGOV_ANSWERED_AS_IBHJ = recorded('profile-sgov-answered-as-ibhj.json') as Record<string, unknown>;

/** Every price in an answer or frame: none may be 0, NaN (null in JSON) or missing. */
function pricesIn(quotes: Array<{ price: unknown }>): unknown[] {
  return quotes.map((quote) => quote.price);
}

describe.each(testDatabaseKinds())('answers Finnhub really gave, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      database: kind,
      env: { ...fake.appEnv() },
    });
    client = new TestClient(t.app);
    await client.register();
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });
  const registered = async () => {
    const user = new TestClient(t.app);
    await user.register();
    return user;
  };
  afterEach(() => {
    fake.profiles.delete('SGOV');
    fake.profiles.delete('IBHJ');
    fake.noAccessStatus = 403;
  });

  it('does not show (nor keep) a profile answered for another ticker as the one asked for', async () => {
    fake.profiles.set('SGOV', SGOV_ANSWERED_AS_IBHJ);
    const response = await client.request('GET', '/api/v1/quotes/SGOV/profile');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ symbol: 'SGOV', name: null, exchange: null, ipo: null });
  });

  it('takes "N/A" and empty strings as no value', async () => {
    fake.profiles.set('IBHJ', SGOV_ANSWERED_AS_IBHJ);
    const profile = (await client.request('GET', '/api/v1/quotes/IBHJ/profile')).json();
    expect(profile).toEqual({
      symbol: 'IBHJ',
      name: 'iShares iBonds 2030 Term High Yield and Income ETF',
      exchange: 'BATS EXCHANGE',
      currency: null,
      industry: null,
      country: 'US',
      website: null,
      ipo: '2023-06-23',
      logoUrl: null,
    });
  });

  it('prices a listing in its market’s currency, or in none it can tell: never in guessed US dollars', async () => {
    const quote = { c: 72.18, d: 0.5, dp: 0.7, h: 72.5, l: 71.4, o: 71.6, pc: 71.68, t: 1700000000 };
    for (const symbol of ['AFLT.ME', 'ABC.XX', 'DEF.XX']) fake.setQuote(symbol, quote);
    fake.profiles.set('DEF.XX', { name: 'Def Holdings', ticker: 'DEF.XX', currency: 'EUR' });
    const currencyOf = async (symbol: string) =>
      (await client.request('POST', '/api/v1/watchlist', { symbol })).json().item.currency;
    expect(await currencyOf('AFLT.ME')).toBe('RUB');
    expect(await currencyOf('ABC.XX')).toBeNull();
    expect(await currencyOf('DEF.XX')).toBe('EUR');
    expect((await client.request('GET', '/api/v1/quotes/AFLT.ME')).json().currency).toBe('RUB');
    expect((await client.request('GET', '/api/v1/quotes/ABC.XX')).json().currency).toBeNull();
  });

  it('answers an unknown symbol (zeros, in both recorded shapes) and an unsupported one as unknown, never at 0', async () => {
    // Each test its own user: one user's share of the calls a minute is small.
    const client = await registered();
    for (const [symbol, answer] of [
      ['ZZZA', 'quote-unknown-symbol.json'],
      ['ZZZB', 'quote-unknown-symbol-2021.json'],
    ] as const) {
      fake.unknownQuoteAnswer = recorded(answer);
      const quoted = await client.request('GET', `/api/v1/quotes/${symbol}`);
      expect(quoted.statusCode).toBe(404);
      expect(quoted.json().error.code).toBe('unknown_symbol');
      const added = await client.request('POST', '/api/v1/watchlist', { symbol });
      expect(added.statusCode).toBe(404);
    }
    fake.unsupportedSymbols.add('RY.TO');
    const unsupported = await client.request('GET', '/api/v1/quotes/RY.TO');
    expect(unsupported.statusCode).toBe(404);
    expect(unsupported.json().error.code).toBe('unknown_symbol');
    const watchlist = (await client.request('GET', '/api/v1/watchlist')).json();
    expect(JSON.stringify(watchlist)).not.toMatch(/ZZZA|ZZZB|RY\.TO/);
  });

  it('tells "no access" as a plan restriction whether it comes as 403 or as 401, never as a refused key', async () => {
    // Each test its own user: one user's share of the calls a minute is small.
    const client = await registered();
    fake.premiumSymbols.add('BP.L');
    const forbidden = await client.request('GET', '/api/v1/quotes/VOD.L');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('data_plan_required');
    fake.noAccessStatus = 401;
    const unauthorized = await client.request('GET', '/api/v1/quotes/BP.L');
    expect(unauthorized.statusCode).toBe(403);
    expect(unauthorized.json().error.code).toBe('data_plan_required');
    // The key still works for what the plan includes.
    expect((await client.request('GET', '/api/v1/quotes/MSFT')).statusCode).toBe(200);
  });

  it('shows a metric map’s numbers, not its dates, and no figures answered for another symbol', async () => {
    // Each test its own user: one user's share of the calls a minute is small.
    const client = await registered();
    fake.metricAnswers.set('AAPL', recorded('metric-with-dates.json'));
    // The map names AAPL; asked for MSFT it is another symbol's (as BVDRF was answered for MBWS.PA).
    fake.metricAnswers.set('MSFT', recorded('metric-with-dates.json'));
    const apple = (await client.request('GET', '/api/v1/quotes/AAPL')).json();
    expect(apple).toMatchObject({ week52High: 5.5699, week52Low: 3.0699, marketCap: 189_345_000 });
    const microsoft = await client.request('GET', '/api/v1/quotes/MSFT');
    expect(microsoft.statusCode).toBe(200);
    expect(microsoft.json()).toMatchObject({
      price: 415.123456,
      week52High: null,
      week52Low: null,
      marketCap: null,
    });
  });

  it('never offers a search match it could not take (a symbol with &), nor asks for a symbol without its &', async () => {
    // Each test its own user: one user's share of the calls a minute is small.
    const client = await registered();
    fake.searchEntries.push(
      recorded('stock-symbol-with-ampersand.json') as {
        description: string;
        displaySymbol: string;
        symbol: string;
      },
    );
    const search = await client.request('GET', '/api/v1/symbols/search?q=COX');
    expect(search.statusCode).toBe(200);
    expect(search.json().results).toEqual([]);
    // Made-up quotes: Macy's (M) and M&M.NS must never be mistaken for each other.
    fake.setQuote('M', { c: 24.8, d: 0.1, dp: 0.4, h: 25, l: 24.5, o: 24.6, pc: 24.7, t: 1646400000 });
    for (const path of ['/api/v1/quotes/M%26M.NS', '/api/v1/quotes/M&M.NS']) {
      const quoted = await client.request('GET', path);
      expect(quoted.statusCode).toBe(400);
      expect(quoted.json().error.code).toBe('invalid_symbol');
    }
    const added = await client.request('POST', '/api/v1/watchlist', { symbol: 'M&M.NS' });
    expect(added.statusCode).toBe(400);
    expect(fake.count('/quote', 'M')).toBe(0);
  });
});

describe.each(testDatabaseKinds())('a quote without a previous close, streamed, on %s', (kind) => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  /** A user streaming TSLA, whose /quote answers Finnhub's partial zeros, and another user. */
  async function streamingPartialZeros(restPerMinute: number) {
    const fake = new FakeFinnhub();
    await fake.start();
    fake.setQuote('TSLA', PARTIAL_ZERO_QUOTE);
    const t = await startTestApp({
      database: kind,
      listen: true,
      env: {
        ...fake.appEnv(),
        FINNHUB_REST_PER_MINUTE: String(restPerMinute),
        STREAM_INTERVAL_MS: '50',
      },
    });
    const streaming = new TestClient(t.app);
    await streaming.register();
    expect((await streaming.request('POST', '/api/v1/watchlist', { symbol: 'TSLA' })).statusCode).toBe(201);
    const stream = await StreamClient.connect(t.baseUrl, { cookie: streaming.cookie ?? '' });
    stops.push(async () => {
      await stream.close();
      await t.close();
      await fake.stop();
    });
    await expect.poll(() => fake.streamSubscriptions()).toEqual(['TSLA']);
    const other = new TestClient(t.app);
    await other.register();
    return { fake, stream, other };
  }

  async function trade(fake: FakeFinnhub, stream: StreamClient, count: number) {
    for (let i = 0; i < count; i++) {
      fake.trade('TSLA', 518 + i / 100);
      await sleep(10);
    }
    await stream.next((f) => (f.quotes ?? []).some((q) => q.price === 518 + (count - 1) / 100));
  }

  it('refreshes it in the background at most once in a while, however many trades come', async () => {
    const { fake, stream, other } = await streamingPartialZeros(55);
    await trade(fake, stream, 60);
    await sleep(200);
    // The add's own call, and at most one background refresh since.
    expect(fake.count('/quote', 'TSLA')).toBeLessThanOrEqual(2);
    const added = await other.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' });
    expect(added.statusCode).toBe(201);
  });

  it('never spends the interactive reserve on those refreshes', async () => {
    // 12 a minute keeps 10 for people: the add's quote, search and metrics leave 9, so no refresh.
    const { fake, stream, other } = await streamingPartialZeros(12);
    await trade(fake, stream, 20);
    await sleep(200);
    expect(fake.count('/quote', 'TSLA')).toBe(1);
    const quoted = await other.request('GET', '/api/v1/quotes/MSFT');
    expect(quoted.statusCode).toBe(200);
  });
});

describe.each(testDatabaseKinds())('a refused key, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      database: kind,
      listen: true,
      env: {
        FINNHUB_API_KEY: 'a-key-finnhub-refuses',
        FINNHUB_API_URL: fake.url,
        FINNHUB_WS_URL: fake.wsUrl,
        FINNHUB_WS_RECONNECT_MIN_MS: '50',
        FINNHUB_WS_RECONNECT_MAX_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('is said for what it is: in the stream’s status, in /readyz and to a user’s request', async () => {
    const client = new TestClient(t.app);
    await client.register();
    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    try {
      await stream.next((f) => f.type === 'status' && f.feed === 'unauthorized');
    } finally {
      await stream.close();
    }
    const ready = await client.request('GET', '/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatchObject({ code: 'not_ready' });
    expect(ready.json().error.message).toMatch(/refused the API key/);
    const added = await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
    expect(added.statusCode).toBe(503);
    expect(added.json().error.code).toBe('provider_key_refused');
    expect(added.body).not.toContain('a-key-finnhub-refuses');
  });
});

describe.each(testDatabaseKinds())('bars from REST quotes, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      database: kind,
      flushMs: 50,
      env: { ...fake.appEnv() },
    });
    client = new TestClient(t.app);
    await client.register();
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  /** The latest `weekday` (0 = Sunday) at `hour` UTC before now. */
  const latest = (weekday: number, hour: number) => {
    let day = Math.floor(Date.now() / DAY) * DAY;
    while (new Date(day).getUTCDay() !== weekday || day + hour * HOUR > Date.now()) day -= DAY;
    return day + hour * HOUR;
  };
  const dailyBars = async (symbol: string) =>
    (await client.request('GET', `/api/v1/quotes/${symbol}/history?range=1m`)).json().bars as Array<{
      t: number;
    }>;

  it('come only from quotes stamped inside a trading session: a Sunday stamp is no trade', async () => {
    const sunday = latest(0, 20);
    const tuesday = latest(2, 15);
    const quote = { c: 20.5, d: 0.1, dp: 0.5, h: 20.6, l: 20.1, o: 20.2, pc: 20.4 };
    fake.setQuote('SUNQ', { ...quote, t: sunday / 1000 });
    fake.setQuote('TUEQ', { ...quote, t: tuesday / 1000 });
    for (const symbol of ['SUNQ', 'TUEQ']) {
      expect((await client.request('POST', '/api/v1/watchlist', { symbol })).statusCode).toBe(201);
    }
    const dayOf = (time: number) => Math.floor(time / DAY) * (DAY / 1000);
    await expect.poll(async () => (await dailyBars('TUEQ')).map((bar) => bar.t)).toEqual([dayOf(tuesday)]);
    expect(await dailyBars('SUNQ')).toEqual([]);
  });
});

describe.each(testDatabaseKinds())('each user’s fair share of upstream calls, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({
      database: kind,
      env: {
        ...fake.appEnv(),
        // A quarter of it, 10 calls a minute, is one user's share.
        FINNHUB_REST_PER_MINUTE: '40',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('keeps one user from spending the shared budget: they get 429, others keep theirs', async () => {
    const greedy = new TestClient(t.app);
    await greedy.register();
    const other = new TestClient(t.app);
    await other.register();
    const searches = await Promise.all(
      Array.from({ length: 45 }, (_, i) => greedy.request('GET', `/api/v1/symbols/search?q=greedy${i}`)),
    );
    const statuses = searches.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    const refused = searches.find((response) => response.statusCode === 429);
    expect(refused?.json().error.code).toBe('rate_limited');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.path === '/search' && r.query.q?.startsWith('GREEDY'))).toHaveLength(
      10,
    );

    expect((await other.request('GET', '/api/v1/symbols/search?q=micro')).statusCode).toBe(200);
    expect((await other.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' })).statusCode).toBe(201);
    expect((await other.request('GET', '/api/v1/quotes/AAPL')).statusCode).toBe(200);
  }, 30_000);
});

describe.each(testDatabaseKinds())('a 429 with a plain-text body, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({ database: kind, env: { ...fake.appEnv() } });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('is "try again later", not a 500 nor an unreadable answer', async () => {
    const client = new TestClient(t.app);
    await client.register();
    fake.rateLimitAnswer = 'plain-text';
    fake.perMinuteLimit = 0;
    const quoted = await client.request('GET', '/api/v1/quotes/MSFT');
    expect(quoted.statusCode).toBe(503);
    expect(quoted.json().error.code).toBe('provider_unavailable');
    expect(Number(quoted.headers['retry-after'])).toBe(60);
  });
});

describe('odd answers, at the Finnhub source itself', () => {
  const fake = new FakeFinnhub();
  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  const source = () =>
    new FinnhubProvider({
      apiUrl: fake.url,
      apiKey: fake.apiKey,
      timeoutMs: 2000,
      budget: new RestBudget(systemClock, 55),
      clock: systemClock,
      logger: createLogger('silent'),
      maxBudgetWaitMs: 100,
    });

  it('reads a plain-text 429 as rate limited', async () => {
    fake.rateLimitAnswer = 'plain-text';
    fake.perMinuteLimit = 0;
    try {
      const refused = await source()
        .getQuote({ symbol: 'AAPL' })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ProviderError);
      expect((refused as ProviderError).reason).toBe('rate_limited');
    } finally {
      fake.perMinuteLimit = Number.POSITIVE_INFINITY;
    }
  });

  it('has no history where Finnhub answers no_data, and "no access" to candles as a plan restriction', async () => {
    fake.candleAccess = true;
    const finnhub = source();
    expect(await finnhub.dailyHistory({ symbol: 'AAPL', from: Date.now() - 30 * DAY })).toBeNull();
    expect(await finnhub.intradayHistory({ symbol: 'AAPL' })).toBeNull();
    expect(await finnhub.history({ symbol: 'AAPL' })).toEqual({ daily: [], minute: [] });
    // 1-minute candles are minute bars (made-up values in Finnhub's shape).
    const minute = Math.floor(Date.now() / 60_000) * 60;
    fake.minuteCandles.set('AAPL', {
      t: [minute - 60],
      o: [261],
      h: [261.5],
      l: [260.9],
      c: [261.2],
      v: [1200],
    });
    expect(await finnhub.intradayHistory({ symbol: 'AAPL' })).toEqual([
      { time: (minute - 60) * 1000, open: 261, high: 261.5, low: 260.9, close: 261.2, volume: 1200 },
    ]);
    fake.candleAccess = false;
    for (const status of [403, 401] as const) {
      fake.noAccessStatus = status;
      const refused = await finnhub
        .dailyHistory({ symbol: 'AAPL', from: 0 })
        .catch((error: unknown) => error);
      expect((refused as ProviderError).reason).toBe('plan_required');
    }
    fake.noAccessStatus = 403;
  });

  it('gives no figures answered for another symbol', async () => {
    fake.metricAnswers.set('BVDRF', recorded('metric-for-another-symbol.json'));
    fake.metricAnswers.set('MSFT', recorded('metric-with-dates.json'));
    expect(await source().keyMetrics({ symbol: 'BVDRF' })).toBeNull();
    expect(await source().keyMetrics({ symbol: 'MSFT' })).toBeNull();
  });

  it('asks for a symbol with & as it is written: M&M.NS is not M', async () => {
    fake.setQuote('M', { c: 24.8, d: 0.1, dp: 0.4, h: 25, l: 24.5, o: 24.6, pc: 24.7, t: 1646400000 });
    fake.setQuote('M&M.NS', {
      c: 1450.5,
      d: 5,
      dp: 0.35,
      h: 1460,
      l: 1440,
      o: 1445,
      pc: 1445.5,
      t: 1646400000,
    });
    expect(await source().getQuote({ symbol: 'M&M.NS' })).toMatchObject({ symbol: 'M&M.NS', price: 1450.5 });
    expect(fake.requests.at(-1)?.query).toEqual({ symbol: 'M&M.NS' });
  });

  it('says where its quotes come from and how late they are', async () => {
    const finnhub = source();
    expect(await finnhub.getQuote({ symbol: 'AAPL' })).toMatchObject({ source: 'finnhub', delayMinutes: 0 });
    expect(finnhub.serves('live_trades', 'AAPL')).toBe(true);
    expect(finnhub.serves('live_trades', 'BINANCE:BTCUSDT')).toBe(true);
    expect(finnhub.serves('live_trades', 'OANDA:EUR_USD')).toBe(true);
    expect(finnhub.serves('live_trades', 'VOD.L')).toBe(false);
    expect(finnhub.serves('quotes', 'VOD.L')).toBe(true);
    expect(finnhub.serves('daily_history', 'BINANCE:BTCUSDT')).toBe(false);
    expect(finnhub.delay()).toBe(0);
    expect(finnhub.limits.requestsPerMinute).toBeNull();
  });
});

describe.each(testDatabaseKinds())('trade frames as Finnhub sent them, streamed, on %s', (kind) => {
  const fake = new FakeFinnhub();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    // Made up, so BINANCE:BTCUSDT can be added before its recorded trade arrives.
    fake.setQuote('BINANCE:BTCUSDT', {
      c: 7290,
      d: 10,
      dp: 0.14,
      h: 7300,
      l: 7250,
      o: 7280,
      pc: 7280,
      t: 1575500000,
    });
    t = await startTestApp({
      database: kind,
      listen: true,
      env: { ...fake.appEnv(), STREAM_INTERVAL_MS: '50' },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('takes trades with "c": null, without c, and several symbols in one frame, at their prices', async () => {
    const client = new TestClient(t.app);
    await client.register();
    for (const symbol of ['AAPL', 'BINANCE:BTCUSDT']) {
      expect((await client.request('POST', '/api/v1/watchlist', { symbol })).statusCode).toBe(201);
    }
    const stream = await StreamClient.connect(t.baseUrl, { cookie: client.cookie ?? '' });
    try {
      await expect.poll(() => fake.streamSubscriptions()).toEqual(['AAPL', 'BINANCE:BTCUSDT']);
      fake.replay(recorded('trade-condition-null.json'));
      await stream.next((f) =>
        (f.quotes ?? []).some((q) => q.symbol === 'BINANCE:BTCUSDT' && q.price === 7296.89),
      );
      fake.replay(recorded('trade-without-condition.json'));
      await stream.next((f) => (f.quotes ?? []).some((q) => q.symbol === 'AAPL' && q.price === 274.7));
      fake.replay(recorded('trades-several-symbols.json'));
      await stream.next((f) => (f.quotes ?? []).some((q) => q.symbol === 'AAPL' && q.price === 146.76));
      fake.replay(recorded('trades-empty-condition.json'));
      await sleep(200);
      const streamed = stream.frames.flatMap((f) => (f.type === 'quotes' ? (f.quotes ?? []) : []));
      for (const price of pricesIn(streamed)) {
        expect(typeof price).toBe('number');
        expect(price as number).toBeGreaterThan(0);
      }
      // "A" (Agilent) traded in the same frame; nobody watches it, so nobody is sent it.
      expect(streamed.some((q) => q.symbol === 'A')).toBe(false);
      expect((await client.request('GET', '/api/v1/quotes/AAPL')).json().price).toBe(146.76);
    } finally {
      await stream.close();
    }
  });
});
