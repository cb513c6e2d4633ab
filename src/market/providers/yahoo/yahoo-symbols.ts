import { isBinanceSymbol, isForexSymbol, isUsListing, normalizeSymbol } from '../../kernel/symbols.js';

/**
 * Our exchange suffixes (Finnhub's codes, kernel/symbols.ts SUFFIX_MARKETS) and Yahoo's for the same
 * market. Yahoo's come from its "Exchanges and data providers on Yahoo Finance" help page
 * (help.yahoo.com/kb/SLN2310.html), read in the copies public code keeps of its table (e.g. a
 * Streamlit app's `exchange_suffixes`, GnuCash's "Yahoo Codes for Exchanges and Markets"); every
 * suffix below is the same letters on both sides. Two are not in the newest copy's letters: it
 * lists TSX Venture as .TV and Saudi as .SAU, which are Yahoo's exchange codes, while Yahoo's
 * symbols end in .V (GnuCash's copy) and .SR (recorded chart answers for 2330.SR).
 *
 * Left out, so serves() is false for them: BC (Colombia: not in Yahoo's table), DB (Dubai: the
 * table's copies disagree, .AE or none), IR (Euronext Dublin: copies say .ID or .IR), ME (Moscow:
 * not in the table's current copies), NE (Cboe Canada: copies say .NE or .CBOE), VN
 * (Vietnam: not in the table), VS (Vilnius: the table says .VL).
 */
const YAHOO_SUFFIXES = new Set(
  (
    'AS AT AX BA BD BE BK BO BR CN CO CR DE DU F HE HK HM IC IS JK JO KL KQ KS L LS MC MI MU MX NS NZ OL ' +
    'PA PR QA RG SA SG SI SN SR SS ST SW SZ T TA TL TO TW V VI WA'
  ).split(' '),
);

/** The forex venue whose pairs are spot rates, the same thing Yahoo's `EURUSD=X` quotes. */
const FOREX_VENUE = 'OANDA';
const CURRENCY = /^[A-Z]{3}$/;
const YAHOO_FOREX = /^([A-Z]{3})([A-Z]{3})=X$/;

/** The exchange suffix of one of our symbols that Yahoo shares (VOD.L -> 'L'), or null (AAPL, BRK.B). */
export function exchangeSuffix(symbol: string): string | null {
  if (symbol.includes(':')) return null;
  const suffix = symbol.slice(symbol.lastIndexOf('.') + 1);
  return symbol.includes('.') && YAHOO_SUFFIXES.has(suffix) ? suffix : null;
}

/**
 * Yahoo's symbol for one of ours, or null where Yahoo has no symbol we can be sure is the same
 * instrument: AAPL -> AAPL, BRK.B -> BRK-B (Yahoo writes share classes with a dash), VOD.L -> VOD.L,
 * ERE.UN.TO -> ERE-UN.TO, OANDA:EUR_USD -> EURUSD=X. BINANCE:BTCUSDT is null: Yahoo's BTC-USD is
 * priced in US dollars, not Tether, so it is another instrument.
 */
export function toYahooSymbol(symbol: string): string | null {
  if (isBinanceSymbol(symbol)) return null;
  if (isForexSymbol(symbol)) {
    const [venue, pair = ''] = symbol.split(':');
    const [base = '', quote = ''] = pair.split('_');
    return venue === FOREX_VENUE && CURRENCY.test(base) && CURRENCY.test(quote) ? `${base}${quote}=X` : null;
  }
  if (normalizeSymbol(symbol) !== symbol || symbol.includes(':')) return null;
  const suffix = exchangeSuffix(symbol);
  if (suffix) return `${symbol.slice(0, -suffix.length - 1).replaceAll('.', '-')}.${suffix}`;
  // No exchange suffix, or a one-letter one that is no exchange's: a US listing, its class after a dash.
  return isUsListing(symbol) ? symbol.replaceAll('.', '-') : null;
}

/**
 * Our symbol for a Yahoo symbol, or null for a form we cannot express (^indices, =F futures, markets
 * not mapped above): BRK-B -> BRK.B, VOD.L -> VOD.L, EURUSD=X -> OANDA:EUR_USD. The form alone does
 * not tell an option or a coin (AAPL260227C00270000, BTC-USD) from a US ticker: callers go by the
 * result's type first.
 */
export function fromYahooSymbol(yahooSymbol: string): string | null {
  const forex = YAHOO_FOREX.exec(yahooSymbol);
  if (forex) return `${FOREX_VENUE}:${forex[1]}_${forex[2]}`;
  const dot = yahooSymbol.lastIndexOf('.');
  let ours: string;
  if (dot < 0) {
    // A US class: Yahoo's BRK-B is our BRK.B (longer tails, e.g. preferred series, stay as they are).
    ours = yahooSymbol.replace(/-([A-Z])$/, '.$1');
  } else {
    if (!YAHOO_SUFFIXES.has(yahooSymbol.slice(dot + 1))) return null;
    ours = yahooSymbol;
  }
  return normalizeSymbol(ours) === ours && toYahooSymbol(ours) === yahooSymbol ? ours : null;
}
