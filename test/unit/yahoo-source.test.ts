import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { YahooSource } from '../../src/market/providers/yahoo/yahoo-source.js';
import { fromYahooSymbol, toYahooSymbol } from '../../src/market/providers/yahoo/yahoo-symbols.js';
import { FakeYahoo, yahooFixture } from '../support/fake-yahoo.js';

const DAY = 24 * 60 * 60 * 1000;
const fake = new FakeYahoo();

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  fake.clear('chart');
  fake.clear('search');
});

function source(now = Date.UTC(2022, 0, 31), timeoutMs = 2_000): YahooSource {
  return new YahooSource({ apiUrl: fake.url, timeoutMs, clock: { now: () => now } });
}

function lastRequest() {
  const request = fake.requests.at(-1);
  if (!request) throw new Error('no request reached the fake');
  return request;
}

/** A recorded chart answer with its meta changed (a test's own variation, said where used). */
function withMeta(name: string, change: (meta: Record<string, unknown>) => void): unknown {
  const body = yahooFixture(name) as { chart: { result: Array<{ meta: Record<string, unknown> }> } };
  const first = body.chart.result[0];
  if (first) change(first.meta);
  return body;
}

describe('Yahoo symbols', () => {
  it('maps our symbols to Yahoo’s and back, and refuses what is another instrument or market', () => {
    expect(toYahooSymbol('AAPL')).toBe('AAPL');
    expect(toYahooSymbol('BRK.B')).toBe('BRK-B');
    expect(toYahooSymbol('VOD.L')).toBe('VOD.L');
    expect(toYahooSymbol('7203.T')).toBe('7203.T');
    expect(toYahooSymbol('BMW.DE')).toBe('BMW.DE');
    expect(toYahooSymbol('ERE.UN.TO')).toBe('ERE-UN.TO');
    expect(toYahooSymbol('OANDA:EUR_USD')).toBe('EURUSD=X');
    // Yahoo's BTC-USD is priced in dollars, Binance's BTCUSDT in Tether.
    expect(toYahooSymbol('BINANCE:BTCUSDT')).toBeNull();
    expect(toYahooSymbol('VNM.VN')).toBeNull();
    expect(toYahooSymbol('ABC.NE')).toBeNull();

    expect(fromYahooSymbol('BRK-B')).toBe('BRK.B');
    expect(fromYahooSymbol('AAPY.DE')).toBe('AAPY.DE');
    expect(fromYahooSymbol('EURUSD=X')).toBe('OANDA:EUR_USD');
    expect(fromYahooSymbol('^GSPC')).toBeNull();
    expect(fromYahooSymbol('GC=F')).toBeNull();
    expect(fromYahooSymbol('M&M.NS')).toBeNull();
    expect(fromYahooSymbol('XYZ.VL')).toBeNull();
  });

  it('says what it serves and how late, per market', () => {
    const yahoo = source();
    expect(yahoo.serves('quotes', 'VOD.L')).toBe(true);
    expect(yahoo.serves('daily_history', 'BRK.B')).toBe(true);
    expect(yahoo.serves('fx_rates', 'OANDA:EUR_USD')).toBe(true);
    expect(yahoo.serves('fx_rates', 'AAPL')).toBe(false);
    expect(yahoo.serves('quotes', 'BINANCE:BTCUSDT')).toBe(false);
    expect(yahoo.serves('quotes', 'VNM.VN')).toBe(false);
    expect(yahoo.serves('live_trades', 'AAPL')).toBe(false);
    expect(yahoo.serves('profile', 'AAPL')).toBe(false);
    expect(yahoo.serves('market_status', 'AAPL')).toBe(false);
    expect(yahoo.delay('daily_history', 'AAPL')).toBe('end_of_day');
    expect(yahoo.delay('quotes', 'AAPL')).toBe(0);
    expect(yahoo.delay('quotes', 'VOD.L')).toBe(20);
    expect(yahoo.delay('quotes', '7203.T')).toBe(20);
    expect(yahoo.delay('quotes', 'BMW.DE')).toBe(15);
    // Not named on Yahoo's page, or named differently by its copies: 15 minutes.
    expect(yahoo.delay('quotes', 'SHOP.TO')).toBe(15);
    expect(yahoo.delay('quotes', 'OANDA:EUR_USD')).toBe(15);
  });
});

describe('Yahoo quotes', () => {
  it('quotes a US stock from the chart meta, marked as Yahoo’s and real time', async () => {
    const quote = await source().getQuote({ symbol: 'AAPL' });
    expect(quote).toEqual({
      symbol: 'AAPL',
      price: 220.003,
      // The recorded chart is not a one-day chart: its chartPreviousClose is from 2022, not yesterday.
      change: null,
      changePercent: null,
      open: null,
      high: 221.021,
      low: 218.58,
      previousClose: null,
      volume: 5800260,
      time: 1742824293000,
      source: 'yahoo',
      delayMinutes: 0,
    });
    const request = lastRequest();
    expect(request).toMatchObject({
      endpoint: 'chart',
      symbol: 'AAPL',
      query: { interval: '1d', range: '1d' },
    });
    expect(request.userAgent).toMatch(/^Mozilla\/5\.0/);
  });

  it('takes the change from the previous close Yahoo sends', async () => {
    // The meta recorded with a 1-minute chart, which carries previousClose, served for the quote.
    fake.setChart('AAPL', '1d', yahooFixture('chart-AAPL-1m-2025-02-01-weekend.json'));
    try {
      const quote = await source().getQuote({ symbol: 'AAPL' });
      expect(quote?.price).toBe(244.87);
      expect(quote?.previousClose).toBe(244.47);
      expect(quote?.change).toBeCloseTo(0.4, 10);
      expect(quote?.changePercent).toBeCloseTo(0.1636, 4);
    } finally {
      fake.setChart('AAPL', '1d', yahooFixture('chart-AAPL-1d.json'));
    }
  });

  it('turns London’s pence into pounds and says the LSE’s 20 minutes', async () => {
    const quote = await source().getQuote({ symbol: 'OCDO.L' });
    expect(quote).toMatchObject({
      symbol: 'OCDO.L',
      price: 3.053,
      high: 3.06507,
      low: 2.991,
      volume: 145121,
      source: 'yahoo',
      delayMinutes: 20,
    });
    expect(await source().describe({ symbol: 'OCDO.L' })).toEqual({
      symbol: 'OCDO.L',
      name: 'Ocado Group plc',
      exchange: 'LSE',
      currency: 'GBP',
      type: 'Common Stock',
    });
    const bars = await source(Date.UTC(2020, 0, 3)).dailyHistory({
      symbol: 'OCDO.L',
      from: Date.UTC(2020, 0, 1),
    });
    expect(bars).toEqual([
      {
        time: Date.UTC(2020, 0, 2),
        open: 12.795,
        high: 12.8656994629,
        low: 12.58,
        close: 12.595,
        volume: 728520,
      },
    ]);
  });

  it('quotes Xetra in euros with its 15 minutes', async () => {
    const quote = await source().getQuote({ symbol: 'WSU.DE' });
    expect(quote).toMatchObject({ price: 33, high: 33.9, low: 33, delayMinutes: 15, source: 'yahoo' });
    expect((await source().describe({ symbol: 'WSU.DE' }))?.currency).toBe('EUR');
  });

  it('asks for BRK.B as BRK-B', async () => {
    expect(await source().getQuote({ symbol: 'BRK.B' })).toBeNull();
    expect(lastRequest()).toMatchObject({ endpoint: 'chart', symbol: 'BRK-B' });
  });

  it('quotes a forex pair through its Yahoo symbol', async () => {
    const quote = await source().getQuote({ symbol: 'OANDA:EUR_USD' });
    expect(quote).toMatchObject({
      symbol: 'OANDA:EUR_USD',
      price: 1.1257,
      high: 1.1288,
      low: 1.1225,
      delayMinutes: 15,
    });
    expect(lastRequest().symbol).toBe('EURUSD=X');
    const bars = await source(Date.UTC(2020, 0, 4)).dailyHistory({
      symbol: 'OANDA:EUR_USD',
      from: Date.UTC(2020, 0, 1),
    });
    expect(bars?.map((bar) => bar.time)).toEqual([
      Date.UTC(2020, 0, 1),
      Date.UTC(2020, 0, 2),
      Date.UTC(2020, 0, 3),
    ]);
    expect(bars?.[2]).toMatchObject({ close: 1.1171437501907349, volume: 0 });
  });

  it('keeps a price whose currency Yahoo leaves null as it is', async () => {
    expect((await source().getQuote({ symbol: 'LUCYW' }))?.price).toBe(0.1246);
    expect(await source().describe({ symbol: 'LUCYW' })).toMatchObject({
      name: 'Innovative Eyewear, Inc.',
      currency: null,
    });
  });
});

describe('Yahoo history', () => {
  it('gives a year of daily bars, oldest first, each on its trading day', async () => {
    const now = Date.UTC(2022, 0, 31);
    const bars = await source(now).dailyHistory({ symbol: 'MSFT', from: now - 365 * DAY });
    expect(bars).toHaveLength(10);
    expect(bars?.[0]).toEqual({
      time: Date.UTC(2021, 1, 1),
      open: 235.05999755859375,
      high: 242.5,
      low: 232.42999267578125,
      close: 239.64999389648438,
      volume: 33314200,
    });
    expect(bars?.at(-1)).toEqual({
      time: Date.UTC(2022, 0, 28),
      open: 300.2300109863281,
      high: 308.4800109863281,
      low: 294.45001220703125,
      close: 308.260009765625,
      volume: 49743700,
    });
    const times = bars?.map((bar) => bar.time) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(lastRequest().query).toMatchObject({
      interval: '1d',
      period1: String((now - 365 * DAY) / 1000),
      period2: String(now / 1000),
    });
  });

  it('starts the daily bars at `from`', async () => {
    const bars = await source().dailyHistory({ symbol: 'MSFT', from: Date.UTC(2022, 0, 1) });
    expect(bars?.map((bar) => new Date(bar.time).toISOString().slice(0, 10))).toEqual([
      '2022-01-24',
      '2022-01-25',
      '2022-01-26',
      '2022-01-27',
      '2022-01-28',
    ]);
  });

  it('gives 1-minute bars and skips the minute Yahoo sends as nulls', async () => {
    const bars = await source().intradayHistory({ symbol: 'AAPL' });
    expect(bars?.map((bar) => bar.time)).toEqual([
      1739975400000, 1739975460000, 1739975580000, 1739975640000,
    ]);
    expect(bars?.every((bar) => bar.open > 0 && bar.close > 0 && Number.isFinite(bar.high))).toBe(true);
    expect(lastRequest().query).toMatchObject({ interval: '1m', range: '5d' });
  });

  it('answers a day without trading with no bars', async () => {
    fake.setChart('AAPL', '1m', yahooFixture('chart-AAPL-1m-2025-02-01-weekend.json'));
    try {
      expect(await source().intradayHistory({ symbol: 'AAPL' })).toEqual([]);
    } finally {
      fake.setChart('AAPL', '1m', yahooFixture('chart-AAPL-1m-synthetic.json'));
    }
  });
});

describe('Yahoo key metrics and search', () => {
  it('takes the 52-week range from the chart meta, with no market cap', async () => {
    expect(await source().keyMetrics({ symbol: 'OCDO.L' })).toEqual({
      week52High: 5.41346,
      week52Low: 2.7,
      marketCap: null,
    });
  });

  it('derives the 52-week range from a year of daily bars when the meta has none', async () => {
    // The recorded MSFT answer without its fiftyTwoWeek fields (a variation made here).
    fake.setChart(
      'MSFT',
      '1d',
      withMeta('chart-MSFT-1d-2021-02-01-to-2022-01-31.json', (meta) => {
        delete meta.fiftyTwoWeekHigh;
        delete meta.fiftyTwoWeekLow;
      }),
    );
    try {
      expect(await source().keyMetrics({ symbol: 'MSFT' })).toEqual({
        week52High: 308.5,
        week52Low: 232.42999267578125,
        marketCap: null,
      });
    } finally {
      fake.setChart('MSFT', '1d', yahooFixture('chart-MSFT-1d-2021-02-01-to-2022-01-31.json'));
    }
  });

  it('finds stocks and funds in our symbol forms, leaving out options and non-instruments', async () => {
    expect(await source().search({ query: 'AAPL' })).toEqual([
      { symbol: 'AAPL', description: 'Apple Inc.', type: 'Common Stock' },
      { symbol: 'AAPY.DE', description: 'IncomeShares Apple (AAPL) Options ETP', type: 'Common Stock' },
      { symbol: 'AAPW', description: 'Roundhill AAPL WeeklyPay ETF', type: 'ETP' },
      { symbol: 'AAPU', description: 'Direxion Daily AAPL Bull 2X Shares', type: 'ETP' },
    ]);
  });

  it('sends `&` in a query encoded', async () => {
    expect(await source().search({ query: 'M&M' })).toEqual([]);
    expect(lastRequest()).toMatchObject({ endpoint: 'search', query: { q: 'M&M' } });
  });
});

describe('Yahoo odd answers', () => {
  it('answers null for a symbol Yahoo does not know (404 "No data found")', async () => {
    const yahoo = source();
    expect(await yahoo.getQuote({ symbol: 'NOSUCH' })).toBeNull();
    expect(await yahoo.dailyHistory({ symbol: 'NOSUCH', from: 0 })).toBeNull();
    expect(await yahoo.intradayHistory({ symbol: 'NOSUCH' })).toBeNull();
    expect(await yahoo.describe({ symbol: 'NOSUCH' })).toBeNull();
    expect(await yahoo.keyMetrics({ symbol: 'NOSUCH' })).toBeNull();
  });

  it('answers null when the chart is another symbol’s', async () => {
    fake.setChart('AMZN', '1d', yahooFixture('chart-AAPL-1d.json'));
    try {
      expect(await source().getQuote({ symbol: 'AMZN' })).toBeNull();
      expect(await source().describe({ symbol: 'AMZN' })).toBeNull();
    } finally {
      fake.deleteChart('AMZN', '1d');
    }
  });

  it('never prices at 0: a zero price is no quote', async () => {
    fake.setChart(
      'ZERO',
      '1d',
      withMeta('chart-AAPL-1d.json', (meta) => {
        meta.symbol = 'ZERO';
        meta.regularMarketPrice = 0;
      }),
    );
    try {
      expect(await source().getQuote({ symbol: 'ZERO' })).toBeNull();
    } finally {
      fake.deleteChart('ZERO', '1d');
    }
  });

  it('makes 429 with a plain-text body rate_limited, with its Retry-After', async () => {
    fake.override('chart', {
      status: 429,
      body: 'Too Many Requests\r\n',
      contentType: 'text/plain',
      headers: { 'Retry-After': '30' },
    });
    const error = await source()
      .getQuote({ symbol: 'AAPL' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ reason: 'rate_limited', retryAfterSeconds: 30 });
    fake.rateLimit('search');
    await expect(source().search({ query: 'AAPL' })).rejects.toMatchObject({ reason: 'rate_limited' });
  });

  it('makes a 5xx and an unreadable body unavailable', async () => {
    fake.override('chart', { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    await expect(source().getQuote({ symbol: 'AAPL' })).rejects.toMatchObject({ reason: 'unavailable' });
    fake.override('chart', { status: 200, body: '<html>consent</html>', contentType: 'text/html' });
    await expect(source().dailyHistory({ symbol: 'MSFT', from: 0 })).rejects.toMatchObject({
      reason: 'unavailable',
    });
  });

  it('gives up on a hanging answer as a timeout', async () => {
    fake.override('chart', 'hang');
    const started = Date.now();
    await expect(source(Date.UTC(2022, 0, 31), 200).getQuote({ symbol: 'AAPL' })).rejects.toMatchObject({
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
