import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { ProviderError } from '../../src/errors.js';
import { BinanceSource } from '../../src/market/providers/binance/binance-source.js';
import { binanceFixture, FakeBinance, type KlineRow } from '../support/fake-binance.js';

const MINUTE_MS = 60_000;

describe('Binance REST source', () => {
  let fake: FakeBinance;
  let now: number;
  const clock: Clock = { now: () => now };
  let source: BinanceSource;

  beforeEach(async () => {
    fake = new FakeBinance();
    await fake.start();
    source = new BinanceSource({ apiUrl: fake.url, timeoutMs: 1000, clock });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('serves BINANCE: pairs only, live trades, quotes and history, in real time', () => {
    expect(source.id).toBe('binance');
    for (const capability of ['live_trades', 'quotes', 'daily_history', 'intraday_history'] as const) {
      expect(source.serves(capability, 'BINANCE:BTCUSDT')).toBe(true);
      expect(source.delay(capability, 'BINANCE:BTCUSDT')).toBe(0);
    }
    expect(source.serves('quotes', 'AAPL')).toBe(false);
    expect(source.serves('quotes', 'OANDA:EUR_USD')).toBe(false);
    expect(source.serves('quotes', 'BINANCE:BTC-USDT')).toBe(false);
    expect(source.serves('profile', 'BINANCE:BTCUSDT')).toBe(false);
    expect(source.limits.requestsPerMinute).toBe(300);
  });

  it('quotes a pair from its UTC day candle: the day’s open is the previous close', async () => {
    // The documented kline (BNBBTC here), asked for while its day is today.
    now = Date.UTC(2017, 6, 3, 12, 0);
    const quote = await source.getQuote({ symbol: 'BINANCE:BNBBTC' });
    expect(quote).toEqual({
      symbol: 'BINANCE:BNBBTC',
      price: 0.015771,
      change: -0.0005769,
      changePercent: -3.528894,
      open: 0.0163479,
      high: 0.8,
      low: 0.015758,
      previousClose: 0.0163479,
      volume: 148976.11427815,
      time: now,
      source: 'binance',
      delayMinutes: 0,
    });
    expect(fake.requests).toEqual([
      { path: '/api/v3/klines', query: { symbol: 'BNBBTC', interval: '1d', limit: '1' } },
    ]);
  });

  it('quotes a pair without a trade today at its last price, unchanged, stamped with that day', async () => {
    now = Date.UTC(2017, 6, 20, 9, 0);
    const quote = await source.getQuote({ symbol: 'BINANCE:BNBBTC' });
    expect(quote).toMatchObject({
      price: 0.015771,
      change: 0,
      changePercent: 0,
      previousClose: 0.015771,
      volume: 0,
      time: 1499644799999,
      source: 'binance',
    });
  });

  it('answers null, not an error, for a pair Binance does not list (400, code -1121)', async () => {
    now = Date.UTC(2024, 0, 1);
    await expect(source.getQuote({ symbol: 'BINANCE:NOPEUSDT' })).resolves.toBeNull();
    await expect(source.dailyHistory({ symbol: 'BINANCE:NOPEUSDT', from: 0 })).resolves.toBeNull();
    await expect(source.intradayHistory({ symbol: 'BINANCE:NOPEUSDT' })).resolves.toBeNull();
    await expect(source.describe({ symbol: 'BINANCE:NOPEUSDT' })).resolves.toBeNull();
    expect(fake.requests.map((r) => r.query.symbol)).toEqual([
      'NOPEUSDT',
      'NOPEUSDT',
      'NOPEUSDT',
      'NOPEUSDT',
    ]);
  });

  it('turns 429, 418, a plain-text 429, other 400s and 5xx into provider errors', async () => {
    now = Date.UTC(2017, 6, 3, 12, 0);
    const cases: Array<
      [{ status: number; body: string; headers?: Record<string, string> }, string, number?]
    > = [
      [
        {
          status: 429,
          body: JSON.stringify(binanceFixture('rest-error-too-much-weight.json')),
          headers: { 'Retry-After': '17' },
        },
        'rate_limited',
        17,
      ],
      [
        {
          status: 418,
          body: JSON.stringify(binanceFixture('rest-error-ip-banned.json')),
          headers: { 'Retry-After': '600' },
        },
        'rate_limited',
        600,
      ],
      [{ status: 429, body: 'Too Many Requests' }, 'rate_limited'],
      [
        { status: 400, body: '{"code":-1100,"msg":"Illegal characters found in parameter \'symbol\'."}' },
        'unavailable',
      ],
      [{ status: 502, body: '<html>Bad Gateway</html>' }, 'unavailable'],
    ];
    for (const [answer, reason, retryAfter] of cases) {
      fake.override('/api/v3/klines', answer);
      const error = await source.getQuote({ symbol: 'BINANCE:BNBBTC' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).reason).toBe(reason);
      expect((error as ProviderError).retryAfterSeconds).toBe(retryAfter);
    }
  });

  it('gives daily bars from Binance’s 1d klines and drops rows that are no bar', async () => {
    now = Date.UTC(2017, 6, 10);
    await expect(
      source.dailyHistory({ symbol: 'BINANCE:BNBBTC', from: Date.UTC(2017, 0, 1) }),
    ).resolves.toEqual([
      {
        time: 1499040000000,
        open: 0.0163479,
        high: 0.8,
        low: 0.015758,
        close: 0.015771,
        volume: 148976.11427815,
      },
    ]);
    expect(fake.requests.at(-1)?.query).toEqual({
      symbol: 'BNBBTC',
      interval: '1d',
      startTime: String(Date.UTC(2017, 0, 1)),
      limit: '1000',
    });
    const [documented] = binanceFixture<KlineRow[]>('rest-klines-docs.json');
    fake.override('/api/v3/klines', {
      status: 200,
      body: JSON.stringify([
        ['1499040000000', ...(documented?.slice(1) ?? [])],
        [1499126400000, '0.00000000', '0.8', '0.01', '0.02', '1', 1499212799999],
        [1499212800000, '0.02', '0.01', '0.03', '0.02', '1', 1499299199999],
        [1499299200000, '0.02', '0.03', '0.01', 'NaN', '1', 1499385599999],
        'not a row',
        documented,
      ]),
    });
    const bars = await source.dailyHistory({ symbol: 'BINANCE:BNBBTC', from: Date.UTC(2017, 0, 1) });
    expect(bars?.map((bar) => bar.time)).toEqual([1499040000000]);
  });

  it('asks for at most the last 1,000 days in one request', async () => {
    now = Date.UTC(2024, 5, 15, 10);
    await source.dailyHistory({ symbol: 'BINANCE:BNBBTC', from: 0 });
    expect(fake.requests.at(-1)?.query.startTime).toBe(String(Date.UTC(2024, 5, 15) - 999 * 86_400_000));
  });

  it('gives 1-minute bars of the last five UTC days from the recorded klines', async () => {
    now = Date.UTC(2020, 5, 6, 22, 0);
    await expect(source.intradayHistory({ symbol: 'BINANCE:ETHBTC' })).resolves.toEqual([
      { time: 1591478520000, open: 0.025013, high: 0.025018, low: 0.025, close: 0.025, volume: 22.19 },
      { time: 1591478580000, open: 0.024996, high: 0.025009, low: 0.024994, close: 0.025003, volume: 21.347 },
      {
        time: 1591478640000,
        open: 0.025008,
        high: 0.025011,
        low: 0.025003,
        close: 0.025008,
        volume: 154.142,
      },
    ]);
    expect(fake.requests).toEqual([
      {
        path: '/api/v3/klines',
        query: { symbol: 'ETHBTC', interval: '1m', startTime: String(Date.UTC(2020, 5, 2)), limit: '1000' },
      },
    ]);
  });

  it('pages through more than 1,000 minutes, each page starting after the last bar it got', async () => {
    now = Date.UTC(2020, 5, 6, 22, 0);
    // Generated rows (not recorded): the recorded first ETHBTC row repeated a minute apart.
    const [[, open, high, low, close, volume] = []] = binanceFixture<KlineRow[]>(
      'rest-klines-1m-ethbtc.json',
    );
    const start = Date.UTC(2020, 5, 5);
    const rows = Array.from({ length: 1500 }, (_, i): KlineRow => {
      const time = start + i * MINUTE_MS;
      return [
        time,
        String(open),
        String(high),
        String(low),
        String(close),
        String(volume),
        time + MINUTE_MS - 1,
      ];
    });
    fake.setKlines('ETHBTC', '1m', rows);
    const bars = await source.intradayHistory({ symbol: 'BINANCE:ETHBTC' });
    expect(bars).toHaveLength(1500);
    expect(bars?.at(-1)?.time).toBe(start + 1499 * MINUTE_MS);
    expect(fake.requests.map((r) => r.query.startTime)).toEqual([
      String(Date.UTC(2020, 5, 2)),
      String(start + 1000 * MINUTE_MS),
    ]);
  });

  it('names a pair from exchangeInfo and never takes another pair’s answer', async () => {
    await expect(source.describe({ symbol: 'BINANCE:ETHBTC' })).resolves.toEqual({
      symbol: 'BINANCE:ETHBTC',
      name: 'ETH/BTC',
      exchange: 'BINANCE',
      currency: 'BTC',
      type: 'Crypto',
    });
    expect(fake.requests).toEqual([{ path: '/api/v3/exchangeInfo', query: { symbol: 'ETHBTC' } }]);
    fake.override('/api/v3/exchangeInfo', {
      status: 200,
      body: JSON.stringify(binanceFixture('rest-exchange-info-ethbtc.json')),
    });
    await expect(source.describe({ symbol: 'BINANCE:BNBBTC' })).resolves.toBeNull();
  });
});
