import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/database.js';
import { binanceFixture, FakeBinance, type KlineRow } from '../support/fake-binance.js';
import { FakeFinnhub } from '../support/fake-finnhub.js';
import { FakeYahoo, yahooFixture } from '../support/fake-yahoo.js';
import { StreamClient } from '../support/stream-client.js';
import { ManualClock, startTestApp, type TestApp, TestClient } from '../support/test-app.js';

const DAY_MS = 86_400_000;

type Chart = {
  chart: {
    result: Array<{
      meta: Record<string, unknown>;
      timestamp?: number[];
      indicators: { quote: Array<Record<string, number[]>>; adjclose?: Array<Record<string, number[]>> };
    }>;
  };
};

/**
 * Yahoo's recorded AAPL chart answer with a year of weekdays ending yesterday in place of its one
 * day: the shape and meta are Yahoo's, the bars are generated so that they end where the test's
 * clock is.
 */
function aaplYear(now: number): Chart {
  const chart = structuredClone(yahooFixture('chart-AAPL-1d.json')) as Chart;
  const result = chart.chart.result[0];
  if (!result) throw new Error('the recorded AAPL chart has no result');
  const timestamp: number[] = [];
  const closes: number[] = [];
  for (let day = 366; day >= 1; day--) {
    const start = Math.floor((now - day * DAY_MS) / DAY_MS) * DAY_MS;
    const weekday = new Date(start).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    timestamp.push((start + 14.5 * 3_600_000) / 1000);
    closes.push(180 + timestamp.length / 10);
  }
  result.timestamp = timestamp;
  result.indicators = {
    quote: [
      {
        open: closes.map((c) => c - 1),
        high: closes.map((c) => c + 2),
        low: closes.map((c) => c - 2),
        close: closes,
        volume: closes.map(() => 50_000_000),
      },
    ],
  };
  delete result.indicators.adjclose;
  return chart;
}

/** A recorded Yahoo chart answer as the answer for another symbol. */
function relabelled(fixture: string, symbol: string): Chart {
  const chart = structuredClone(yahooFixture(fixture)) as Chart;
  const result = chart.chart.result[0];
  if (result) result.meta.symbol = symbol;
  return chart;
}

describe.each(testDatabaseKinds())(
  'a free-plan Finnhub user with Yahoo Finance and Binance on (%s)',
  (kind) => {
    let finnhub: FakeFinnhub;
    let yahoo: FakeYahoo;
    let binance: FakeBinance;
    let t: TestApp | undefined;
    const clock = new ManualClock(Date.now());

    beforeEach(async () => {
      finnhub = new FakeFinnhub();
      yahoo = new FakeYahoo();
      binance = new FakeBinance();
      await Promise.all([finnhub.start(), yahoo.start(), binance.start()]);
      // The free plan: no candles (403), no London quotes (403), live US quotes.
      finnhub.candleAccess = false;
      finnhub.setQuote('AAPL', { c: 190, d: 1, dp: 0.53, h: 191, l: 188, o: 189, pc: 189, t: 1700000000 });
      finnhub.setQuote('MSFT', { c: 410, d: 2, dp: 0.49, h: 411, l: 405, o: 408, pc: 408, t: 1700000000 });
      yahoo.setChart('AAPL', '1d', aaplYear(clock.now()));
      // Yahoo's recorded Ocado answer (London, priced in pence) stands for VOD.L.
      yahoo.setChart('VOD.L', '1d', relabelled('chart-OCDO.L-1d.json', 'VOD.L'));
      yahoo.setChart('MSFT', '1d', relabelled('chart-AAPL-1d.json', 'MSFT'));
      binance.list('BTCUSDT', 'BTC', 'USDT');
      // The documentation's recorded kline row, as today's BTCUSDT day so far.
      const [docsRow] = binanceFixture<KlineRow[]>('rest-klines-docs.json');
      const today = Math.floor(clock.now() / DAY_MS) * DAY_MS;
      if (docsRow) {
        binance.setKlines('BTCUSDT', '1d', [
          [
            today,
            '96000.00',
            '97500.00',
            '95800.00',
            '97000.00',
            '1234.5',
            today + DAY_MS - 1,
            ...docsRow.slice(7),
          ],
        ]);
      }
      t = await startTestApp({
        database: kind,
        listen: true,
        clock,
        env: {
          ...finnhub.appEnv(),
          YAHOO_FINANCE: 'on',
          YAHOO_API_URL: yahoo.url,
          BINANCE_STREAM: 'on',
          BINANCE_WS_URL: binance.wsUrl,
          BINANCE_API_URL: binance.url,
          STREAM_INTERVAL_MS: '50',
        },
      });
    });

    afterEach(async () => {
      await t?.close();
      t = undefined;
      await Promise.all([finnhub.stop(), yahoo.stop(), binance.stop()]);
    });

    async function signedIn(): Promise<TestClient> {
      if (!t) throw new Error('no app');
      const client = new TestClient(t.app);
      await client.register();
      return client;
    }

    it('sees a full year of AAPL history from Yahoo Finance, though Finnhub refuses candles', async () => {
      const client = await signedIn();
      expect((await client.request('POST', '/api/v1/watchlist', { symbol: 'AAPL' })).statusCode).toBe(201);
      await expect
        .poll(
          async () =>
            (await client.request('GET', '/api/v1/quotes/AAPL/history?range=1y')).json().bars.length,
          {
            timeout: 10_000,
          },
        )
        .toBeGreaterThan(250);
      const history = (await client.request('GET', '/api/v1/quotes/AAPL/history?range=1y')).json();
      const firstDay = history.bars[0].t * 1000;
      expect(clock.now() - firstDay).toBeGreaterThan(360 * DAY_MS);
      expect(history.bars.every((bar: { c: number }) => Number.isFinite(bar.c) && bar.c > 0)).toBe(true);
      // Finnhub's candles were asked once at most: "no access" is believed for the hour.
      expect(finnhub.requests.filter((r) => r.path === '/stock/candle').length).toBeLessThanOrEqual(2);
    });

    it('prices VOD.L from Yahoo Finance in pounds, marked 20 minutes delayed', async () => {
      const client = await signedIn();
      const added = await client.request('POST', '/api/v1/watchlist', { symbol: 'VOD.L' });
      expect(added.statusCode).toBe(201);
      const quote = (await client.request('GET', '/api/v1/quotes/VOD.L')).json();
      expect(quote).toMatchObject({ symbol: 'VOD.L', currency: 'GBP' });
      expect(quote.price).toBeCloseTo(3.053, 10);
      expect(quote).toMatchObject({ source: 'yahoo', delayMinutes: 20 });
      // Finnhub was asked once, said "no access", and is not asked for London again this hour.
      const londonQuotes = () =>
        finnhub.requests.filter((r) => r.path === '/quote' && r.query.symbol?.endsWith('.L'));
      expect(londonQuotes()).toHaveLength(1);
      clock.advance(60_000);
      expect((await client.request('GET', '/api/v1/quotes/VOD.L')).statusCode).toBe(200);
      expect(londonQuotes()).toHaveLength(1);
    });

    it('streams BINANCE:BTCUSDT live from Binance', async () => {
      const client = await signedIn();
      expect(
        (await client.request('POST', '/api/v1/watchlist', { symbol: 'BINANCE:BTCUSDT' })).statusCode,
      ).toBe(201);
      const stream = await StreamClient.connect(t?.baseUrl ?? '', { cookie: client.cookie ?? '' });
      try {
        // The snapshot and status frames follow the stream's read of the watchlist: a trade before
        // them would reach this client only inside the snapshot.
        await stream.next((f) => f.type === 'status', 5000);
        await expect
          .poll(() => binance.streamSubscriptions(), { timeout: 10_000 })
          .toContain('btcusdt@trade');
        expect(finnhub.openStreams()).toBeLessThanOrEqual(1);
        const sent = binance.trade('BTCUSDT', '97123.45000000', { T: clock.now() });
        expect(sent).toBe(1);
        const frame = await stream.next(
          (f) =>
            f.type === 'quotes' &&
            (f.quotes ?? []).some((q) => q.symbol === 'BINANCE:BTCUSDT' && q.price === 97123.45),
          5000,
        );
        const quote = frame.quotes?.find((q) => q.symbol === 'BINANCE:BTCUSDT');
        expect(quote).toMatchObject({ source: 'binance', delayMinutes: 0 });
      } finally {
        await stream.close();
      }
    });

    it('falls back within one request when a source fails, and returns to it once its breaker closes', async () => {
      const client = await signedIn();
      const outage = ['/quote', '/search', '/stock/metric', '/stock/profile2'];
      for (const path of outage)
        finnhub.override(path, { status: 502, body: '<html>502 Bad Gateway</html>' });
      const quoteCalls = () => finnhub.requests.filter((r) => r.path === '/quote').length;
      // Each request is answered by Yahoo at once; five Finnhub failures in a row (quotes, and the
      // search and figures that describe the symbol) open its breaker.
      for (let i = 0; i < 5; i++) {
        const answer = await client.request('GET', '/api/v1/quotes/MSFT');
        expect(answer.statusCode).toBe(200);
        expect(answer.json().source).toBe('yahoo');
        clock.advance(1_000);
      }
      const failed = quoteCalls();
      expect(failed).toBeGreaterThanOrEqual(1);
      const health = async () =>
        (await client.request('GET', '/api/v1/admin/health'))
          .json()
          .feed.sources.find((source: { id: string }) => source.id === 'finnhub');
      expect((await health()).breaker).toBe('open');
      // While open, Finnhub is not asked at all.
      clock.advance(1_000);
      expect((await client.request('GET', '/api/v1/quotes/MSFT')).json().source).toBe('yahoo');
      expect(quoteCalls()).toBe(failed);
      // Finnhub recovers; after the breaker's 30 s one call probes it (calls alongside the probe
      // still go to Yahoo), its success closes the breaker, and Finnhub answers again.
      for (const path of outage) finnhub.clear(path);
      clock.advance(30_000);
      expect((await client.request('GET', '/api/v1/quotes/MSFT')).statusCode).toBe(200);
      expect((await health()).breaker).toBe('closed');
      const recovered = (await client.request('GET', '/api/v1/quotes/AAPL')).json();
      expect(recovered).toMatchObject({ price: 190, source: 'finnhub' });
      const metrics = await client.request('GET', '/metrics');
      expect(metrics.body).toMatch(
        /stocktracker_source_calls_total\{source="finnhub",outcome="failed"\} [5-9]/,
      );
      expect(metrics.body).toMatch(/stocktracker_source_breaker_state\{source="finnhub"\} 0/);
    });
  },
);
