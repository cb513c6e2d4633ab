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
import { utcDayStart } from '../../kernel/periods.js';
import { inRegularSession } from '../../kernel/sessions.js';
import { marketOfSymbol } from '../../kernel/symbols.js';
import type { MarketDataProvider } from '../provider.js';
import type { UpstreamCallers } from '../upstream-callers.js';
import type { RestBudget } from './rest-budget.js';

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

interface FinnhubQuote {
  c?: number | null;
  d?: number | null;
  dp?: number | null;
  h?: number | null;
  l?: number | null;
  o?: number | null;
  pc?: number | null;
  t?: number | null;
}

interface FinnhubProfile {
  name?: string;
  ticker?: string;
  exchange?: string;
  currency?: string;
  finnhubIndustry?: string;
  country?: string;
  weburl?: string;
  ipo?: string;
  logo?: string;
}

/** REST calls a minute that background work (figures fetched ahead of need) leaves to interactive calls. */
const BACKGROUND_RESERVE = 10;

/** Logos larger than this are not stored (Finnhub's are a few KB). */
const MAX_LOGO_BYTES = 256 * 1024;
const LOGO_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']);

interface FinnhubCandles {
  s?: string;
  t?: number[];
  o?: number[];
  h?: number[];
  l?: number[];
  c?: number[];
  v?: number[];
}

interface FinnhubMetrics {
  metric?: Record<string, number | null | undefined>;
}

interface FinnhubMarketStatus {
  exchange?: string;
  holiday?: string | null;
  isOpen?: boolean;
  session?: string | null;
  timezone?: string;
}

interface FinnhubSearch {
  count?: number;
  result?: Array<{ description?: string; displaySymbol?: string; symbol?: string; type?: string }>;
}

/**
 * Finnhub over REST. The key travels in the X-Finnhub-Token header, never in the URL, so it cannot
 * end up in a log line or an error message; errors carry our own wording only.
 */
export class FinnhubProvider implements MarketDataProvider {
  readonly name = 'finnhub';
  private readonly calls = new SingleFlight<unknown>();

  constructor(private readonly options: FinnhubOptions) {}

  async getQuote({
    symbol,
    signal,
    background,
  }: {
    symbol: string;
    signal?: AbortSignal;
    background?: boolean;
  }): Promise<Quote | null> {
    const body = await this.get<FinnhubQuote>('/quote', { symbol }, signal, background);
    // Finnhub answers an unknown symbol with 200 and all zeros.
    if (!body.c || !body.t) return null;
    return {
      symbol,
      price: body.c,
      change: body.d ?? null,
      changePercent: body.dp ?? null,
      open: nonZero(body.o),
      high: nonZero(body.h),
      low: nonZero(body.l),
      previousClose: nonZero(body.pc),
      // /quote has no volume; trades from the stream add it up.
      volume: null,
      time: body.t * 1000,
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
    return results
      .filter((r) => r.symbol)
      .slice(0, 20)
      .map((r) => ({ symbol: r.symbol ?? '', description: r.description ?? '', type: r.type ?? '' }));
  }

  async keyMetrics({
    symbol,
    signal,
    background,
  }: {
    symbol: string;
    signal?: AbortSignal;
    background?: boolean;
  }): Promise<KeyMetrics> {
    const body = await this.get<FinnhubMetrics>(
      '/stock/metric',
      { symbol, metric: 'all' },
      signal,
      background,
    );
    const metric = body.metric ?? {};
    const cap = metric.marketCapitalization;
    return {
      week52High: finite(metric['52WeekHigh']),
      week52Low: finite(metric['52WeekLow']),
      // Finnhub gives market capitalisation in millions.
      marketCap: typeof cap === 'number' && Number.isFinite(cap) ? cap * 1_000_000 : null,
    };
  }

  async profile({
    symbol,
    signal,
  }: {
    symbol: string;
    signal?: AbortSignal;
  }): Promise<CompanyProfile | null> {
    const body = await this.get<FinnhubProfile>('/stock/profile2', { symbol }, signal);
    // An unknown symbol (or one without a profile) is answered with {}; Finnhub has also answered
    // with another instrument's profile (asked SGOV, got IBHJ's), which is no profile of this one.
    const ticker = nonEmpty(body.ticker);
    if (!nonEmpty(body.name) && !ticker) return null;
    if (ticker && ticker.toUpperCase() !== symbol.toUpperCase()) {
      this.options.logger.warn(
        { symbol, answered: ticker.slice(0, 40) },
        'Finnhub answered a profile for another ticker',
      );
      return null;
    }
    return {
      name: nonEmpty(body.name),
      exchange: nonEmpty(body.exchange),
      currency: nonEmpty(body.currency),
      industry: nonEmpty(body.finnhubIndustry),
      country: nonEmpty(body.country),
      website: webAddress(body.weburl),
      ipo: /^\d{4}-\d{2}-\d{2}$/.test(body.ipo ?? '') ? (body.ipo ?? null) : null,
      logoSource: this.logoAddress(body.logo),
    };
  }

  /**
   * The server fetches logos itself, so it only follows https addresses on Finnhub's own hosts, or
   * addresses on the configured API origin (scheme, host and port: the operator chose it): a
   * profile cannot send it anywhere else, nor over plain http.
   */
  private logoAddress(value: string | undefined): string | null {
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

  /** Five years of daily candles (a paid feature: ProviderError 'plan_required' on a free key). */
  async history({ symbol, signal }: { symbol: string; signal?: AbortSignal }): Promise<ProviderHistory> {
    const to = Math.floor(this.options.clock.now() / 1000);
    const from = to - 5 * 366 * 24 * 60 * 60;
    const body = await this.get<FinnhubCandles>(
      '/stock/candle',
      { symbol, resolution: 'D', from: String(from), to: String(to) },
      signal,
    );
    if (body.s !== 'ok' || !Array.isArray(body.t)) return { daily: [], minute: [] };
    const daily: Bar[] = [];
    body.t.forEach((seconds, i) => {
      const [open, high, low, close] = [body.o?.[i], body.h?.[i], body.l?.[i], body.c?.[i]];
      if (open === undefined || high === undefined || low === undefined || close === undefined) return;
      // Daily candles are stamped at (or near) midnight UTC of their day: the bar's start is that day.
      const day = utcDayStart(seconds * 1000);
      daily.push({ time: day, open, high, low, close, volume: body.v?.[i] ?? 0 });
    });
    return { daily, minute: [] };
  }

  async marketStatus({
    exchange,
    signal,
  }: {
    exchange: string;
    signal?: AbortSignal;
  }): Promise<MarketStatus> {
    const body = await this.get<FinnhubMarketStatus>('/stock/market-status', { exchange }, signal);
    const state: MarketState = body.holiday
      ? 'holiday'
      : body.isOpen && (body.session === 'regular' || !body.session)
        ? 'open'
        : body.session === 'pre-market' || body.session === 'post-market'
          ? body.session
          : 'closed';
    const label = state === 'holiday' ? `closed for ${body.holiday}` : state;
    return {
      exchange: body.exchange ?? exchange,
      state,
      holiday: body.holiday ?? null,
      timezone: body.timezone ?? null,
      description: `${body.exchange ?? exchange} market: ${label}`,
    };
  }

  inSession(symbol: string, time: number): boolean {
    return inRegularSession(symbol, time);
  }

  private async searchRaw(query: string, signal?: AbortSignal) {
    const body = await this.get<FinnhubSearch>('/search', { q: query }, signal);
    return Array.isArray(body.result) ? body.result : [];
  }

  /** One call per distinct URL at a time: concurrent callers share the answer (single flight). */
  private get<T>(
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
    background = false,
  ): Promise<T> {
    const url = `${this.options.apiUrl}${path}?${new URLSearchParams(params).toString()}`;
    return this.calls.run(url, () => this.fetchJson<T>(url, path, signal, background)) as Promise<T>;
  }

  private async fetchJson<T>(
    url: string,
    path: string,
    signal?: AbortSignal,
    background = false,
  ): Promise<T> {
    if (background) {
      // Background work never waits and never takes the slots kept for people's requests.
      if (!this.options.budget.tryTake(BACKGROUND_RESERVE))
        throw new ProviderError('rate_limited', 'The Finnhub request budget is kept for interactive calls');
    } else {
      await this.waitForBudget(this.options.callers?.current());
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'X-Finnhub-Token': this.options.apiKey, Accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) {
        this.options.onCall?.('timeout');
        throw new ProviderError('timeout', `Finnhub did not answer ${path} in time`);
      }
      this.options.onCall?.('network');
      throw new ProviderError('unavailable', `Finnhub could not be reached (${(error as Error).name})`);
    }
    this.options.onCall?.(String(response.status));
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ProviderError('unavailable', `Finnhub sent an unreadable answer to ${path}`);
      }
    }
    throw this.errorFor(response.status, text, path);
  }

  private errorFor(status: number, body: string, path: string): ProviderError {
    // Finnhub has used 401 with the "no access" body: judge by the body, not the status alone.
    if (status === 403 || /access to this resource/i.test(body)) {
      return new ProviderError('plan_required', `The Finnhub plan does not include ${path}`);
    }
    if (status === 401) {
      this.options.logger.error('Finnhub rejected the API key (401): check FINNHUB_API_KEY');
      return new ProviderError('unauthorized', 'Finnhub rejected the API key');
    }
    if (status === 429) {
      this.options.budget.pauseAfterRateLimit();
      return new ProviderError('rate_limited', 'Finnhub rate limit reached');
    }
    return new ProviderError('unavailable', `Finnhub answered ${status} to ${path}`);
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

/** A text value, or null for what Finnhub sends when it has none: "", blanks or "N/A". */
function nonEmpty(value: string | undefined): string | null {
  const text = typeof value === 'string' ? value.trim() : '';
  return text && text.toUpperCase() !== 'N/A' ? text : null;
}

/** An http(s) address, or null: anything else from upstream is not shown as a link or fetched. */
function webAddress(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function nonZero(value: number | null | undefined): number | null {
  return value ? value : null;
}
