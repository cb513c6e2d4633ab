import { describe, expect, it } from 'vitest';
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
