import { AppError } from '../../errors.js';
import { MAX_SYMBOL_LENGTH } from '../market.schemas.js';

/**
 * Normalises what a user typed into a provider symbol: trimmed and upper-cased. Accepts plain US
 * tickers (AAPL), share classes (BRK.B, RDS-A), exchange suffixes (VOD.L, 7203.T, ERE.UN.TO) and
 * exchange-prefixed crypto and FX (BINANCE:BTCUSDT, OANDA:EUR_USD). Returns null for anything else.
 */
export function normalizeSymbol(input: string): string | null {
  const symbol = input.trim().toUpperCase();
  return symbol.length <= MAX_SYMBOL_LENGTH && SYMBOL_PATTERN.test(symbol) ? symbol : null;
}

/** The normalised symbol, or a 400 `invalid_symbol` for text that cannot be one. */
export function requireSymbol(input: string): string {
  const symbol = normalizeSymbol(input);
  if (!symbol) throw new AppError('invalid_symbol');
  return symbol;
}

const SYMBOL_PATTERN = /^(?:[A-Z0-9]{1,20}:)?[A-Z0-9]+(?:[._-][A-Z0-9]+)*$/;

const SUFFIX_MARKETS: Record<string, { exchange: string; currency: string }> = {
  L: { exchange: 'London Stock Exchange', currency: 'GBP' },
  DE: { exchange: 'Xetra', currency: 'EUR' },
  F: { exchange: 'Frankfurt', currency: 'EUR' },
  PA: { exchange: 'Euronext Paris', currency: 'EUR' },
  AS: { exchange: 'Euronext Amsterdam', currency: 'EUR' },
  MI: { exchange: 'Borsa Italiana', currency: 'EUR' },
  MC: { exchange: 'Bolsa de Madrid', currency: 'EUR' },
  SW: { exchange: 'SIX Swiss Exchange', currency: 'CHF' },
  T: { exchange: 'Tokyo Stock Exchange', currency: 'JPY' },
  HK: { exchange: 'Hong Kong Stock Exchange', currency: 'HKD' },
  TO: { exchange: 'Toronto Stock Exchange', currency: 'CAD' },
  V: { exchange: 'TSX Venture', currency: 'CAD' },
  AX: { exchange: 'Australian Securities Exchange', currency: 'AUD' },
  NS: { exchange: 'National Stock Exchange of India', currency: 'INR' },
  BO: { exchange: 'Bombay Stock Exchange', currency: 'INR' },
  KS: { exchange: 'Korea Exchange', currency: 'KRW' },
  SS: { exchange: 'Shanghai Stock Exchange', currency: 'CNY' },
  SZ: { exchange: 'Shenzhen Stock Exchange', currency: 'CNY' },
  ST: { exchange: 'Nasdaq Stockholm', currency: 'SEK' },
  OL: { exchange: 'Oslo Børs', currency: 'NOK' },
  CO: { exchange: 'Nasdaq Copenhagen', currency: 'DKK' },
  SA: { exchange: 'B3', currency: 'BRL' },
};

const CRYPTO_QUOTES = ['USDT', 'USDC', 'BUSD', 'USD', 'EUR', 'BTC', 'ETH'];

/**
 * Where a symbol trades and in which currency, read from its form alone (Finnhub's /quote has no
 * currency). Plain tickers are taken as US listings.
 */
export function marketOfSymbol(symbol: string): { exchange: string; currency: string | null; type: string } {
  const colon = symbol.indexOf(':');
  if (colon > 0) {
    const venue = symbol.slice(0, colon);
    const pair = symbol.slice(colon + 1);
    if (pair.includes('_')) {
      return { exchange: venue, currency: pair.split('_').at(-1) ?? null, type: 'Forex' };
    }
    const quoteAsset = CRYPTO_QUOTES.find((q) => pair.endsWith(q) && pair.length > q.length) ?? null;
    return { exchange: venue, currency: quoteAsset, type: 'Crypto' };
  }
  const suffix = symbol.includes('.') ? symbol.slice(symbol.lastIndexOf('.') + 1) : '';
  const market = SUFFIX_MARKETS[suffix];
  if (market) return { ...market, type: 'Common Stock' };
  return { exchange: 'US', currency: 'USD', type: 'Common Stock' };
}
