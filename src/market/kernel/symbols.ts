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

/**
 * Finnhub's exchange codes (the `exchange` argument of /stock/symbol, listed in its documentation's
 * exchange sheet; a copy dated 2020-08-01 is in StanNL/StockStats src/data/exchangeList.js), which
 * are also the symbol suffixes, with each market's trading currency. Johannesburg and Tel Aviv quote
 * in cents and agorot, so no currency is claimed for them: it comes from the provider or is not shown.
 */
const SUFFIX_MARKETS: Record<string, { exchange: string; currency: string | null }> = {
  AS: { exchange: 'Euronext Amsterdam', currency: 'EUR' },
  AT: { exchange: 'Athens Exchange', currency: 'EUR' },
  AX: { exchange: 'Australian Securities Exchange', currency: 'AUD' },
  BA: { exchange: 'Bolsa de Comercio de Buenos Aires', currency: 'ARS' },
  BC: { exchange: 'Bolsa de Valores de Colombia', currency: 'COP' },
  BD: { exchange: 'Budapest Stock Exchange', currency: 'HUF' },
  BE: { exchange: 'Börse Berlin', currency: 'EUR' },
  BK: { exchange: 'Stock Exchange of Thailand', currency: 'THB' },
  BO: { exchange: 'Bombay Stock Exchange', currency: 'INR' },
  BR: { exchange: 'Euronext Brussels', currency: 'EUR' },
  CN: { exchange: 'Canadian Securities Exchange', currency: 'CAD' },
  CO: { exchange: 'Nasdaq Copenhagen', currency: 'DKK' },
  CR: { exchange: 'Caracas Stock Exchange', currency: null },
  DB: { exchange: 'Dubai Financial Market', currency: 'AED' },
  DE: { exchange: 'Xetra', currency: 'EUR' },
  DU: { exchange: 'Börse Düsseldorf', currency: 'EUR' },
  F: { exchange: 'Frankfurt', currency: 'EUR' },
  HE: { exchange: 'Nasdaq Helsinki', currency: 'EUR' },
  HK: { exchange: 'Hong Kong Stock Exchange', currency: 'HKD' },
  HM: { exchange: 'Börse Hamburg', currency: 'EUR' },
  IC: { exchange: 'Nasdaq Iceland', currency: 'ISK' },
  IR: { exchange: 'Euronext Dublin', currency: 'EUR' },
  IS: { exchange: 'Borsa Istanbul', currency: 'TRY' },
  JK: { exchange: 'Indonesia Stock Exchange', currency: 'IDR' },
  JO: { exchange: 'Johannesburg Stock Exchange', currency: null },
  KL: { exchange: 'Bursa Malaysia', currency: 'MYR' },
  KQ: { exchange: 'KOSDAQ', currency: 'KRW' },
  KS: { exchange: 'Korea Exchange', currency: 'KRW' },
  L: { exchange: 'London Stock Exchange', currency: 'GBP' },
  LS: { exchange: 'Euronext Lisbon', currency: 'EUR' },
  MC: { exchange: 'Bolsa de Madrid', currency: 'EUR' },
  ME: { exchange: 'Moscow Exchange', currency: 'RUB' },
  MI: { exchange: 'Borsa Italiana', currency: 'EUR' },
  MU: { exchange: 'Börse München', currency: 'EUR' },
  MX: { exchange: 'Bolsa Mexicana de Valores', currency: 'MXN' },
  NE: { exchange: 'Cboe Canada', currency: 'CAD' },
  NS: { exchange: 'National Stock Exchange of India', currency: 'INR' },
  NZ: { exchange: 'New Zealand Exchange', currency: 'NZD' },
  OL: { exchange: 'Oslo Børs', currency: 'NOK' },
  PA: { exchange: 'Euronext Paris', currency: 'EUR' },
  PR: { exchange: 'Prague Stock Exchange', currency: 'CZK' },
  QA: { exchange: 'Qatar Stock Exchange', currency: 'QAR' },
  RG: { exchange: 'Nasdaq Riga', currency: 'EUR' },
  SA: { exchange: 'B3', currency: 'BRL' },
  SG: { exchange: 'Börse Stuttgart', currency: 'EUR' },
  SI: { exchange: 'Singapore Exchange', currency: 'SGD' },
  SN: { exchange: 'Santiago Stock Exchange', currency: 'CLP' },
  SR: { exchange: 'Saudi Exchange', currency: 'SAR' },
  SS: { exchange: 'Shanghai Stock Exchange', currency: 'CNY' },
  ST: { exchange: 'Nasdaq Stockholm', currency: 'SEK' },
  SW: { exchange: 'SIX Swiss Exchange', currency: 'CHF' },
  SZ: { exchange: 'Shenzhen Stock Exchange', currency: 'CNY' },
  T: { exchange: 'Tokyo Stock Exchange', currency: 'JPY' },
  TA: { exchange: 'Tel Aviv Stock Exchange', currency: null },
  TL: { exchange: 'Nasdaq Tallinn', currency: 'EUR' },
  TO: { exchange: 'Toronto Stock Exchange', currency: 'CAD' },
  TW: { exchange: 'Taiwan Stock Exchange', currency: 'TWD' },
  V: { exchange: 'TSX Venture', currency: 'CAD' },
  VI: { exchange: 'Vienna Stock Exchange', currency: 'EUR' },
  VN: { exchange: 'Vietnam exchanges (HOSE, HNX, UPCOM)', currency: 'VND' },
  VS: { exchange: 'Nasdaq Vilnius', currency: 'EUR' },
  WA: { exchange: 'Warsaw Stock Exchange', currency: 'PLN' },
};

const CRYPTO_QUOTES = ['USDT', 'USDC', 'BUSD', 'USD', 'EUR', 'BTC', 'ETH'];

/**
 * Where a symbol trades and in which currency, read from its form alone (Finnhub's /quote has no
 * currency). Plain tickers, and one-letter share classes (BRK.B), are US listings; a suffix that is
 * no known exchange gives neither exchange nor currency (never a guessed US dollar).
 */
export function marketOfSymbol(symbol: string): {
  exchange: string | null;
  currency: string | null;
  type: string;
} {
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
  if (suffix.length <= 1) return { exchange: 'US', currency: 'USD', type: 'Common Stock' };
  return { exchange: null, currency: null, type: 'Common Stock' };
}

/** Whether `symbol` is a forex pair (VENUE:BASE_QUOTE, e.g. OANDA:EUR_USD). */
export function isForexSymbol(symbol: string): boolean {
  const colon = symbol.indexOf(':');
  return colon > 0 && symbol.slice(colon + 1).includes('_');
}

/** Whether `symbol` is a Binance spot pair (BINANCE:BTCUSDT). */
export function isBinanceSymbol(symbol: string): boolean {
  return symbol.startsWith('BINANCE:');
}

/**
 * Whether `symbol` is listed in the US (a plain ticker or a one-letter share class: AAPL, BRK.B);
 * one-letter exchange suffixes (VOD.L London, 7203.T Tokyo, SAP.F Frankfurt, ABC.V TSX Venture) are not.
 */
export function isUsListing(symbol: string): boolean {
  return !symbol.includes(':') && marketOfSymbol(symbol).exchange === 'US';
}
