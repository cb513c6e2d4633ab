/**
 * A small client of our own for Yahoo Finance's public chart and search endpoints, rather than the
 * `yahoo-finance2` package. That package (v3: `new YahooFinance({ YF_QUERY_HOST, fetch })`; v2 had a
 * default instance with the same options) can only change the host: its URLs are hard-coded
 * `https://${YF_QUERY_HOST}/...`, so a plain-HTTP loopback fake would need a custom `fetch` that
 * rewrites every URL. Even then it fetches a cookie and crumb from other Yahoo hosts for some
 * modules, queues calls in one module-wide queue, throws its own error classes after schema
 * validation, and logs notices, none of which maps onto our ProviderError without a second HTTP
 * layer beside `source-http.ts`. The two endpoints used here need no crumb:
 * `/v8/finance/chart/{symbol}` (bars and, in `meta`, the latest price and day figures) and
 * `/v1/finance/search?q=`.
 */
import type { Bar } from '../../kernel/instruments.js';
import { minuteStart } from '../../kernel/periods.js';
import { finiteNumber, getJson, positivePrice } from '../source-http.js';

export interface YahooHttp {
  /** Base URL, e.g. https://query1.finance.yahoo.com (YAHOO_API_URL). */
  readonly apiUrl: string;
  readonly timeoutMs: number;
  readonly onCall?: ((status: string) => void) | undefined;
}

/** The chart answer's `meta`, as far as it is read here. Prices are in `currency`'s units. */
export interface ChartMeta {
  symbol?: unknown;
  currency?: unknown;
  exchangeName?: unknown;
  fullExchangeName?: unknown;
  instrumentType?: unknown;
  longName?: unknown;
  shortName?: unknown;
  /** Epoch seconds. */
  regularMarketTime?: unknown;
  regularMarketPrice?: unknown;
  regularMarketDayHigh?: unknown;
  regularMarketDayLow?: unknown;
  regularMarketVolume?: unknown;
  /** The previous session's close; Yahoo sends it with intraday intervals and `range=1d`. */
  previousClose?: unknown;
  /** The close before the chart's first bar: the previous session's only when `range` is '1d'. */
  chartPreviousClose?: unknown;
  range?: unknown;
  fiftyTwoWeekHigh?: unknown;
  fiftyTwoWeekLow?: unknown;
  /** Seconds east of UTC, at the time of the answer (so not of every bar across a DST change). */
  gmtoffset?: unknown;
  exchangeTimezoneName?: unknown;
}

/** A chart answer read: figures converted from minor units (pence) to the trading currency. */
export interface YahooChart {
  meta: ChartMeta;
  /** ISO 4217 code of the figures below (GBP for Yahoo's GBp), null when Yahoo names none. */
  currency: string | null;
  /** Divide Yahoo's figures by this to get `currency` units (100 for pence, cents and agorot). */
  divisor: number;
  /** Bars in `currency`, oldest first, with every bar Yahoo left incomplete (nulls) skipped. */
  bars: Bar[];
  /** The trading day an instant (epoch seconds) falls in, as a daily bar's `time`. */
  tradingDay: (seconds: number) => number;
}

/**
 * Yahoo quotes London in pence (GBp, sometimes GBX), Johannesburg in cents (ZAc) and Tel Aviv in
 * agorot (ILA): a hundredth of the currency the market trades in, and of the app's prices.
 */
const MINOR_UNITS: Readonly<Record<string, string>> = {
  GBp: 'GBP',
  GBX: 'GBP',
  ZAc: 'ZAR',
  ZAC: 'ZAR',
  ILA: 'ILS',
};

/** Yahoo answers 429 "Too Many Requests" to clients that do not look like a browser. */
const HEADERS = { 'User-Agent': 'Mozilla/5.0 (compatible; stock-tracker)' };

export type BarTime = 'minute' | 'day';

/**
 * GETs the chart of `yahooSymbol` with `query` (interval and range or period1/period2). Null when
 * Yahoo does not know the symbol (404 `{"chart":{"result":null,"error":{"code":"Not Found",...}}}`),
 * answers without a usable price, or answers for another symbol than asked.
 */
export async function fetchChart(
  http: YahooHttp,
  yahooSymbol: string,
  query: Record<string, string>,
  bars: BarTime,
  signal?: AbortSignal,
): Promise<YahooChart | null> {
  const url = `${http.apiUrl}/v8/finance/chart/${encodeURIComponent(yahooSymbol)}?${new URLSearchParams(query)}`;
  const body = (await getJson(url, {
    sourceName: 'Yahoo Finance',
    timeoutMs: http.timeoutMs,
    onCall: http.onCall,
    headers: HEADERS,
    signal,
  })) as { chart?: { result?: unknown; error?: unknown } } | null;
  const result = body?.chart?.result;
  if (!Array.isArray(result)) return null;
  const chart = result[0] as
    | { meta?: ChartMeta; timestamp?: unknown; indicators?: { quote?: unknown } }
    | undefined;
  const meta = chart?.meta;
  if (!meta || typeof meta.symbol !== 'string' || meta.symbol.toUpperCase() !== yahooSymbol.toUpperCase()) {
    return null;
  }
  const yahooCurrency = typeof meta.currency === 'string' && meta.currency !== '' ? meta.currency : null;
  const major = yahooCurrency === null ? null : (MINOR_UNITS[yahooCurrency] ?? yahooCurrency.toUpperCase());
  const divisor = yahooCurrency !== null && yahooCurrency in MINOR_UNITS ? 100 : 1;
  const quotes = Array.isArray(chart.indicators?.quote) ? chart.indicators.quote : [];
  const tradingDay = dayOf(meta);
  return {
    meta,
    currency: major,
    divisor,
    bars: readBars(chart.timestamp, quotes[0], divisor, bars === 'day' ? tradingDay : minuteOf),
    tradingDay,
  };
}

export interface YahooSearchQuote {
  symbol?: unknown;
  quoteType?: unknown;
  longname?: unknown;
  shortname?: unknown;
}

/** GETs `/v1/finance/search` for `query`: the instruments found (news and the rest are not asked for). */
export async function fetchSearch(
  http: YahooHttp,
  query: string,
  signal?: AbortSignal,
): Promise<YahooSearchQuote[]> {
  const params = new URLSearchParams({
    q: query,
    quotesCount: '10',
    newsCount: '0',
    enableFuzzyQuery: 'false',
  });
  const body = (await getJson(`${http.apiUrl}/v1/finance/search?${params}`, {
    sourceName: 'Yahoo Finance',
    timeoutMs: http.timeoutMs,
    onCall: http.onCall,
    headers: HEADERS,
    signal,
  })) as { quotes?: unknown } | null;
  return Array.isArray(body?.quotes) ? (body.quotes as YahooSearchQuote[]) : [];
}

/** A figure from the answer in the trading currency, or null unless it is a positive number. */
export function price(value: unknown, divisor: number): number | null {
  const raw = positivePrice(value);
  return raw === null ? null : inUnits(raw, divisor);
}

function inUnits(raw: number, divisor: number): number {
  // 305.3 / 100 is 3.0530000000000004 in floating point; ten decimals keep every real digit.
  return divisor === 1 ? raw : Math.round((raw / divisor) * 1e10) / 1e10;
}

function readBars(
  timestamps: unknown,
  quote: unknown,
  divisor: number,
  startOf: (seconds: number) => number,
): Bar[] {
  if (!Array.isArray(timestamps) || typeof quote !== 'object' || quote === null) return [];
  const columns = quote as Record<string, unknown>;
  const column = (name: string): unknown[] => (Array.isArray(columns[name]) ? columns[name] : []);
  const [opens, highs, lows, closes, volumes] = ['open', 'high', 'low', 'close', 'volume'].map(column);
  const bars: Bar[] = [];
  timestamps.forEach((seconds, i) => {
    const open = price(opens?.[i], divisor);
    const high = price(highs?.[i], divisor);
    const low = price(lows?.[i], divisor);
    const close = price(closes?.[i], divisor);
    // Yahoo sends a minute or a day with no trade as nulls in every column: no bar, not a bar of 0.
    if (typeof seconds !== 'number' || open === null || high === null || low === null || close === null)
      return;
    const volume = finiteNumber(volumes?.[i]);
    const time = startOf(seconds);
    const bar = { time, open, high, low, close, volume: volume !== null && volume > 0 ? volume : 0 };
    // During a session Yahoo may send the forming bar twice (yfinance's _fix_Yahoo_returning_live_separate
    // deals with the same); the later copy is the newer one.
    if (bars.at(-1)?.time === time) bars[bars.length - 1] = bar;
    else bars.push(bar);
  });
  return bars;
}

function minuteOf(seconds: number): number {
  return minuteStart(seconds * 1000);
}

/**
 * A daily bar's start: UTC midnight of the trading day it belongs to, which is its date where the
 * exchange is. Yahoo stamps Tokyo's days at 00:00 JST (15:00 UTC the day before) and a forex day at
 * London midnight, so the UTC date would be a day early. The exchange's time zone name gives each
 * bar's own offset across DST changes; `gmtoffset` (today's) stands in when the name is missing.
 */
function dayOf(meta: ChartMeta): (seconds: number) => number {
  const zone = typeof meta.exchangeTimezoneName === 'string' ? meta.exchangeTimezoneName : null;
  const format = zone ? dateFormat(zone) : null;
  const offset = finiteNumber(meta.gmtoffset) ?? 0;
  return (seconds) => {
    if (format) {
      const [year, month, day] = format
        .format(seconds * 1000)
        .split('-')
        .map(Number);
      if (year && month && day) return Date.UTC(year, month - 1, day);
    }
    const local = new Date((seconds + offset) * 1000);
    return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat | null>();

/** YYYY-MM-DD in `zone`, or null for a zone name this runtime does not know. */
function dateFormat(zone: string): Intl.DateTimeFormat | null {
  if (!dateFormats.has(zone)) {
    try {
      dateFormats.set(
        zone,
        new Intl.DateTimeFormat('en-CA', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
        }),
      );
    } catch {
      dateFormats.set(zone, null);
    }
  }
  return dateFormats.get(zone) ?? null;
}
