import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { DAY_MS, MINUTE_MS } from '../../src/market/kernel/periods.js';
import { normalizeSymbol } from '../../src/market/kernel/symbols.js';
import { AlphaVantageSource } from '../../src/market/providers/alphavantage/alphavantage-source.js';
import {
  fromAlphaVantageSymbol,
  toAlphaVantageSymbol,
} from '../../src/market/providers/alphavantage/alphavantage-symbols.js';
import { FakeAlphaVantage, type OddAnswer, recorded } from '../support/fake-alphavantage.js';

const fake = new FakeAlphaVantage();
let now = 0;
let logLines: string[] = [];

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  fake.clear('*');
  for (const fn of ['GLOBAL_QUOTE', 'TIME_SERIES_DAILY']) fake.clear(fn);
  fake.requests.length = 0;
  fake.fullIsPremium = true;
  fake.dailyLimit = Number.POSITIVE_INFINITY;
  fake.quotes.delete('BRK-B');
  logLines = [];
});

function source(options: { apiKey?: string; timeoutMs?: number } = {}): AlphaVantageSource {
  return new AlphaVantageSource({
    apiUrl: fake.url,
    apiKey: options.apiKey ?? fake.apiKey,
    timeoutMs: options.timeoutMs ?? 2000,
    clock: { now: () => now },
    logger: createLogger('debug', { write: (line: string) => logLines.push(line) }),
  });
}

async function failure(call: Promise<unknown>): Promise<ProviderError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('Alpha Vantage daily history', () => {
  it('gives TIME_SERIES_DAILY oldest first, one bar per UTC day, numbers read from strings', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    const bars = await source().dailyHistory({ symbol: 'AAPL', from: Date.UTC(2020, 7, 1) });

    expect(bars).toEqual([
      { time: Date.UTC(2020, 7, 31), open: 127.58, high: 131, low: 126, close: 129.04, volume: 223505733 },
      {
        time: Date.UTC(2020, 8, 1),
        open: 132.76,
        high: 134.8,
        low: 130.53,
        close: 134.18,
        volume: 152470142,
      },
      { time: Date.UTC(2020, 8, 2), open: 137.59, high: 137.98, low: 127, close: 131.4, volume: 200118991 },
      {
        time: Date.UTC(2020, 8, 3),
        open: 126.91,
        high: 128.84,
        low: 120.5,
        close: 120.88,
        volume: 257599640,
      },
      {
        time: Date.UTC(2020, 8, 4),
        open: 120.07,
        high: 123.7,
        low: 110.89,
        close: 120.96,
        volume: 332607163,
      },
    ]);
    // Compact (the last 100 days) reaches back far enough: one request.
    expect(fake.requests.map((r) => r.query.outputsize)).toEqual(['compact']);
  });

  it('keeps only the days from `from` on', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    const bars = await source().dailyHistory({ symbol: 'AAPL', from: Date.UTC(2020, 8, 3, 15) });
    expect(bars?.map((b) => b.time)).toEqual([Date.UTC(2020, 8, 3), Date.UTC(2020, 8, 4)]);
  });

  it('asks full history once, falls back to compact when it is premium, and remembers', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    const av = source();
    const yearAgo = now - 365 * DAY_MS;

    expect(await av.dailyHistory({ symbol: 'AAPL', from: yearAgo })).toHaveLength(5);
    expect(fake.requests.map((r) => r.query.outputsize)).toEqual(['full', 'compact']);

    expect(await av.dailyHistory({ symbol: 'AAPL', from: yearAgo })).toHaveLength(5);
    expect(fake.requests.map((r) => r.query.outputsize)).toEqual(['full', 'compact', 'compact']);
  });

  it('uses full history where the key has it', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    fake.fullIsPremium = false;
    expect(await source().dailyHistory({ symbol: 'AAPL', from: now - 365 * DAY_MS })).toHaveLength(5);
    expect(fake.requests.map((r) => r.query.outputsize)).toEqual(['full']);
  });

  it('gives FX_DAILY of a forex pair oldest first, without volume', async () => {
    now = Date.UTC(2026, 0, 24, 8);
    const bars = await source().dailyHistory({ symbol: 'OANDA:EUR_USD', from: Date.UTC(2026, 0, 1) });

    expect(bars).toEqual([
      { time: Date.UTC(2026, 0, 22), open: 1.1682, high: 1.1756, low: 1.1668, close: 1.1754, volume: 0 },
      { time: Date.UTC(2026, 0, 23), open: 1.1752, high: 1.1833, low: 1.1727, close: 1.1826, volume: 0 },
    ]);
    expect(fake.requests[0]?.query).toMatchObject({
      function: 'FX_DAILY',
      from_symbol: 'EUR',
      to_symbol: 'USD',
    });
  });

  it('asks for VOD.L as VOD.LON and answers null for a symbol Alpha Vantage does not know', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    expect(await source().dailyHistory({ symbol: 'VOD.L', from: Date.UTC(2020, 7, 1) })).toBeNull();
    expect(fake.requests[0]?.query.symbol).toBe('VOD.LON');
  });

  it('gives London prices in pounds, as our VOD.L trades, not in the pence Alpha Vantage quotes', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    // The recorded AAPL series and MSFT quote, relabelled as VOD.LON: the numbers are what matter here.
    const series = recorded('time-series-daily-aapl.json') as { 'Meta Data': Record<string, string> };
    series['Meta Data']['2. Symbol'] = 'VOD.LON';
    fake.daily.set('VOD.LON', series);
    const quote = recorded('global-quote-msft.json') as { 'Global Quote': Record<string, string> };
    quote['Global Quote']['01. symbol'] = 'VOD.LON';
    fake.quotes.set('VOD.LON', quote);
    const apple = await source().dailyHistory({ symbol: 'AAPL', from: Date.UTC(2020, 7, 1) });
    const vodafone = await source().dailyHistory({ symbol: 'VOD.L', from: Date.UTC(2020, 7, 1) });
    expect(vodafone?.map((bar) => bar.close)).toEqual(apple?.map((bar) => bar.close / 100));
    expect(vodafone?.map((bar) => bar.volume)).toEqual(apple?.map((bar) => bar.volume));
    const msft = await source().getQuote({ symbol: 'MSFT' });
    const vod = await source().getQuote({ symbol: 'VOD.L' });
    expect(vod?.price).toBeCloseTo((msft?.price ?? 0) / 100, 10);
    expect(vod?.previousClose).toBeCloseTo((msft?.previousClose ?? 0) / 100, 10);
    expect(vod?.changePercent).toBe(msft?.changePercent);
  });

  it('answers null for a series of another symbol than the one asked for', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    fake.daily.set('MSFT', recorded('time-series-daily-aapl.json'));
    try {
      expect(await source().dailyHistory({ symbol: 'MSFT', from: Date.UTC(2020, 7, 1) })).toBeNull();
    } finally {
      fake.daily.delete('MSFT');
    }
  });
});

describe('Alpha Vantage quotes', () => {
  it('gives GLOBAL_QUOTE as an end-of-day quote from Alpha Vantage', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    const av = source();
    const quote = await av.getQuote({ symbol: 'MSFT' });

    const endOfTradingDay = Date.UTC(2018, 9, 6) - 1;
    expect(quote).toEqual({
      symbol: 'MSFT',
      price: 112.13,
      change: -0.66,
      changePercent: -0.5852,
      open: 112.63,
      high: 113.17,
      low: 110.64,
      previousClose: 112.79,
      volume: 29062853,
      time: endOfTradingDay,
      source: 'alphavantage',
      delayMinutes: Math.floor((now - endOfTradingDay) / MINUTE_MS),
    });
    expect(av.delay('quotes', 'MSFT')).toBe('end_of_day');
  });

  it('answers null for an unknown symbol ({"Global Quote": {}}) and for a quote of another symbol', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    const av = source();
    expect(await av.getQuote({ symbol: 'ZZZZ' })).toBeNull();

    fake.quotes.set('BRK-B', recorded('global-quote-msft.json'));
    expect(await av.getQuote({ symbol: 'BRK.B' })).toBeNull();
    expect(fake.requests.map((r) => r.query.symbol)).toEqual(['ZZZZ', 'BRK-B']);
  });

  it('never gives a price of 0', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    // The recorded MSFT quote with its price set to zero (an edited answer, not a recorded one).
    const zero = recorded('global-quote-msft.json');
    zero['Global Quote'] = { ...(zero['Global Quote'] as object), '05. price': '0.0000' };
    fake.override('GLOBAL_QUOTE', { status: 200, body: JSON.stringify(zero) });
    expect(await source().getQuote({ symbol: 'MSFT' })).toBeNull();
  });

  it('gives CURRENCY_EXCHANGE_RATE as the real-time quote of a forex pair', async () => {
    now = Date.UTC(2023, 10, 30, 21, 45);
    const av = source();
    expect(await av.getQuote({ symbol: 'OANDA:USD_JPY' })).toEqual({
      symbol: 'OANDA:USD_JPY',
      price: 148.199,
      change: null,
      changePercent: null,
      open: null,
      high: null,
      low: null,
      previousClose: null,
      volume: null,
      time: Date.UTC(2023, 10, 30, 21, 43, 2),
      source: 'alphavantage',
      delayMinutes: 0,
    });
    expect(fake.requests[0]?.query).toMatchObject({ from_currency: 'USD', to_currency: 'JPY' });
    expect(av.delay('fx_rates', 'OANDA:USD_JPY')).toBe(0);
    expect(av.delay('daily_history', 'OANDA:USD_JPY')).toBe('end_of_day');
  });

  it('reads an exchange rate whose currency codes come back in lower case', async () => {
    now = Date.UTC(2017, 10, 5, 19, 5);
    const quote = await source().getQuote({ symbol: 'OANDA:BTC_USD' });
    expect(quote?.price).toBe(7534.84533924);
    expect(quote?.time).toBe(Date.UTC(2017, 10, 5, 19, 4, 16));
  });

  it('refuses background calls without spending a request of the day', async () => {
    const error = await failure(source().getQuote({ symbol: 'MSFT', background: true }));
    expect(error.reason).toBe('rate_limited');
    expect(fake.count()).toBe(0);
  });

  it('makes one request for identical calls at the same time', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    const av = source();
    const [a, b] = await Promise.all([av.getQuote({ symbol: 'MSFT' }), av.getQuote({ symbol: 'MSFT' })]);
    expect(a?.price).toBe(112.13);
    expect(b?.price).toBe(112.13);
    expect(fake.count('GLOBAL_QUOTE')).toBe(1);
  });
});

describe('Alpha Vantage search and symbols', () => {
  it('maps SYMBOL_SEARCH matches back to our symbol forms', async () => {
    const matches = await source().search({ query: 'tesco' });
    expect(matches).toEqual([
      { symbol: 'TSCO.L', description: 'Tesco PLC', type: 'Common Stock' },
      { symbol: 'TSCDF', description: 'Tesco plc', type: 'Common Stock' },
      { symbol: 'TSCDY', description: 'Tesco plc', type: 'Common Stock' },
      { symbol: 'TCO2.F', description: 'TESCO PLC ADR/1 LS-05', type: 'Common Stock' },
      { symbol: 'TCO0.F', description: 'TESCO PLC LS-0633333', type: 'Common Stock' },
    ]);
    const ba = await source().search({ query: 'BA' });
    expect(ba.map((m) => m.symbol)).toContain('6190.HK');
    for (const match of [...matches, ...ba]) expect(normalizeSymbol(match.symbol)).toBe(match.symbol);
  });

  it.each([
    ['VOD.L', 'VOD.LON'],
    ['BMW.DE', 'BMW.DEX'],
    ['SHOP.TO', 'SHOP.TRT'],
    ['GPV.V', 'GPV.TRV'],
    ['600104.SS', '600104.SHH'],
    ['000002.SZ', '000002.SHZ'],
    ['RELIANCE.BO', 'RELIANCE.BSE'],
    ['AAPL', 'AAPL'],
    ['BRK.B', 'BRK-B'],
  ])('asks for %s as %s, and maps it back', (ours, theirs) => {
    expect(toAlphaVantageSymbol(ours)).toBe(theirs);
    expect(fromAlphaVantageSymbol(theirs)).toBe(ours);
  });

  it('serves only the symbol forms it can map', () => {
    const av = source();
    expect(av.serves('quotes', 'VOD.L')).toBe(true);
    expect(av.serves('daily_history', 'BRK.B')).toBe(true);
    expect(av.serves('fx_rates', 'OANDA:EUR_USD')).toBe(true);
    expect(av.serves('quotes', 'OANDA:EUR_USD')).toBe(true);
    expect(av.serves('fx_rates', 'AAPL')).toBe(false);
    expect(av.serves('live_trades', 'AAPL')).toBe(false);
    for (const capability of ['quotes', 'daily_history', 'fx_rates'] as const) {
      expect(av.serves(capability, 'BINANCE:BTCUSDT')).toBe(false);
      expect(av.serves(capability, '7203.T')).toBe(false);
      expect(av.serves(capability, 'ERE.UN.TO')).toBe(false);
    }
  });
});

describe("Alpha Vantage's odd answers (all HTTP 200)", () => {
  it.each<[OddAnswer, ProviderError['reason']]>([
    ['rateLimitNote', 'rate_limited'],
    ['dailyLimit', 'rate_limited'],
    ['dailyLimitThankYou', 'rate_limited'],
    ['burstLimit', 'rate_limited'],
    ['callVolume', 'rate_limited'],
    ['premiumEndpoint', 'plan_required'],
    ['demoKey', 'unauthorized'],
    ['invalidApiKey', 'unauthorized'],
  ])('%s -> %s', async (answer, reason) => {
    now = Date.UTC(2018, 9, 8, 14);
    fake.override('*', { answer });
    const av = source();
    expect((await failure(av.getQuote({ symbol: 'MSFT' }))).reason).toBe(reason);
    expect((await failure(av.dailyHistory({ symbol: 'AAPL', from: now - DAY_MS }))).reason).toBe(reason);
    expect((await failure(av.search({ query: 'tesco' }))).reason).toBe(reason);
  });

  it('says when asking again can help', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    const retryAfter = async (answer: OddAnswer) => {
      fake.override('*', { answer });
      return (await failure(source().getQuote({ symbol: 'MSFT' }))).retryAfterSeconds;
    };
    expect(await retryAfter('rateLimitNote')).toBe(60);
    expect(await retryAfter('burstLimit')).toBe(1);
    // The daily quota: not before the next UTC day.
    expect(await retryAfter('dailyLimit')).toBe(10 * 60 * 60);
  });

  it('reads a wrong key the way Alpha Vantage answers it', async () => {
    const error = await failure(source({ apiKey: 'NOTTHEKEY' }).getQuote({ symbol: 'MSFT' }));
    expect(error.reason).toBe('unauthorized');
  });

  it('answers null for "Invalid API call" (an unknown symbol or pair)', async () => {
    now = Date.UTC(2020, 8, 5, 12);
    const av = source();
    expect(await av.dailyHistory({ symbol: 'ZZZZ', from: now - DAY_MS })).toBeNull();
    expect(await av.getQuote({ symbol: 'OANDA:XXX_YYY' })).toBeNull();
  });

  it('maps a daily quota spent mid-use to rate_limited', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    fake.dailyLimit = 1;
    const av = source();
    expect(await av.getQuote({ symbol: 'MSFT' })).not.toBeNull();
    expect((await failure(av.search({ query: 'tesco' }))).reason).toBe('rate_limited');
  });

  it('maps 5xx, a plain-text 429, an unreadable body and a hang to ProviderErrors', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    const reasonFor = async (override: Parameters<FakeAlphaVantage['override']>[1]) => {
      fake.override('GLOBAL_QUOTE', override);
      return (await failure(source({ timeoutMs: 200 }).getQuote({ symbol: 'MSFT' }))).reason;
    };
    expect(await reasonFor({ status: 503, body: 'Service Unavailable' })).toBe('unavailable');
    expect(await reasonFor({ status: 429, body: 'Too Many Requests' })).toBe('rate_limited');
    expect(await reasonFor({ status: 200, body: '<html>maintenance</html>' })).toBe('unavailable');
    expect(await reasonFor('hang')).toBe('timeout');
  });

  it('never puts the key in an error message or a log line, even from an answer that quotes it', async () => {
    now = Date.UTC(2018, 9, 8, 14);
    // The daily-quota answer quotes the key it was asked with: the test can fail.
    fake.override('*', { answer: 'dailyLimit' });
    expect(await (await fetch(`${fake.url}/query?function=X&apikey=${fake.apiKey}`)).text()).toContain(
      fake.apiKey,
    );
    fake.clear('*');

    const messages: string[] = [];
    const collect = async (call: Promise<unknown>) => {
      const error = await failure(call);
      messages.push(error.message, String(error.stack));
    };
    const answers: OddAnswer[] = [
      'rateLimitNote',
      'dailyLimit',
      'dailyLimitThankYou',
      'burstLimit',
      'callVolume',
      'premiumEndpoint',
      'demoKey',
      'invalidApiKey',
    ];
    for (const answer of answers) {
      fake.override('*', { answer });
      await collect(source().getQuote({ symbol: 'MSFT' }));
    }
    // A notice in words it does not know, quoting the key (written for this test, not recorded).
    fake.override('*', {
      status: 200,
      body: JSON.stringify({ Information: `Your key ${fake.apiKey} was moved to a new plan.` }),
    });
    await collect(source().getQuote({ symbol: 'MSFT' }));
    for (const override of [
      { status: 500, body: 'oops' },
      { status: 200, body: 'not json' },
      'hang',
    ] as const) {
      fake.override('*', override);
      await collect(source({ timeoutMs: 200 }).getQuote({ symbol: 'MSFT' }));
    }

    expect(messages.length).toBe(2 * (answers.length + 4));
    for (const message of messages) expect(message).not.toContain(fake.apiKey);
    expect(logLines.some((line) => line.includes('was moved to a new plan'))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(fake.apiKey);
  });
});
