import { describe, expect, it } from 'vitest';
import { inRegularSession } from '../../src/market/kernel/sessions.js';
import { marketOfSymbol, normalizeSymbol } from '../../src/market/kernel/symbols.js';

describe('symbols', () => {
  it.each([
    [' aapl ', 'AAPL'],
    ['brk.b', 'BRK.B'],
    ['VOD.L', 'VOD.L'],
    ['7203.t', '7203.T'],
    ['rds-a', 'RDS-A'],
    ['binance:btcusdt', 'BINANCE:BTCUSDT'],
    ['OANDA:EUR_USD', 'OANDA:EUR_USD'],
    ['ERE.UN.TO', 'ERE.UN.TO'],
  ])('normalises %j to %s', (input, expected) => {
    expect(normalizeSymbol(input)).toBe(expected);
  });

  it.each(['', '   ', 'AA PL', 'AAPL;', '.AAPL', 'AAPL.', 'A..B', ':AAPL', 'A:B:C', '<script>', 'ÄPPL'])(
    'refuses %j',
    (input) => {
      expect(normalizeSymbol(input)).toBeNull();
    },
  );

  it('tells the trading currency from the symbol form', () => {
    expect(marketOfSymbol('AAPL').currency).toBe('USD');
    expect(marketOfSymbol('BRK.B').currency).toBe('USD');
    expect(marketOfSymbol('VOD.L')).toMatchObject({ currency: 'GBP', exchange: 'London Stock Exchange' });
    expect(marketOfSymbol('7203.T').currency).toBe('JPY');
    expect(marketOfSymbol('BINANCE:BTCUSDT')).toMatchObject({ currency: 'USDT', type: 'Crypto' });
    expect(marketOfSymbol('OANDA:EUR_USD')).toMatchObject({ currency: 'USD', type: 'Forex' });
  });

  it.each([
    ['AFLT.ME', 'RUB', 'Moscow Exchange'],
    ['SAP.BE', 'EUR', 'Börse Berlin'],
    ['SAP.DU', 'EUR', 'Börse Düsseldorf'],
    ['SAP.MU', 'EUR', 'Börse München'],
    ['1155.KL', 'MYR', 'Bursa Malaysia'],
    ['PKO.WA', 'PLN', 'Warsaw Stock Exchange'],
    ['2330.TW', 'TWD', 'Taiwan Stock Exchange'],
    ['AMXL.MX', 'MXN', 'Bolsa Mexicana de Valores'],
  ])('knows the market of %s from Finnhub’s exchange list (%s)', (symbol, currency, exchange) => {
    expect(marketOfSymbol(symbol)).toMatchObject({ currency, exchange });
  });

  it('never guesses US dollars for a suffix it does not know, nor a currency quoted in minor units', () => {
    expect(marketOfSymbol('ABC.XX')).toMatchObject({ exchange: null, currency: null });
    // Johannesburg and Tel Aviv quote in cents and agorot: the currency comes from the provider.
    expect(marketOfSymbol('NPN.JO')).toMatchObject({
      exchange: 'Johannesburg Stock Exchange',
      currency: null,
    });
    expect(marketOfSymbol('TEVA.TA').currency).toBeNull();
    // A one-letter suffix that is no exchange is a US share class.
    expect(marketOfSymbol('BF.B')).toMatchObject({ exchange: 'US', currency: 'USD' });
  });
});

describe('regular sessions', () => {
  it.each([
    ['AAPL', '2026-01-04T20:00:00Z', false], // Sunday
    ['AAPL', '2026-01-05T14:29:00Z', false], // Monday 09:29 New York
    ['AAPL', '2026-01-05T14:30:00Z', true],
    ['AAPL', '2026-01-05T20:59:00Z', true],
    ['AAPL', '2026-07-06T20:00:00Z', false], // 16:00 New York in summer time
    ['AAPL', '2026-07-06T13:30:00Z', true],
    ['BINANCE:BTCUSDT', '2026-01-04T20:00:00Z', true],
    ['OANDA:EUR_USD', '2026-01-03T12:00:00Z', false], // Saturday
    ['OANDA:EUR_USD', '2026-01-04T23:00:00Z', true], // Sunday 18:00 New York
    ['OANDA:EUR_USD', '2026-01-09T22:30:00Z', false], // Friday 17:30 New York
    ['VOD.L', '2026-01-05T12:00:00Z', false],
  ])('%s stamped %s: %s', (symbol, time, expected) => {
    expect(inRegularSession(symbol, Date.parse(time))).toBe(expected);
  });
});
