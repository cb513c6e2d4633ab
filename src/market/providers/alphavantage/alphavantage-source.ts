import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import { ProviderError } from '../../../errors.js';
import { SingleFlight } from '../../../single-flight.js';
import type { Bar, Quote, SymbolMatch } from '../../kernel/instruments.js';
import { DAY_MS, MINUTE_MS, utcDayStart } from '../../kernel/periods.js';
import type { Capability, Delay } from '../../kernel/sources.js';
import type { DailyHistoryCall, MarketSource, QuoteCall, SourceLimits } from '../source.js';
import { getJson, positivePrice } from '../source-http.js';
import {
  type Body,
  isBody,
  numberField,
  readAnswer,
  text,
  utcDate,
  utcStamp,
} from './alphavantage-answers.js';
import {
  forexPair,
  fromAlphaVantageSymbol,
  minorUnitDivisor,
  toAlphaVantageSymbol,
} from './alphavantage-symbols.js';

export const ALPHA_VANTAGE_API_URL = 'https://www.alphavantage.co';

export interface AlphaVantageOptions {
  /** Where `/query` is (ALPHA_VANTAGE_API_URL); Alpha Vantage's own address by default. */
  apiUrl?: string;
  apiKey: string;
  timeoutMs: number;
  /** "Now" for the history range and the age of end-of-day quotes. */
  clock: Clock;
  logger?: Logger;
  /** Told the outcome of every call: the HTTP status, or 'timeout' / 'network'. */
  onCall?: (status: string) => void;
}

/**
 * How far back `outputsize=compact` surely reaches: its 100 latest points, at most five trading
 * days a week, cover 20 weeks; a day's slack for a latest point that is not today's.
 */
const COMPACT_REACH_MS = 139 * DAY_MS;

/**
 * Alpha Vantage (a free key: 25 requests a day) for what the keyless sources lack: daily history
 * (TIME_SERIES_DAILY, FX_DAILY), current FX rates (CURRENCY_EXCHANGE_RATE), end-of-day stock quotes
 * (GLOBAL_QUOTE) and symbol search. Its daily quota makes it a source to ask last, and its daily
 * history is worth keeping once fetched.
 *
 * The key goes in the query string, the only place Alpha Vantage takes it; getJson's errors name the
 * path alone, this source's name the function alone, and notices (which can quote the key) are
 * logged with the key blotted out.
 */
export class AlphaVantageSource implements MarketSource {
  readonly id = 'alphavantage';
  readonly limits: SourceLimits = {
    requestsPerMinute: 5,
    requestsPerSecond: 1,
    description:
      '25 requests a day with a free key (5 a minute, about 1 a second); daily history worth keeping',
  };
  private readonly apiUrl: string;
  private readonly calls = new SingleFlight<Body | null>();
  /**
   * Functions whose `outputsize=full` this key was refused as a premium feature (TIME_SERIES_DAILY's
   * is on free keys since 2024): asked for compact only from then on, sparing a request each time.
   */
  private readonly fullRefused = new Set<string>();

  constructor(private readonly options: AlphaVantageOptions) {
    this.apiUrl = (options.apiUrl ?? ALPHA_VANTAGE_API_URL).replace(/\/+$/, '');
  }

  serves(capability: Capability, symbol: string): boolean {
    if (capability === 'search') return true;
    if (forexPair(symbol)) {
      return capability === 'fx_rates' || capability === 'quotes' || capability === 'daily_history';
    }
    return (
      (capability === 'quotes' || capability === 'daily_history') && toAlphaVantageSymbol(symbol) !== null
    );
  }

  /**
   * Stock quotes and every daily bar are end of day: "by default, the quote endpoint is updated at
   * the end of each trading day for all users" (its documentation; realtime and 15-minute delayed
   * US quotes are premium). Exchange rates are its realtime ones.
   */
  delay(capability: Capability, symbol: string): Delay {
    return capability !== 'daily_history' && forexPair(symbol) ? 0 : 'end_of_day';
  }

  async getQuote({ symbol, signal, background }: QuoteCall): Promise<Quote | null> {
    if (background) {
      throw new ProviderError('rate_limited', 'Alpha Vantage requests are kept for what people ask for');
    }
    const pair = forexPair(symbol);
    if (pair) return this.exchangeRate(symbol, pair, signal);
    const avSymbol = toAlphaVantageSymbol(symbol);
    if (avSymbol === null) return null;
    const body = await this.query({ function: 'GLOBAL_QUOTE', symbol: avSymbol }, 'Global Quote', signal);
    const quote = body?.['Global Quote'];
    // An unknown symbol is `{"Global Quote": {}}`; a quote for another symbol is no quote for this one.
    if (!isBody(quote) || text(quote['01. symbol'])?.toUpperCase() !== avSymbol) return null;
    const unit = minorUnitDivisor(symbol);
    const major = (value: number | null) => (value === null ? null : value / unit);
    const price = major(positivePrice(numberField(quote['05. price'])));
    const tradingDay = utcDate(quote['07. latest trading day']);
    if (price === null || tradingDay === null) return null;
    // Only the day is given: the close came before that UTC day ended (every market's local day
    // ends its session by then), so the end of the day, or now if sooner, is the latest it can be.
    const now = this.options.clock.now();
    const time = Math.min(now, tradingDay + DAY_MS - 1);
    return {
      symbol,
      price,
      change: major(numberField(quote['09. change'])),
      changePercent: numberField(quote['10. change percent']),
      open: major(positivePrice(numberField(quote['02. open']))),
      high: major(positivePrice(numberField(quote['03. high']))),
      low: major(positivePrice(numberField(quote['04. low']))),
      previousClose: major(positivePrice(numberField(quote['08. previous close']))),
      volume: nonNegative(numberField(quote['06. volume'])),
      time,
      source: this.id,
      // End of day has no number of minutes: how old the close is, at least, when it is fetched.
      delayMinutes: Math.floor((now - time) / MINUTE_MS),
    };
  }

  async dailyHistory({ symbol, from, signal }: DailyHistoryCall): Promise<Bar[] | null> {
    const series = dailySeries(symbol);
    if (series === null) return null;
    const body = await this.series(series.params, series.dataKey, from, signal);
    if (body === null) return null;
    const meta = body['Meta Data'];
    if (isBody(meta) && !series.isThisSymbol(meta)) return null;
    const days = body[series.dataKey];
    if (!isBody(days)) return null;
    const firstDay = utcDayStart(from);
    const bars: Bar[] = [];
    for (const [date, values] of Object.entries(days)) {
      const time = utcDate(date);
      const bar =
        isBody(values) && time !== null && time >= firstDay
          ? toBar(time, values, minorUnitDivisor(symbol))
          : null;
      if (bar) bars.push(bar);
    }
    return bars.sort((a, b) => a.time - b.time);
  }

  async search({ query, signal }: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]> {
    const body = await this.query({ function: 'SYMBOL_SEARCH', keywords: query }, 'bestMatches', signal);
    const matches = body?.bestMatches;
    if (!Array.isArray(matches)) return [];
    const found = new Map<string, SymbolMatch>();
    for (const match of matches) {
      if (!isBody(match)) continue;
      const symbol = fromAlphaVantageSymbol(text(match['1. symbol']) ?? '');
      if (symbol === null || found.has(symbol)) continue;
      const type = text(match['3. type']);
      found.set(symbol, {
        symbol,
        description: text(match['2. name']) ?? '',
        // Finnhub's word for a share, so both sources' matches read alike.
        type: type === 'Equity' ? 'Common Stock' : (type ?? ''),
      });
    }
    return [...found.values()];
  }

  private async exchangeRate(
    symbol: string,
    pair: { from: string; to: string },
    signal: AbortSignal | undefined,
  ): Promise<Quote | null> {
    const body = await this.query(
      { function: 'CURRENCY_EXCHANGE_RATE', from_currency: pair.from, to_currency: pair.to },
      'Realtime Currency Exchange Rate',
      signal,
    );
    const rate = body?.['Realtime Currency Exchange Rate'];
    // The codes are echoed as they were asked, in lower case for some requests.
    if (
      !isBody(rate) ||
      text(rate['1. From_Currency Code'])?.toUpperCase() !== pair.from ||
      text(rate['3. To_Currency Code'])?.toUpperCase() !== pair.to
    ) {
      return null;
    }
    const price = positivePrice(numberField(rate['5. Exchange Rate']));
    const time = text(rate['7. Time Zone']) === 'UTC' ? utcStamp(rate['6. Last Refreshed']) : null;
    if (price === null || time === null) return null;
    return {
      symbol,
      price,
      change: null,
      changePercent: null,
      open: null,
      high: null,
      low: null,
      previousClose: null,
      volume: null,
      time,
      source: this.id,
      delayMinutes: 0,
    };
  }

  /**
   * A daily series back to `from`: `full` when compact cannot reach that far, unless the key was
   * refused it before; a refusal as a premium feature is remembered and compact asked instead.
   */
  private async series(
    params: Record<string, string>,
    dataKey: string,
    from: number,
    signal: AbortSignal | undefined,
  ): Promise<Body | null> {
    const fn = params.function ?? '';
    if (this.options.clock.now() - from > COMPACT_REACH_MS && !this.fullRefused.has(fn)) {
      try {
        return await this.query({ ...params, outputsize: 'full' }, dataKey, signal);
      } catch (error) {
        if (!(error instanceof ProviderError) || error.reason !== 'plan_required') throw error;
        this.fullRefused.add(fn);
        this.options.logger?.info(
          { function: fn },
          'alpha vantage: full history needs a paid plan; asking compact',
        );
      }
    }
    return this.query({ ...params, outputsize: 'compact' }, dataKey, signal);
  }

  /** One GET of `/query`; identical concurrent calls share one request (a request is precious here). */
  private query(
    params: Record<string, string>,
    dataKey: string,
    signal: AbortSignal | undefined,
  ): Promise<Body | null> {
    const fn = params.function ?? '';
    const asked = new URLSearchParams(params).toString();
    return this.calls.run(asked, async () => {
      const url = `${this.apiUrl}/query?${asked}&${new URLSearchParams({ apikey: this.options.apiKey })}`;
      const body = await getJson(url, {
        sourceName: 'Alpha Vantage',
        timeoutMs: this.options.timeoutMs,
        signal,
        onCall: this.options.onCall,
      });
      if (body === null) return null;
      return readAnswer(body, { function: fn, dataKey, now: this.options.clock.now() }, (notice) =>
        this.options.logger?.warn(
          { function: fn, notice: notice.replaceAll(this.options.apiKey, '[key]') },
          'alpha vantage answered with a notice it does not explain',
        ),
      );
    });
  }
}

interface DailySeries {
  params: Record<string, string>;
  /** The key of the days in the answer. */
  dataKey: string;
  /** Whether the answer's "Meta Data" names the asked symbol. */
  isThisSymbol(meta: Body): boolean;
}

/** Which daily series of Alpha Vantage a symbol's history is, or null when it has none. */
function dailySeries(symbol: string): DailySeries | null {
  const pair = forexPair(symbol);
  if (pair) {
    return {
      params: { function: 'FX_DAILY', from_symbol: pair.from, to_symbol: pair.to },
      dataKey: 'Time Series FX (Daily)',
      isThisSymbol: (meta) =>
        text(meta['2. From Symbol'])?.toUpperCase() === pair.from &&
        text(meta['3. To Symbol'])?.toUpperCase() === pair.to,
    };
  }
  const avSymbol = toAlphaVantageSymbol(symbol);
  if (avSymbol === null) return null;
  return {
    params: { function: 'TIME_SERIES_DAILY', symbol: avSymbol },
    dataKey: 'Time Series (Daily)',
    // It echoes the symbol as asked, in lower case for some requests.
    isThisSymbol: (meta) => text(meta['2. Symbol'])?.toUpperCase() === avSymbol,
  };
}

/** A daily bar from one day's fields; null unless open, high, low and close are all prices. */
function toBar(time: number, values: Body, unit: number): Bar | null {
  const open = positivePrice(numberField(values['1. open']));
  const high = positivePrice(numberField(values['2. high']));
  const low = positivePrice(numberField(values['3. low']));
  const close = positivePrice(numberField(values['4. close']));
  if (open === null || high === null || low === null || close === null) return null;
  // FX_DAILY has no volume.
  return {
    time,
    open: open / unit,
    high: high / unit,
    low: low / unit,
    close: close / unit,
    volume: nonNegative(numberField(values['5. volume'])) ?? 0,
  };
}

function nonNegative(value: number | null): number | null {
  return value !== null && value >= 0 ? value : null;
}
