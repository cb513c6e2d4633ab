import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/db/batch-writer.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { BarAggregator } from '../../src/history/bar-aggregator.js';
import type { PartialBar } from '../../src/history/bars.js';
import { loadBars, mergeBars, replaceBars } from '../../src/history/history.repository.js';
import { HistoryService } from '../../src/history/history.service.js';
import { HistoryBackfill } from '../../src/history/history-backfill.js';
import { createLogger } from '../../src/logger.js';
import { DAY_MS, MINUTE_MS, utcDayStart } from '../../src/market/kernel/periods.js';
import { FinnhubProvider } from '../../src/market/providers/finnhub/finnhub-provider.js';
import { RestBudget } from '../../src/market/providers/rest-budget.js';
import { SimulatedMarket } from '../../src/market/providers/simulated/simulated-market.js';
import type { HistoryBar } from '../../web/src/api.js';
import { openTestDatabase, testDatabaseKinds } from '../support/database.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { ScriptedFeed } from '../support/scripted-feed.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silent = createLogger('silent');

type ApiBar = HistoryBar;

function expectWellFormed(bars: ApiBar[]) {
  for (const [i, bar] of bars.entries()) {
    expect(bar.l).toBeLessThanOrEqual(Math.min(bar.o, bar.c));
    expect(bar.h).toBeGreaterThanOrEqual(Math.max(bar.o, bar.c));
    expect(bar.v).toBeGreaterThanOrEqual(0);
    if (i > 0) expect(bar.t).toBeGreaterThan(bars[i - 1]?.t ?? 0);
  }
}

describe.each(testDatabaseKinds())('price history on %s', (kind) => {
  describe('bars in the database', () => {
    let database: DatabaseHandle;
    beforeEach(async () => {
      database = await openTestDatabase(kind);
    });
    afterEach(async () => {
      await database.close();
    });

    const at = (iso: string) => Date.parse(iso);

    it('merges flushes into stored bars: a late tick lands in its minute and day, volumes add up', async () => {
      const bars = new BarAggregator();
      bars.add('AAPL', 100, at('2026-01-05T15:00:10Z'), 10);
      bars.add('AAPL', 101, at('2026-01-05T15:01:10Z'), 10);
      await mergeBars(database.db, bars.take());
      // The next flush brings a tick that happened before everything stored, and a newer one.
      bars.add('AAPL', 98, at('2026-01-05T15:00:01Z'), 5);
      bars.add('AAPL', 104, at('2026-01-05T15:01:50Z'), 1);
      await mergeBars(database.db, bars.take());

      const minutes = await loadBars(database.db, 'AAPL', '1m', at('2026-01-05T00:00:00Z'));
      expect(minutes).toEqual([
        { time: at('2026-01-05T15:00:00Z'), open: 98, high: 100, low: 98, close: 100, volume: 15 },
        { time: at('2026-01-05T15:01:00Z'), open: 101, high: 104, low: 101, close: 104, volume: 11 },
      ]);
      const [day] = await loadBars(database.db, 'AAPL', '1d', at('2026-01-05T00:00:00Z'));
      // The daily bar is the roll-up of its minutes.
      expect(day).toEqual({
        time: at('2026-01-05T00:00:00Z'),
        open: 98,
        high: 104,
        low: 98,
        close: 104,
        volume: 26,
      });
    });

    it('writes a failed flush again with the next one: nothing lost, nothing counted twice', async () => {
      const bars = new BarAggregator();
      let failNext = true;
      const writer = new BatchWriter<PartialBar>({
        what: 'price bars',
        source: bars,
        write: async (items) => {
          if (failNext) {
            failNext = false;
            throw new Error('connection reset');
          }
          await mergeBars(database.db, items);
        },
        logger: silent,
        intervalMs: 60_000,
      });
      bars.add('MSFT', 400, at('2026-01-05T15:00:10Z'), 3);
      await writer.flush();
      expect(await loadBars(database.db, 'MSFT', '1m', 0)).toEqual([]);
      bars.add('MSFT', 401, at('2026-01-05T15:00:20Z'), 4);
      await writer.flush();
      expect(await loadBars(database.db, 'MSFT', '1m', 0)).toEqual([
        { time: at('2026-01-05T15:00:00Z'), open: 400, high: 401, low: 400, close: 401, volume: 7 },
      ]);
    });

    it('keeps 1-minute bars 30 days and daily bars for good', async () => {
      const clock = new ManualClock(at('2026-03-01T12:00:00Z'));
      const bar = (time: number) => ({ time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
      await replaceBars(database.db, 'AAPL', '1m', [
        bar(at('2026-01-30T12:00:00Z')),
        bar(at('2026-01-30T12:01:00Z')),
      ]);
      await replaceBars(database.db, 'AAPL', '1d', [bar(at('2025-01-30T00:00:00Z'))]);
      const service = new HistoryService(
        database.db,
        new HistoryBackfill(database.db, new SimulatedMarket(1, clock), clock, silent),
        clock,
      );
      expect(await service.pruneMinuteBars()).toBe(0);
      clock.advance(DAY_MS);
      expect(await service.pruneMinuteBars()).toBe(2);
      expect(await loadBars(database.db, 'AAPL', '1m', 0)).toEqual([]);
      expect(await loadBars(database.db, 'AAPL', '1d', 0)).toHaveLength(1);
    });
  });

  describe('on the simulated market', () => {
    let t: TestApp;
    let client: TestClient;
    const clock = new ManualClock(Date.parse('2026-01-07T15:00:30Z'));
    beforeAll(async () => {
      t = await startTestApp({ database: kind, clock, flushMs: 50 });
      client = new TestClient(t.app);
      await client.register();
      expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' })).statusCode).toBe(201);
    });
    afterAll(async () => {
      await t.close();
    });

    const history = async (range: string, symbol = 'AAPL') => {
      const response = await client.request(
        'GET',
        `/api/v1/quotes/${encodeURIComponent(symbol)}/history?range=${range}`,
      );
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { symbol: string; range: string; resolution: string; bars: ApiBar[] };
    };

    it('gives a newly watched symbol a year of daily bars that ends at its previous close', async () => {
      const year = await history('1y');
      expect(year).toMatchObject({ symbol: 'AAPL', range: '1y', resolution: '1d' });
      expect(year.bars.length).toBeGreaterThanOrEqual(360);
      expectWellFormed(year.bars);
      const today = utcDayStart(clock.now()) / 1000;
      const quote = (await client.request('GET', '/api/v1/quotes/AAPL')).json();
      const yesterday = year.bars.find((bar) => bar.t === today - DAY_MS / 1000);
      expect(yesterday?.c).toBe(quote.previousClose);
      expect(year.bars.at(-1)?.t).toBe(today);
      expect(year.bars.at(-1)?.o).toBe(quote.open);
    });

    it('answers each range with a resolution that fits it', async () => {
      const today = utcDayStart(clock.now()) / 1000;
      const day = await history('1d');
      expect(day.resolution).toBe('1m');
      expect(day.bars[0]?.t).toBe(today);
      // 15:00 UTC: fifteen hours of generated minutes, then the live ones.
      expect(day.bars.length).toBeGreaterThanOrEqual(15 * 60);
      expect(day.bars[1]?.t).toBe(today + 60);
      expectWellFormed(day.bars);

      const fiveDays = await history('5d');
      expect(fiveDays.resolution).toBe('5m');
      expect(fiveDays.bars[0]?.t).toBe(today - (4 * DAY_MS) / 1000);
      expect(fiveDays.bars[1]?.t).toBe(today - (4 * DAY_MS) / 1000 + 300);
      expectWellFormed(fiveDays.bars);

      const month = await history('1m');
      expect(month.resolution).toBe('1d');
      expect(month.bars.length).toBeGreaterThanOrEqual(30);
      expect(month.bars.length).toBeLessThanOrEqual(32);
      expect((await history('6m')).bars.length).toBeGreaterThanOrEqual(180);

      const fiveYears = await history('5y');
      expect(fiveYears.resolution).toBe('1w');
      expect(fiveYears.bars.length).toBeGreaterThanOrEqual(52);
      expect(fiveYears.bars.length).toBeLessThanOrEqual(54);
      // Weeks start on Monday (1970-01-05 was one).
      for (const bar of fiveYears.bars) expect(((bar.t - 4 * 86400) / 86400) % 7).toBe(0);
      expectWellFormed(fiveYears.bars);
    });

    it('records live ticks into today’s bars', async () => {
      clock.advance(2 * MINUTE_MS);
      const quote = (await client.request('GET', '/api/v1/quotes/AAPL')).json();
      await sleep(1500);
      const day = await history('1d');
      const minuteNow = Math.floor(clock.now() / MINUTE_MS) * 60;
      expect(day.bars.at(-1)?.t).toBe(minuteNow);
      expect(day.bars.at(-1)?.v).toBeGreaterThan(0);
      expect(quote.price).toBeGreaterThan(0);
    });

    it('gives the watchlist its sparklines in one request: the latest day in 15-minute closes', async () => {
      expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' })).statusCode).toBe(201);
      const response = await client.request('GET', '/api/v1/watchlist/sparklines');
      expect(response.statusCode).toBe(200);
      const { sparklines } = response.json() as { sparklines: Record<string, number[]> };
      expect(Object.keys(sparklines).sort()).toEqual(['AAPL', 'MSFT']);
      // 15:02 UTC: sixty-one quarter hours so far today.
      expect(sparklines.AAPL).toHaveLength(61);
      expect(sparklines.MSFT).toHaveLength(61);
      // The last point is the day's latest close; the simulated market keeps ticking, so the two are
      // read again until no tick fell between them.
      await expect
        .poll(async () => {
          const again = (await client.request('GET', '/api/v1/watchlist/sparklines')).json() as {
            sparklines: Record<string, number[]>;
          };
          const day = await history('1d');
          return again.sparklines.AAPL?.at(-1) === day.bars.at(-1)?.c;
        })
        .toBe(true);
      const anonymous = await new TestClient(t.app).request('GET', '/api/v1/watchlist/sparklines');
      expect(anonymous.statusCode).toBe(401);
    });

    it('refuses bad requests with clear errors', async () => {
      const get = (url: string, as = client) => as.request('GET', url);
      const missing = await get('/api/v1/quotes/AAPL/history');
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.code).toBe('validation_error');
      const wrong = await get('/api/v1/quotes/AAPL/history?range=2w');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.fields.range).toEqual(['range must be one of 1d, 5d, 1m, 6m, 1y, 5y.']);
      expect((await get('/api/v1/quotes/%20%24%24/history?range=1d')).json().error.code).toBe(
        'invalid_symbol',
      );
      const unknown = await get('/api/v1/quotes/NOPE/history?range=1d');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('unknown_symbol');
      const anonymous = await get('/api/v1/quotes/AAPL/history?range=1d', new TestClient(t.app));
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('backfill from Finnhub candles', () => {
    let fake: FakeFinnhub;
    let t: TestApp | undefined;
    beforeEach(async () => {
      fake = new FakeFinnhub();
      await fake.start();
      // The fake's quotes, stamped now: a quote from years ago would open a bar back then.
      const nowSeconds = Math.floor(Date.now() / 1000);
      for (const [symbol, quote] of fake.quotes) fake.setQuote(symbol, { ...quote, t: nowSeconds });
      const today = utcDayStart(Date.now()) / 1000;
      const days = [3, 2, 1, 0].map((back) => today - back * 86400);
      fake.candles.set('AAPL', {
        t: days,
        o: [250, 252, 255, 999],
        h: [253, 256, 260, 999],
        l: [249, 251, 254, 999],
        c: [252, 255, 259.45, 999],
        v: [1e6, 2e6, 3e6, 999],
      });
    });
    afterEach(async () => {
      await t?.close();
      t = undefined;
      await fake.stop();
    });

    const start = async () => {
      t = await startTestApp({
        database: kind,
        env: { ...fake.appEnv() },
      });
      const client = new TestClient(t.app);
      await client.register();
      return client;
    };
    const candleCalls = () => fake.requests.filter((r) => r.path === '/stock/candle').length;

    it('loads daily history once for a newly watched symbol when the key has access', async () => {
      fake.candleAccess = true;
      const client = await start();
      await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
      // Adding the symbol is enough: its past is asked for before anyone opens a chart (daily
      // candles, and minute candles for the last days).
      await expect.poll(candleCalls).toBe(2);
      const month = (await client.request('GET', '/api/v1/quotes/AAPL/history?range=1m')).json();
      const today = utcDayStart(Date.now()) / 1000;
      const past = month.bars.filter((bar: ApiBar) => bar.t < today);
      expect(past).toEqual([
        { t: today - 3 * 86400, o: 250, h: 253, l: 249, c: 252, v: 1e6 },
        { t: today - 2 * 86400, o: 252, h: 256, l: 251, c: 255, v: 2e6 },
        { t: today - 86400, o: 255, h: 260, l: 254, c: 259.45, v: 3e6 },
      ]);
      // Today's candle is still moving: today's bar comes from the app's own prices, not from it.
      expect(month.bars.find((bar: ApiBar) => bar.t === today)?.o).not.toBe(999);
      expect(month.sources.past).toEqual({ id: 'finnhub', name: 'Finnhub', delay: 'end_of_day' });
      await client.request('GET', '/api/v1/quotes/AAPL/history?range=1y');
      expect(candleCalls()).toBe(2);
      const candles = fake.requests.filter((r) => r.path === '/stock/candle').map((r) => r.query);
      expect(candles.map((query) => [query.symbol, query.resolution]).sort()).toEqual([
        ['AAPL', '1'],
        ['AAPL', 'D'],
      ]);
    });

    it('remembers a plan without candles: one call, no warnings, history from its own prices', async () => {
      const client = await start();
      await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' });
      await client.request('POST', '/api/v1/watchlist', { symbol: 'MSFT' });
      const day = await client.request('GET', '/api/v1/quotes/AAPL/history?range=1d');
      expect(day.statusCode).toBe(200);
      // No past was loaded: every bar is the app's own recording, and the chart says so.
      expect(day.json().sources.past).toBeNull();
      await client.request('GET', '/api/v1/quotes/MSFT/history?range=1y');
      expect(candleCalls()).toBe(1);
      const warnings = (t?.logs ?? []).map((line) => JSON.parse(line)).filter((line) => line.level >= 40);
      expect(warnings).toEqual([]);
    });

    it('shows a symbol the plan does not cover as needing a paid plan', async () => {
      const client = await start();
      const response = await client.request('GET', '/api/v1/quotes/VOD.L/history?range=1d');
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('data_plan_required');
    });
  });
});

describe('Finnhub candles client', () => {
  it('maps daily candles to bars at the start of their UTC day, and no_data to none', async () => {
    const fake = new FakeFinnhub();
    const apiUrl = await fake.start();
    try {
      fake.candleAccess = true;
      fake.candles.set('AAPL', { t: [1767571200 + 3600], o: [1], h: [2], l: [0.5], c: [1.5], v: [100] });
      const clock = new ManualClock();
      const provider = new FinnhubProvider({
        apiUrl,
        apiKey: fake.apiKey,
        timeoutMs: 2000,
        budget: new RestBudget(clock, 55),
        clock,
        logger: silent,
      });
      expect(await provider.history({ symbol: 'AAPL' })).toEqual({
        daily: [{ time: 1767571200 * 1000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 }],
        minute: [],
      });
      expect(await provider.history({ symbol: 'MSFT' })).toEqual({ daily: [], minute: [] });
      // Five years up to the app's clock, not the machine's.
      const [asked] = fake.requests.filter((r) => r.path === '/stock/candle');
      expect(Number(asked?.query.to)).toBe(clock.now() / 1000);
      expect(Number(asked?.query.from)).toBe(clock.now() / 1000 - 5 * 366 * 24 * 60 * 60);
    } finally {
      await fake.stop();
    }
  });
});

describe('clean shutdown', () => {
  it('writes the bars gathered since the last flush before the database closes', async () => {
    const feed = new ScriptedFeed();
    const clock = new ManualClock();
    const t = await startTestApp({
      database: 'pglite',
      clock,
      flushMs: 3_600_000,
      market: { provider: new SimulatedMarket(1, clock), feed },
    });
    feed.trade({ symbol: 'XTEST', price: 250, time: clock.now(), volume: 12 });
    await t.app.close();
    const rows = await t.database.db.execute(
      sql`select resolution, volume from price_bars where symbol = 'XTEST' order by resolution`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([
      { resolution: '1d', volume: 12 },
      { resolution: '1m', volume: 12 },
    ]);
    await t.database.close();
  });
});
