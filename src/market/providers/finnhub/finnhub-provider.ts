import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import { ProviderError } from '../../../errors.js';
import { SingleFlight } from '../../../single-flight.js';
import type {
  Bar,
  CompanyProfile,
  InstrumentInfo,
  KeyMetrics,
  Logo,
  MarketState,
  MarketStatus,
  ProviderHistory,
  Quote,
  SymbolMatch,
} from '../../kernel/instruments.js';
import { DAY_MS, minuteStart, utcDayStart } from '../../kernel/periods.js';
import { inRegularSession } from '../../kernel/sessions.js';
import type { Capability, Delay } from '../../kernel/sources.js';
import { isBinanceSymbol, isForexSymbol, isUsListing, marketOfSymbol } from '../../kernel/symbols.js';
import type { MarketDataProvider } from '../provider.js';
import type { RestBudget } from '../rest-budget.js';
import type { DailyHistoryCall, MarketSource, QuoteCall, SourceLimits, SymbolCall } from '../source.js';
import { finiteNumber, getJson, positivePrice } from '../source-http.js';
import type { UpstreamCallers } from '../upstream-callers.js';

export interface FinnhubOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  budget: RestBudget;
  /** "Now" for the candle range. */
  clock: Clock;
  logger: Logger;
  /** How long an interactive call may wait for a free slot in the REST budget before giving up. */
  maxBudgetWaitMs?: number;
  /** Who each call is made for, so one user cannot spend the budget everyone shares. */
  callers?: UpstreamCallers;
  /** Told the outcome of every call: the HTTP status, or 'timeout' / 'network'. */
  onCall?: (status: string) => void;
}

/** REST calls a minute that background work (figures fetched ahead of need) leaves to interactive calls. */
const BACKGROUND_RESERVE = 10;

/** Logos larger than this are not stored (Finnhub's are a few KB). */
const MAX_LOGO_BYTES = 256 * 1024;
const LOGO_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']);

/** Days of 1-minute candles asked for before today's (the simulated market's charts hold as many). */
const INTRADAY_DAYS = 4;

/**
 * Finnhub over REST, as a market-data source: real-time quotes of every symbol form (a free plan is
 * answered "no access" for listings outside the US: ProviderError 'plan_required', which tells the
 * registry to ask another source), candles where the plan has them, profiles, key figures, search
 * and market status. Its live trades come from `FinnhubStreamFeed`. It keeps its own request budget
 * (each user's fair share, a reserve for people's requests), so the registry adds none.
 *
 * The key travels in the X-Finnhub-Token header, never in the URL, so it cannot end up in a log line
 * or an error message; errors carry our own wording only.
 */
export class FinnhubProvider implements MarketDataProvider, MarketSource {
  readonly name = 'finnhub';
  readonly id = 'finnhub';
  readonly limits: SourceLimits;
  private readonly calls = new SingleFlight<unknown>();

  constructor(private readonly options: FinnhubOptions) {
    this.limits = {
      requestsPerMinute: null,
      description: `${options.budget.usage().perMinute} calls a minute (its own budget; a free key allows 60) and one WebSocket`,
    };
  }

  serves(capability: Capability, symbol: string): boolean {
    switch (capability) {
      case 'live_trades':
        // What the free socket streams: US trades, Binance pairs and OANDA forex.
        return (
          isUsListing(symbol) ||
          isBinanceSymbol(symbol) ||
          (symbol.startsWith('OANDA:') && isForexSymbol(symbol))
        );
      case 'quotes':
      case 'search':
      case 'market_status':
        return true;
      case 'daily_history':
      case 'intraday_history':
      case 'profile':
      case 'key_metrics':
        // /stock/candle, /stock/profile2 and /stock/metric know stocks, not VENUE:PAIR forms.
        return !symbol.includes(':');
      case 'fx_rates':
        // A pair's quote (/quote of OANDA:EUR_USD; refused on plans without it); its past is not
        // on /stock/candle, so dailyHistory answers null for it without a call.
        return isForexSymbol(symbol);
    }
  }

  delay(): Delay {
    return 0;
  }

  async getQuote({ symbol, signal, background }: QuoteCall): Promise<Quote | null> {
    const body = asRecord(await this.get('/quote', { symbol }, signal, background));
    // An unknown symbol is answered with 200 and zeros, an unsupported one with {"error": ...}: no
    // price and no time, so no quote.
    const price = positivePrice(body?.c);
    const seconds = finiteNumber(body?.t);
    if (!body || price === null || seconds === null || seconds <= 0) return null;
    const previousClose = positivePrice(body.pc);
    return {
      symbol,
      price,
      // A change is measured from the previous close; without one (a first day, a partial answer) it means nothing.
      change: previousClose === null ? null : finiteNumber(body.d),
      changePercent: previousClose === null ? null : finiteNumber(body.dp),
      open: positivePrice(body.o),
      high: positivePrice(body.h),
      low: positivePrice(body.l),
      previousClose,
      // /quote has no volume; trades from the stream add it up.
      volume: null,
      time: seconds * 1000,
      source: 'finnhub',
      delayMinutes: 0,
    };
  }

  async describe({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<InstrumentInfo> {
    const market = marketOfSymbol(symbol);
    let name = symbol;
    let type = market.type;
    try {
      const match = (await this.searchRaw(symbol, signal)).find((r) => r.symbol === symbol);
      if (match?.description) name = match.description;
      if (match?.type) type = match.type;
    } catch (error) {
      // The symbol is already known to exist (its quote answered); a name is nice to have.
      this.options.logger.warn(
        { symbol, reason: (error as Error).message },
        'finnhub search for a name failed',
      );
    }
    if (market.exchange === null) {
      // A market the symbol form does not tell: its profile may (the filing currency, which for a
      // company listed at home is the trading one); without it the currency stays unknown.
      const profile = await this.profile({ symbol, signal }).catch(() => null);
      return { symbol, name, exchange: profile?.exchange ?? null, currency: profile?.currency ?? null, type };
    }
    return { symbol, name, exchange: market.exchange, currency: market.currency, type };
  }

  async search({ query, signal }: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]> {
    const results = await this.searchRaw(query, signal);
    return results.slice(0, 20).map((r) => ({ symbol: r.symbol, description: r.description, type: r.type }));
  }

  /** 52-week range and market cap; null when Finnhub has none of them for this symbol. */
  async keyMetrics({ symbol, signal, background }: QuoteCall): Promise<KeyMetrics | null> {
    const body = asRecord(await this.get('/stock/metric', { symbol, metric: 'all' }, signal, background));
    // Finnhub has answered an ADR's figures with its home listing's (asked BVDRF, got MBWS.PA's):
    // another instrument's range, in another currency.
    const answered = typeof body?.symbol === 'string' ? body.symbol : null;
    if (answered && answered.toUpperCase() !== symbol.toUpperCase()) {
      this.options.logger.warn(
        { symbol, answered: answered.slice(0, 40) },
        'Finnhub answered key figures for another symbol',
      );
      return null;
    }
    // The map mixes numbers with date strings ("52WeekHighDate") and nulls: only positive numbers count.
    const metric = asRecord(body?.metric);
    let week52High = positivePrice(metric?.['52WeekHigh']);
    let week52Low = positivePrice(metric?.['52WeekLow']);
    if (week52High !== null && week52Low !== null && week52Low > week52High) week52High = week52Low = null;
    const capMillions = positivePrice(metric?.marketCapitalization);
    if (week52High === null && week52Low === null && capMillions === null) return null;
    // Finnhub gives market capitalisation in millions.
    return { week52High, week52Low, marketCap: capMillions === null ? null : capMillions * 1_000_000 };
  }

  async profile({
    symbol,
    signal,
  }: {
    symbol: string;
    signal?: AbortSignal;
  }): Promise<CompanyProfile | null> {
    const body = asRecord(await this.get('/stock/profile2', { symbol }, signal));
    // An unknown symbol (or one without a profile) is answered with {}; Finnhub has also answered
    // with another instrument's profile (asked SGOV, got IBHJ's), which is no profile of this one.
    const ticker = nonEmpty(body?.ticker);
    if (!body || (!nonEmpty(body.name) && !ticker)) return null;
    if (ticker && ticker.toUpperCase() !== symbol.toUpperCase()) {
      this.options.logger.warn(
        { symbol, answered: ticker.slice(0, 40) },
        'Finnhub answered a profile for another ticker',
      );
      return null;
    }
    const ipo = nonEmpty(body.ipo);
    return {
      name: nonEmpty(body.name),
      exchange: nonEmpty(body.exchange),
      currency: nonEmpty(body.currency),
      industry: nonEmpty(body.finnhubIndustry),
      country: nonEmpty(body.country),
      website: webAddress(body.weburl),
      ipo: ipo && /^\d{4}-\d{2}-\d{2}$/.test(ipo) ? ipo : null,
      logoSource: this.logoAddress(body.logo),
    };
  }

  /**
   * The server fetches logos itself, so it only follows https addresses on Finnhub's own hosts, or
   * addresses on the configured API origin (scheme, host and port: the operator chose it): a
   * profile cannot send it anywhere else, nor over plain http.
   */
  private logoAddress(value: unknown): string | null {
    const address = webAddress(value);
    if (!address) return null;
    const url = new URL(address);
    if (url.origin === new URL(this.options.apiUrl).origin) return address;
    const finnhubHost = url.hostname === 'finnhub.io' || url.hostname.endsWith('.finnhub.io');
    return finnhubHost && url.protocol === 'https:' ? address : null;
  }

  /**
   * Fetches a logo from Finnhub's static file host. Not an API call: no key is sent (it would leak
   * to another host) and the REST budget is not charged. Redirects are not followed: one could lead
   * away from the host the address was checked against.
   */
  async logo({ source, signal }: { source: string | null; signal?: AbortSignal }): Promise<Logo | null> {
    if (!source) return null;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(source, {
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new ProviderError('unavailable', `The logo could not be fetched (${(error as Error).name})`);
    }
    if (response.status === 404) return null;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new ProviderError('unavailable', `The logo host redirected (${response.status}); not followed`);
    }
    if (!response.ok) throw new ProviderError('unavailable', `The logo host answered ${response.status}`);
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const data = new Uint8Array(await response.arrayBuffer());
    if (!LOGO_TYPES.has(contentType) || data.length === 0 || data.length > MAX_LOGO_BYTES) return null;
    return { contentType, data };
  }

  /**
   * Daily candles from `from` to now (a paid feature: ProviderError 'plan_required' on a free key);
   * null when Finnhub has none (`{"s":"no_data"}`).
   */
  async dailyHistory({ symbol, from, signal }: DailyHistoryCall): Promise<Bar[] | null> {
    if (symbol.includes(':')) return null;
    // Daily candles are stamped at (or near) midnight UTC of their day: the bar's start is that day.
    return this.candles(symbol, 'D', from, signal, utcDayStart);
  }

  /** 1-minute candles of today and the four days before (paid, like every candle); null when none. */
  async intradayHistory({ symbol, signal }: SymbolCall): Promise<Bar[] | null> {
    const from = utcDayStart(this.options.clock.now()) - INTRADAY_DAYS * DAY_MS;
    return this.candles(symbol, '1', from, signal, minuteStart);
  }

  /** Five years of daily candles, for the backfill of a symbol watched for the first time. */
  async history({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<ProviderHistory> {
    const from = this.options.clock.now() - 5 * 366 * DAY_MS;
    const daily = await this.dailyHistory({ symbol, from, ...(signal ? { signal } : {}) });
    return { daily: daily ?? [], minute: [] };
  }

  private async candles(
    symbol: string,
    resolution: 'D' | '1',
    from: number,
    signal: AbortSignal | undefined,
    barStart: (time: number) => number,
  ): Promise<Bar[] | null> {
    const to = Math.floor(this.options.clock.now() / 1000);
    const body = await this.get(
      '/stock/candle',
      { symbol, resolution, from: String(Math.floor(from / 1000)), to: String(to) },
      signal,
    );
    return candleBars(body, barStart);
  }

  async marketStatus({
    exchange,
    signal,
  }: {
    exchange: string;
    signal?: AbortSignal;
  }): Promise<MarketStatus> {
    const body = asRecord(await this.get('/stock/market-status', { exchange }, signal));
    if (!body) throw new ProviderError('unavailable', `Finnhub has no market status for ${exchange}`);
    const holiday = nonEmpty(body.holiday);
    const session = nonEmpty(body.session);
    const state: MarketState = holiday
      ? 'holiday'
      : body.isOpen === true && (session === 'regular' || !session)
        ? 'open'
        : session === 'pre-market' || session === 'post-market'
          ? session
          : 'closed';
    const name = nonEmpty(body.exchange) ?? exchange;
    const label = state === 'holiday' ? `closed for ${holiday}` : state;
    return {
      exchange: name,
      state,
      holiday,
      timezone: nonEmpty(body.timezone),
      description: `${name} market: ${label}`,
    };
  }

  inSession(symbol: string, time: number): boolean {
    return inRegularSession(symbol, time);
  }

  /** Search results that name a symbol, as strings (Finnhub fills them; a missing one is no match). */
  private async searchRaw(
    query: string,
    signal?: AbortSignal,
  ): Promise<Array<{ symbol: string; description: string; type: string }>> {
    const result = asRecord(await this.get('/search', { q: query }, signal))?.result;
    if (!Array.isArray(result)) return [];
    return result.flatMap((entry: unknown) => {
      const match = asRecord(entry);
      const symbol = nonEmpty(match?.symbol);
      if (!symbol) return [];
      return [{ symbol, description: nonEmpty(match?.description) ?? '', type: nonEmpty(match?.type) ?? '' }];
    });
  }

  /** One call per distinct URL at a time: concurrent callers share the answer (single flight). */
  private get(
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
    background = false,
  ): Promise<unknown> {
    // URLSearchParams percent-encodes every symbol character (M&M.NS asks for M&M.NS, not for M).
    const url = `${this.options.apiUrl}${path}?${new URLSearchParams(params).toString()}`;
    return this.calls.run(url, () => this.fetchJson(url, signal, background));
  }

  private async fetchJson(
    url: string,
    signal: AbortSignal | undefined,
    background: boolean,
  ): Promise<unknown> {
    if (background) {
      // Background work never waits and never takes the slots kept for people's requests.
      if (!this.options.budget.tryTake(BACKGROUND_RESERVE))
        throw new ProviderError('rate_limited', 'The Finnhub request budget is kept for interactive calls');
    } else {
      await this.waitForBudget(this.options.callers?.current());
    }
    try {
      return await getJson(url, {
        sourceName: 'Finnhub',
        timeoutMs: this.options.timeoutMs,
        headers: { 'X-Finnhub-Token': this.options.apiKey },
        signal,
        readFailure: noAccessError,
        ...(this.options.onCall ? { onCall: this.options.onCall } : {}),
      });
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'rate_limited') {
        this.options.budget.pauseAfterRateLimit();
      } else if (error instanceof ProviderError && error.reason === 'unauthorized') {
        this.options.logger.error('Finnhub rejected the API key (401): check FINNHUB_API_KEY');
      }
      throw error;
    }
  }

  /**
   * Waits for a budget slot, at most `maxBudgetWaitMs` in all (counted in the waits themselves). A
   * user past their share of the minute is refused at once: waiting would spend others' calls.
   */
  private async waitForBudget(user: string | undefined): Promise<void> {
    const allowed = this.options.maxBudgetWaitMs ?? 5000;
    let waited = 0;
    while (!this.options.budget.tryTake(0, user)) {
      const userWait = user === undefined ? 0 : this.options.budget.userWaitMs(user);
      if (userWait > 0) {
        throw new ProviderError(
          'user_share_spent',
          'This user has spent their share of Finnhub calls for this minute',
          Math.ceil(userWait / 1000),
        );
      }
      const wait = Math.max(this.options.budget.waitMs(), 20);
      if (waited + wait > allowed) {
        throw new ProviderError('rate_limited', 'The Finnhub request budget for this minute is used up');
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      waited += wait;
    }
  }
}

/** Finnhub has answered "no access" with 401 as well as 403 (Finnhub-API#405): judged by the body. */
function noAccessError(status: number, body: string): ProviderError | undefined {
  if (status !== 401 || !/access to this resource/i.test(body)) return undefined;
  return new ProviderError('plan_required', 'The Finnhub plan does not include this');
}

/**
 * Bars from a /stock/candle answer, oldest first; null for `{"s":"no_data"}` or when no candle makes
 * sense (every price positive, the high above and the low below open and close).
 */
function candleBars(answer: unknown, barStart: (time: number) => number): Bar[] | null {
  const body = asRecord(answer);
  if (body?.s !== 'ok') return null;
  const column = (key: string): unknown[] => {
    const values = body[key];
    return Array.isArray(values) ? values : [];
  };
  const [opens, highs, lows, closes, volumes] = ['o', 'h', 'l', 'c', 'v'].map(column);
  const bars: Bar[] = [];
  column('t').forEach((stamp, i) => {
    const seconds = finiteNumber(stamp);
    const [open, high, low, close] = [opens, highs, lows, closes].map((prices) => positivePrice(prices?.[i]));
    if (seconds === null || seconds <= 0 || open == null || high == null || low == null || close == null)
      return;
    if (high < Math.max(open, close) || low > Math.min(open, close)) return;
    const units = finiteNumber(volumes?.[i]);
    bars.push({
      time: barStart(seconds * 1000),
      open,
      high,
      low,
      close,
      volume: units !== null && units > 0 ? units : 0,
    });
  });
  bars.sort((a, b) => a.time - b.time);
  return bars.length > 0 ? bars : null;
}

/** A JSON object's fields, or null for anything else (an array, a string, null). */
function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** A text value, or null for what Finnhub sends when it has none: "", blanks, "N/A" or no string at all. */
function nonEmpty(value: unknown): string | null {
  const text = typeof value === 'string' ? value.trim() : '';
  return text && text.toUpperCase() !== 'N/A' ? text : null;
}

/** An http(s) address, or null: anything else from upstream is not shown as a link or fetched. */
function webAddress(value: unknown): string | null {
  if (typeof value !== 'string' || !value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
