import { isForexSymbol, marketOfSymbol, normalizeSymbol } from '../../kernel/symbols.js';

/**
 * Our exchange suffixes (Finnhub's) beside Alpha Vantage's for the same market. LON, TRT, TRV, DEX,
 * BSE, SHH and SHZ are the ones its documentation's TIME_SERIES_DAILY examples use (TSCO.LON,
 * SHOP.TRT, GPV.TRV, MBG.DEX, RELIANCE.BSE, 600104.SHH, 000002.SHZ); FRK, HKG and SAO are the ones
 * its SYMBOL_SEARCH answers carry (TCO2.FRK, 6190.HKG, IBMB34.SAO). Other markets are not served:
 * a guessed suffix could price another company.
 */
const SUFFIXES: ReadonlyArray<readonly [ours: string, theirs: string]> = [
  ['L', 'LON'],
  ['TO', 'TRT'],
  ['V', 'TRV'],
  ['DE', 'DEX'],
  ['F', 'FRK'],
  ['BO', 'BSE'],
  ['SS', 'SHH'],
  ['SZ', 'SHZ'],
  ['HK', 'HKG'],
  ['SA', 'SAO'],
];
const THEIR_SUFFIX = new Map(SUFFIXES);
const OUR_SUFFIX = new Map(SUFFIXES.map(([ours, theirs]) => [theirs, ours]));

/** A ticker without a market suffix: letters and digits, hyphen-joined parts allowed (RDS-A). */
const TICKER = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;

/**
 * Alpha Vantage's form of one of our stock symbols, or null when it has none: VOD.L -> VOD.LON,
 * BMW.DE -> BMW.DEX; US tickers as they are, a share class with a hyphen (BRK.B -> BRK-B).
 */
export function toAlphaVantageSymbol(symbol: string): string | null {
  if (symbol.includes(':')) return null;
  const dot = symbol.lastIndexOf('.');
  if (dot < 0) return TICKER.test(symbol) ? symbol : null;
  const base = symbol.slice(0, dot);
  const suffix = symbol.slice(dot + 1);
  if (!TICKER.test(base)) return null;
  const theirs = THEIR_SUFFIX.get(suffix);
  if (theirs) return `${base}.${theirs}`;
  return marketOfSymbol(symbol).exchange === 'US' ? `${base}-${suffix}` : null;
}

/**
 * Our form of a symbol Alpha Vantage answered with, or null for a market we do not map: TSCO.LON ->
 * TSCO.L, BRK-B -> BRK.B. It may answer in lower case (a time series' "2. Symbol" echoes the request).
 */
export function fromAlphaVantageSymbol(answered: string): string | null {
  const symbol = answered.trim().toUpperCase();
  const dot = symbol.lastIndexOf('.');
  let ours: string | null;
  if (dot < 0) {
    const shareClass = /^([A-Z0-9]+)-([A-Z])$/.exec(symbol);
    ours = shareClass ? `${shareClass[1]}.${shareClass[2]}` : symbol;
  } else {
    const suffix = OUR_SUFFIX.get(symbol.slice(dot + 1));
    ours = suffix ? `${symbol.slice(0, dot)}.${suffix}` : null;
  }
  return ours !== null && toAlphaVantageSymbol(ours) !== null && normalizeSymbol(ours) === ours ? ours : null;
}

/** The two ISO currency codes of a forex symbol (OANDA:EUR_USD -> EUR, USD), or null for any other symbol. */
export function forexPair(symbol: string): { from: string; to: string } | null {
  if (!isForexSymbol(symbol)) return null;
  const pair = /^[A-Z0-9]+:([A-Z]{3})_([A-Z]{3})$/.exec(symbol);
  return pair?.[1] && pair[2] ? { from: pair[1], to: pair[2] } : null;
}

/**
 * What Alpha Vantage's prices of `symbol` must be divided by to be in the symbol's trading currency:
 * London listings are quoted in pence (its search answers say GBX), our VOD.L in pounds.
 */
export function minorUnitDivisor(symbol: string): number {
  return symbol.endsWith('.L') ? 100 : 1;
}
