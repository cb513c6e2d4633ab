import type { Clock } from '../../../clock.js';
import type { Bar, InstrumentInfo, Quote } from '../../kernel/instruments.js';
import { DAY_MS, MINUTE_MS, utcDayStart } from '../../kernel/periods.js';
import type { Capability, Delay } from '../../kernel/sources.js';
import type { DailyHistoryCall, MarketSource, SourceLimits } from '../source.js';
import { getJson } from '../source-http.js';
import { barFromKline, binancePair, epochMs, price, quoteFromDay } from './binance-wire.js';

/** Binance's public REST API (market data needs no key). */
export const BINANCE_API_URL = 'https://api.binance.com';

export interface BinanceSourceOptions {
  /** REST base (BINANCE_API_URL); Binance's own when not given. */
  apiUrl?: string;
  timeoutMs: number;
  /** "Now": which UTC day a candle is, where history starts. */
  clock: Clock;
  /** Told the outcome of every call: the HTTP status, or 'timeout' / 'network'. */
  onCall?: (status: string) => void;
}

const SERVED: ReadonlySet<Capability> = new Set<Capability>([
  'live_trades',
  'quotes',
  'intraday_history',
  'daily_history',
]);

/** Binance's most klines in one answer. */
const KLINES_PER_REQUEST = 1000;
/** UTC days of 1-minute bars loaded (today's and the four before): the "5 days" chart's range. */
const INTRADAY_DAYS = 5;
const INTRADAY_PAGES = Math.ceil((INTRADAY_DAYS * DAY_MS) / MINUTE_MS / KLINES_PER_REQUEST);

/**
 * Binance's public REST API for `BINANCE:` spot pairs: quotes (the UTC day's candle, see
 * `quoteFromDay`), daily and 1-minute history (klines) and names (exchangeInfo), all real time and
 * without a key. Its live trades come from `BinanceFeed`. An unknown pair (400, code -1121) is
 * answered null; every other failure is a ProviderError.
 */
export class BinanceSource implements MarketSource {
  readonly id = 'binance';
  /**
   * Binance allows 6,000 request weight a minute per address; a kline request weighs 2, exchangeInfo
   * 20. At 300 calls a minute even describing a new symbol with every call stays within the limit,
   * and it leaves room for other programs behind the same address.
   */
  readonly limits: SourceLimits = {
    requestsPerMinute: 300,
    description: 'no key; 6,000 request weight a minute per address (this app makes at most 300 calls)',
  };
  private readonly base: string;

  constructor(private readonly options: BinanceSourceOptions) {
    this.base = (options.apiUrl ?? BINANCE_API_URL).replace(/\/+$/, '');
  }

  serves(capability: Capability, symbol: string): boolean {
    return SERVED.has(capability) && binancePair(symbol) !== null;
  }

  /** Everything Binance answers is as of the moment asked. */
  delay(_capability: Capability, _symbol: string): Delay {
    return 0;
  }

  /**
   * The quote from the current UTC day's candle. Binance's budget is wide, so a `background` call is
   * served like any other (the registry's budget for this source still applies).
   */
  async getQuote({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<Quote | null> {
    const pair = binancePair(symbol);
    if (pair === null) return null;
    const row = (await this.klines(pair, '1d', { limit: '1' }, signal))?.at(-1);
    if (!Array.isArray(row)) return null;
    const dayStart = epochMs(row[0]);
    const dayEnd = epochMs(row[6]);
    if (dayStart === null || dayEnd === null) return null;
    const now = this.options.clock.now();
    if (dayStart === utcDayStart(now)) {
      // The candle is as of this answer: its close is the price now.
      const day = { open: row[1], high: row[2], low: row[3], close: row[4], volume: row[5] };
      return quoteFromDay(symbol, day, Math.min(now, dayEnd));
    }
    // No trade yet today (a quiet pair): the last price stands, unchanged, since the day it was made.
    const last = price(row[4]);
    if (last === null) return null;
    return {
      symbol,
      price: last,
      change: 0,
      changePercent: 0,
      open: null,
      high: null,
      low: null,
      previousClose: last,
      volume: 0,
      time: dayEnd,
      source: 'binance',
      delayMinutes: 0,
    };
  }

  /** Daily (UTC) bars from `from`, today's unfinished one included; at most the last 1,000 days (one request). */
  async dailyHistory({ symbol, from, signal }: DailyHistoryCall): Promise<Bar[] | null> {
    const pair = binancePair(symbol);
    if (pair === null) return null;
    const oldest = utcDayStart(this.options.clock.now()) - (KLINES_PER_REQUEST - 1) * DAY_MS;
    const startTime = String(Math.max(from, oldest));
    const rows = await this.klines(pair, '1d', { startTime, limit: String(KLINES_PER_REQUEST) }, signal);
    return rows === null ? null : barsOf(rows);
  }

  /** 1-minute bars of today and the four UTC days before, in pages of 1,000. */
  async intradayHistory({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<Bar[] | null> {
    const pair = binancePair(symbol);
    if (pair === null) return null;
    const now = this.options.clock.now();
    let startTime = utcDayStart(now) - (INTRADAY_DAYS - 1) * DAY_MS;
    const bars: Bar[] = [];
    for (let page = 0; page < INTRADAY_PAGES && startTime <= now; page++) {
      const query = { startTime: String(startTime), limit: String(KLINES_PER_REQUEST) };
      const rows = await this.klines(pair, '1m', query, signal);
      if (rows === null) return page === 0 ? null : bars;
      bars.push(...barsOf(rows));
      const last = rows.at(-1);
      const lastTime = Array.isArray(last) ? epochMs(last[0]) : null;
      if (rows.length < KLINES_PER_REQUEST || lastTime === null) break;
      startTime = lastTime + MINUTE_MS;
    }
    return bars;
  }

  /** Base and quote asset from exchangeInfo ("BTC/USDT", priced in USDT); null for a pair Binance does not list. */
  async describe({
    symbol,
    signal,
  }: {
    symbol: string;
    signal?: AbortSignal;
  }): Promise<InstrumentInfo | null> {
    const pair = binancePair(symbol);
    if (pair === null) return null;
    const body = await this.get('/api/v3/exchangeInfo', { symbol: pair }, signal);
    const listed = isRecord(body) && Array.isArray(body.symbols) ? body.symbols : [];
    // Only the pair asked for: never another pair's assets.
    const entry = listed.find(
      (item): item is Record<string, unknown> => isRecord(item) && item.symbol === pair,
    );
    if (!entry || typeof entry.baseAsset !== 'string' || typeof entry.quoteAsset !== 'string') return null;
    return {
      symbol,
      name: `${entry.baseAsset}/${entry.quoteAsset}`,
      exchange: 'BINANCE',
      currency: entry.quoteAsset,
      type: 'Crypto',
    };
  }

  /** Kline rows, oldest first; null when Binance does not know the pair (or answers no list). */
  private async klines(
    pair: string,
    interval: '1d' | '1m',
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown[] | null> {
    const body = await this.get('/api/v3/klines', { symbol: pair, interval, ...query }, signal);
    return Array.isArray(body) ? body : null;
  }

  private get(
    path: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return getJson(`${this.base}${path}?${new URLSearchParams(query)}`, {
      sourceName: 'Binance',
      timeoutMs: this.options.timeoutMs,
      signal,
      onCall: this.options.onCall,
      readFailure: (status, body) => (isInvalidSymbol(status, body) ? 'unknown' : undefined),
    });
  }
}

function barsOf(rows: unknown[]): Bar[] {
  const bars: Bar[] = [];
  for (const row of rows) {
    const bar = barFromKline(row);
    if (bar) bars.push(bar);
  }
  return bars;
}

/** Binance's answer to a pair it does not list: 400 `{"code":-1121,"msg":"Invalid symbol."}`. */
function isInvalidSymbol(status: number, body: string): boolean {
  if (status !== 400) return false;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) && parsed.code === -1121;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
