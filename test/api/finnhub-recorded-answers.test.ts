import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

import { testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { PARTIAL_ZERO_QUOTE, SGOV_ANSWERED_AS_IBHJ } from '../support/finnhub-fixtures/recorded-answers.js';
import { StreamClient } from '../support/stream-client.js';
import { startTestApp, type TestApp, TestClient } from '../support/test-app.js';

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
  afterEach(() => {
    fake.profiles.delete('SGOV');
    fake.profiles.delete('IBHJ');
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
