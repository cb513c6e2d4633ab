import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import type { Bar, InstrumentInfo, KeyMetrics, Quote, SymbolMatch } from '../../kernel/instruments.js';
import { DAY_MS, utcDayStart } from '../../kernel/periods.js';
import type { Capability, Delay } from '../../kernel/sources.js';
import { isForexSymbol } from '../../kernel/symbols.js';
import type { DailyHistoryCall, MarketSource, SourceLimits } from '../source.js';
import { finiteNumber } from '../source-http.js';
import {
  type BarTime,
  fetchChart,
  fetchSearch,
  price,
  type YahooChart,
  type YahooHttp,
} from './yahoo-client.js';
import { yahooDelayMinutes } from './yahoo-delays.js';
import { fromYahooSymbol, toYahooSymbol } from './yahoo-symbols.js';

export const DEFAULT_YAHOO_API_URL = 'https://query1.finance.yahoo.com';

export interface YahooSourceOptions {
  /** Base URL of Yahoo's query API (YAHOO_API_URL); tests point it at a loopback fake. */
  apiUrl?: string;
  timeoutMs: number;
  /** "Now" for the daily history's range. */
  clock: Clock;
  logger?: Logger;
  /** Told the outcome of every call: the HTTP status, or 'timeout' / 'network'. */
  onCall?: (status: string) => void;
}

const SERVED: ReadonlySet<Capability> = new Set([
  'quotes',
  'daily_history',
  'intraday_history',
  'search',
  'key_metrics',
  'fx_rates',
]);

/** Yahoo's `instrumentType` / search `quoteType` in the words our other sources use. */
const TYPES: Readonly<Record<string, string>> = {
  EQUITY: 'Common Stock',
  ETF: 'ETP',
  MUTUALFUND: 'Mutual Fund',
  CURRENCY: 'Forex',
};

const YEAR_MS = 365 * DAY_MS;

/**
 * Yahoo Finance, no key: quotes (from the chart answer's `meta`), daily and 1-minute history,
 * search, the 52-week range, FX pairs and what an instrument is. It has no live trades, company
 * profiles or market status here. Prices are in the trading currency (Yahoo's pence become pounds)
 * and carry Yahoo's delay for the market (yahoo-delays.ts).
 */
export class YahooSource implements MarketSource {
  readonly id = 'yahoo' as const;
  /**
   * Yahoo publishes no limit for these endpoints and answers 429 when it sees too many calls from
   * one address; a minute's budget this size has kept public clients clear of it.
   */
  readonly limits: SourceLimits = {
    requestsPerMinute: 60,
    description: 'no key; unofficial endpoints without a published limit (60 calls a minute kept)',
  };
  private readonly http: YahooHttp;

  constructor(private readonly options: YahooSourceOptions) {
    this.http = {
      apiUrl: (options.apiUrl ?? DEFAULT_YAHOO_API_URL).replace(/\/+$/, ''),
      timeoutMs: options.timeoutMs,
      onCall: options.onCall,
    };
  }

  serves(capability: Capability, symbol: string): boolean {
    if (!SERVED.has(capability)) return false;
    if (capability === 'search') return true;
    if (capability === 'fx_rates' && !isForexSymbol(symbol)) return false;
    return toYahooSymbol(symbol) !== null;
  }

  delay(capability: Capability, symbol: string): Delay {
    return capability === 'daily_history' ? 'end_of_day' : yahooDelayMinutes(symbol);
  }

  async getQuote({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<Quote | null> {
    const chart = await this.chart(symbol, { interval: '1d', range: '1d' }, 'day', signal);
    if (!chart) return null;
    const { meta, divisor } = chart;
    const last = price(meta.regularMarketPrice, divisor);
    const seconds = finiteNumber(meta.regularMarketTime);
    if (last === null || seconds === null || seconds <= 0) return null;
    const time = seconds * 1000;
    // chartPreviousClose is the close before the chart's first bar: yesterday's only for a one-day chart.
    const previousClose =
      price(meta.previousClose, divisor) ??
      (meta.range === '1d' ? price(meta.chartPreviousClose, divisor) : null);
    const today = chart.bars.at(-1);
    const change = previousClose === null ? null : last - previousClose;
    const volume = finiteNumber(meta.regularMarketVolume);
    return {
      symbol,
      price: last,
      change,
      changePercent: change === null || previousClose === null ? null : (change / previousClose) * 100,
      open: today && chart.tradingDay(seconds) === today.time ? today.open : null,
      high: price(meta.regularMarketDayHigh, divisor),
      low: price(meta.regularMarketDayLow, divisor),
      previousClose,
      volume: volume !== null && volume >= 0 ? volume : null,
      time,
      source: this.id,
      delayMinutes: yahooDelayMinutes(
        symbol,
        typeof meta.exchangeName === 'string' ? meta.exchangeName : null,
      ),
    };
  }

  /** Daily bars from `from` to now; a day still trading is left out (this history is end of day). */
  async dailyHistory({ symbol, from, signal }: DailyHistoryCall): Promise<Bar[] | null> {
    const now = this.options.clock.now();
    const chart = await this.chart(
      symbol,
      { interval: '1d', period1: String(Math.floor(from / 1000)), period2: String(Math.floor(now / 1000)) },
      'day',
      signal,
    );
    if (!chart) return null;
    const forming = formingDay(chart);
    return chart.bars.filter((bar) => bar.time >= utcDayStart(from) && bar.time !== forming);
  }

  /** The last five days of 1-minute bars (Yahoo keeps 1-minute bars for about a week). */
  async intradayHistory({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<Bar[] | null> {
    const chart = await this.chart(symbol, { interval: '1m', range: '5d' }, 'minute', signal);
    return chart ? chart.bars : null;
  }

  async describe({
    symbol,
    signal,
  }: {
    symbol: string;
    signal?: AbortSignal;
  }): Promise<InstrumentInfo | null> {
    const chart = await this.chart(symbol, { interval: '1d', range: '1d' }, 'day', signal);
    if (!chart) return null;
    const { meta } = chart;
    const name = text(meta.longName) ?? text(meta.shortName) ?? symbol;
    const type = text(meta.instrumentType);
    return {
      symbol,
      name,
      exchange: text(meta.fullExchangeName) ?? text(meta.exchangeName),
      currency: chart.currency,
      type: type === null ? null : (TYPES[type] ?? type),
    };
  }

  async search({ query, signal }: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]> {
    const quotes = await fetchSearch(this.http, query, signal);
    const matches = new Map<string, SymbolMatch>();
    for (const quote of quotes) {
      const type = typeof quote.quoteType === 'string' ? TYPES[quote.quoteType] : undefined;
      const symbol = typeof quote.symbol === 'string' && type ? fromYahooSymbol(quote.symbol) : null;
      if (!symbol || !type || matches.has(symbol)) continue;
      matches.set(symbol, {
        symbol,
        description: text(quote.longname) ?? text(quote.shortname) ?? symbol,
        type,
      });
    }
    return [...matches.values()];
  }

  /**
   * The 52-week range from the chart answer's `meta`, or, where Yahoo leaves it out, from a year of
   * daily bars. Yahoo's chart has no market capitalisation: null.
   */
  async keyMetrics({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<KeyMetrics | null> {
    const chart = await this.chart(symbol, { interval: '1d', range: '1d' }, 'day', signal);
    if (!chart) return null;
    const high = price(chart.meta.fiftyTwoWeekHigh, chart.divisor);
    const low = price(chart.meta.fiftyTwoWeekLow, chart.divisor);
    if (high !== null && low !== null) return { week52High: high, week52Low: low, marketCap: null };
    const year = await this.dailyHistory({ symbol, from: this.options.clock.now() - YEAR_MS, signal });
    if (!year || year.length === 0) return { week52High: high, week52Low: low, marketCap: null };
    return {
      week52High: Math.max(...year.map((bar) => bar.high)),
      week52Low: Math.min(...year.map((bar) => bar.low)),
      marketCap: null,
    };
  }

  private async chart(
    symbol: string,
    query: Record<string, string>,
    bars: BarTime,
    signal?: AbortSignal,
  ): Promise<YahooChart | null> {
    const yahooSymbol = toYahooSymbol(symbol);
    if (!yahooSymbol) return null;
    const chart = await fetchChart(this.http, yahooSymbol, query, bars, signal);
    if (chart === null)
      this.options.logger?.debug({ symbol, yahooSymbol }, 'Yahoo Finance has no chart for it');
    return chart;
  }
}

/** The day (bar time) of a session still under way when Yahoo answered, or null when none is. */
function formingDay(chart: YahooChart): number | null {
  const period = (chart.meta as { currentTradingPeriod?: { regular?: { start?: unknown; end?: unknown } } })
    .currentTradingPeriod?.regular;
  const start = finiteNumber(period?.start);
  const end = finiteNumber(period?.end);
  const at = finiteNumber(chart.meta.regularMarketTime);
  if (start === null || end === null || at === null || at >= end) return null;
  const last = chart.bars.at(-1);
  return last && last.time === chart.tradingDay(start) ? last.time : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
