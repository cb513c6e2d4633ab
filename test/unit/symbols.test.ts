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
});
