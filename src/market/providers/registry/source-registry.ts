import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import { ProviderError } from '../../../errors.js';
import type {
  Bar,
  CompanyProfile,
  InstrumentInfo,
  KeyMetrics,
  Logo,
  MarketStatus,
  ProviderHistory,
  Quote,
  SymbolMatch,
} from '../../kernel/instruments.js';
import { inRegularSession, usMarketStatus } from '../../kernel/sessions.js';
import { type Capability, SOURCE_NAMES, type SourceId } from '../../kernel/sources.js';
import { isForexSymbol, marketOfSymbol } from '../../kernel/symbols.js';
import type { MarketDataProvider } from '../provider.js';
import { RestBudget } from '../rest-budget.js';
import type { MarketSource, QuoteCall, SymbolCall } from '../source.js';
import {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from './circuit-breaker.js';

/** For each capability, the sources to ask, first to last. */
export type SourceOrder = Readonly<Record<Capability, readonly SourceId[]>>;

/** A "no access" answer for one source, capability and market is believed this long. */
const DENIAL_MS = 60 * 60_000;
/** Background calls leave this part of a budgeted source's minute to people's requests. */
const BACKGROUND_RESERVE_SHARE = 0.25;
/** The oldest daily bar asked for when backfilling. */
const DAILY_HISTORY_DAYS = 366;

/** What the admin view and /metrics show of one source. */
export interface SourceState {
  id: SourceId;
  name: string;
  /** The capabilities this source is asked for, by the configured order. */
  capabilities: Capability[];
  breaker: BreakerState;
  failuresInARow: number;
  /** Times the breaker has opened since the start. */
  opens: number;
  /** Requests in the current minute and the limit; null for a source that budgets itself. */
  budget: { used: number; perMinute: number } | null;
  limits: string;
  lastError: { message: string; at: string } | null;
}

/** Called for every call the registry makes or skips, for metrics. */
export type SourceCallOutcome = 'ok' | 'unknown' | 'failed' | 'denied' | 'skipped_open' | 'skipped_budget';

export interface SourceRegistryOptions {
  readonly sources: readonly MarketSource[];
  readonly order: SourceOrder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly breaker?: BreakerOptions;
  readonly onCall?: (source: SourceId, outcome: SourceCallOutcome) => void;
}

interface Entry {
  readonly source: MarketSource;
  readonly breaker: CircuitBreaker;
  readonly budget: RestBudget | null;
  lastError: { message: string; at: number } | null;
}

type Answer<T> = { value: T; source: MarketSource };

/**
 * The app's one market-data provider when it reads real data: each need of each symbol goes to the
 * sources configured for that capability, in order, skipping those that do not serve the symbol's
 * form, whose circuit breaker is open, whose request budget is spent, or that said "no access" for
 * this market within the hour. A source that fails (timeout, 5xx, 429, refused key) is counted
 * against its breaker and the next one is asked within the same request; a source that does not
 * know the symbol (null) lets the next one try without counting as a failure.
 */
export class SourceRegistry implements MarketDataProvider {
  readonly name = 'registry';
  private readonly entries = new Map<SourceId, Entry>();
  /** "no access" answers: `${source}|${capability}|${market}` -> until when they are believed. */
  private readonly denied = new Map<string, number>();

  constructor(private readonly options: SourceRegistryOptions) {
    for (const source of options.sources) {
      const perMinute = source.limits.requestsPerMinute;
      this.entries.set(source.id, {
        source,
        breaker: new CircuitBreaker(options.clock, options.breaker ?? DEFAULT_BREAKER),
        budget:
          perMinute === null
            ? null
            : new RestBudget(options.clock, perMinute, source.limits.requestsPerSecond ?? perMinute),
        lastError: null,
      });
    }
  }

  async getQuote(params: QuoteCall): Promise<Quote | null> {
    const { symbol } = params;
    const answer = await this.ask(
      quoteCapability(symbol),
      symbol,
      (source) => source.getQuote?.(params),
      params.background,
      params.signal,
    );
    return answer?.value ?? null;
  }

  async describe(params: SymbolCall): Promise<InstrumentInfo> {
    const answer = await this.ask(quoteCapability(params.symbol), params.symbol, (source) =>
      source.describe?.(params),
    ).catch(() => null);
    if (answer) return answer.value;
    // Every symbol can be described from its form alone; a source only adds the name.
    const market = marketOfSymbol(params.symbol);
    return {
      symbol: params.symbol,
      name: params.symbol,
      exchange: market.exchange,
      currency: market.currency,
      type: market.type,
    };
  }

  async search(params: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]> {
    // The first source with matches answers: an empty list from one lets the next try.
    const answer = await this.ask('search', null, async (source) => {
      const matches = await source.search?.(params);
      return matches && matches.length > 0 ? matches : null;
    });
    return answer?.value ?? [];
  }

  async keyMetrics(params: QuoteCall): Promise<KeyMetrics> {
    const answer = await this.ask(
      'key_metrics',
      params.symbol,
      (source) => source.keyMetrics?.(params),
      params.background,
      params.signal,
    );
    return answer?.value ?? { week52High: null, week52Low: null, marketCap: null };
  }

  /**
   * Daily bars of the last year from the first daily source that has them, and minute bars of
   * the last days from the first intraday one; `source` names the daily bars' source. Refused with
   * 'plan_required' only when no source could give daily bars and one said "no access".
   */
  async history(params: SymbolCall): Promise<ProviderHistory> {
    const { symbol, signal } = params;
    const from = this.options.clock.now() - DAILY_HISTORY_DAYS * 86_400_000;
    const daily: Answer<Bar[]> | null = await this.ask(
      isForexSymbol(symbol) ? 'fx_rates' : 'daily_history',
      symbol,
      (source) => source.dailyHistory?.({ symbol, from, ...(signal ? { signal } : {}) }),
      false,
      signal,
    );
    const minute: Answer<Bar[]> | null = await this.ask(
      'intraday_history',
      symbol,
      (source) => source.intradayHistory?.(params),
      false,
      signal,
    ).catch(() => null);
    if (!daily && !minute) return { daily: [], minute: [] };
    const source = (daily ?? minute)?.source.id;
    return { daily: daily?.value ?? [], minute: minute?.value ?? [], ...(source ? { source } : {}) };
  }

  async profile(params: SymbolCall): Promise<CompanyProfile | null> {
    const answer = await this.ask(
      'profile',
      params.symbol,
      (source) => source.profile?.(params),
      false,
      params.signal,
    );
    return answer?.value ?? null;
  }

  async logo(params: { symbol: string; source: string | null; signal?: AbortSignal }): Promise<Logo | null> {
    const answer = await this.ask(
      'profile',
      params.symbol,
      (source) => source.logo?.(params),
      false,
      params.signal,
    );
    return answer?.value ?? null;
  }

  /** The exchange's status from a source, or from the clock when none serves it. */
  async marketStatus(params: { exchange: string; signal?: AbortSignal }): Promise<MarketStatus> {
    const answer = await this.ask(
      'market_status',
      null,
      (source) => source.marketStatus?.(params),
      false,
      params.signal,
    ).catch(() => null);
    return answer?.value ?? usMarketStatus(this.options.clock.now());
  }

  inSession(symbol: string, time: number): boolean {
    return this.entries.has('simulated') || inRegularSession(symbol, time);
  }

  states(): SourceState[] {
    return [...this.entries.values()].map(({ source, breaker, budget, lastError }) => {
      const status = breaker.status();
      return {
        id: source.id,
        name: SOURCE_NAMES[source.id],
        capabilities: (Object.keys(this.options.order) as Capability[]).filter((capability) =>
          this.options.order[capability].includes(source.id),
        ),
        breaker: status.state,
        failuresInARow: status.failuresInARow,
        opens: status.opens,
        budget: budget ? budget.usage() : null,
        limits: source.limits.description,
        lastError: lastError
          ? { message: lastError.message, at: new Date(lastError.at).toISOString() }
          : null,
      };
    });
  }

  private route(capability: Capability, symbol: string | null): Entry[] {
    const entries: Entry[] = [];
    for (const id of this.options.order[capability]) {
      const entry = this.entries.get(id);
      if (entry && (symbol === null || entry.source.serves(capability, symbol))) entries.push(entry);
    }
    return entries;
  }

  /**
   * Asks each source for `capability` in turn until one answers with a value. Null when every
   * source that answered did not know the symbol; the most telling error when none answered.
   */
  private async ask<T>(
    capability: Capability,
    symbol: string | null,
    call: (source: MarketSource) => Promise<T | null> | undefined,
    background = false,
    signal?: AbortSignal,
  ): Promise<Answer<T> | null> {
    let answered = false;
    let failure: ProviderError | undefined;
    const now = this.options.clock.now();
    for (const entry of this.route(capability, symbol)) {
      signal?.throwIfAborted();
      const id = entry.source.id;
      const deniedKey = symbol === null ? null : `${id}|${denialScope(capability)}|${marketKey(symbol)}`;
      if (deniedKey && (this.denied.get(deniedKey) ?? 0) > now) {
        this.options.onCall?.(id, 'denied');
        failure ??= new ProviderError('plan_required', `${SOURCE_NAMES[id]} gives no access to this symbol`);
        continue;
      }
      if (!entry.breaker.tryPass()) {
        this.options.onCall?.(id, 'skipped_open');
        failure = moreTelling(failure, new ProviderError('unavailable', `${SOURCE_NAMES[id]} is failing`));
        continue;
      }
      const reserve =
        entry.budget && background ? Math.ceil(entry.budget.usage().perMinute * BACKGROUND_RESERVE_SHARE) : 0;
      if (entry.budget && !entry.budget.tryTake(reserve)) {
        entry.breaker.released();
        this.options.onCall?.(id, 'skipped_budget');
        failure = moreTelling(
          failure,
          new ProviderError(
            'rate_limited',
            `The ${SOURCE_NAMES[id]} request budget for this minute is used up`,
            60,
          ),
        );
        continue;
      }
      const pending = call(entry.source);
      if (!pending) {
        entry.breaker.released();
        continue;
      }
      let value: T | null;
      try {
        value = await pending;
      } catch (error) {
        const providerError = this.failed(entry, error, deniedKey);
        failure = moreTelling(failure, providerError);
        continue;
      }
      entry.breaker.succeeded();
      answered = true;
      this.options.onCall?.(id, value === null ? 'unknown' : 'ok');
      if (value !== null) return { value, source: entry.source };
    }
    if (answered || !failure) return null;
    throw failure;
  }

  private failed(entry: Entry, error: unknown, deniedKey: string | null): ProviderError {
    const id = entry.source.id;
    if (!(error instanceof ProviderError)) {
      // A source that throws anything else has met an answer it does not understand: a failure of
      // that source, never a 500 for the request.
      this.options.logger.error({ source: id, err: error }, 'a market-data source failed unexpectedly');
      entry.breaker.failed();
      entry.lastError = {
        message: `${SOURCE_NAMES[id]} sent an answer that could not be read`,
        at: this.options.clock.now(),
      };
      this.options.onCall?.(id, 'failed');
      return new ProviderError('unavailable', entry.lastError.message);
    }
    if (error.reason === 'plan_required') {
      // The source works; it only lacks this market or capability for this key.
      entry.breaker.released();
      if (deniedKey) this.denied.set(deniedKey, this.options.clock.now() + DENIAL_MS);
      this.options.onCall?.(id, 'denied');
    } else if (error.reason === 'user_share_spent') {
      entry.breaker.released();
      this.options.onCall?.(id, 'skipped_budget');
    } else {
      entry.breaker.failed();
      entry.lastError = { message: error.message, at: this.options.clock.now() };
      this.options.logger.warn(
        { source: id, reason: error.message },
        'a market-data source failed; asking the next',
      );
      this.options.onCall?.(id, 'failed');
    }
    return error;
  }
}

/** Forex pairs are asked of the sources serving FX rates; everything else of the quote sources. */
function quoteCapability(symbol: string): Capability {
  return isForexSymbol(symbol) ? 'fx_rates' : 'quotes';
}

/** A plan without past prices has none at any resolution, for stocks or FX alike. */
function denialScope(capability: Capability): string {
  return capability === 'daily_history' || capability === 'intraday_history' || capability === 'fx_rates'
    ? 'history'
    : capability;
}

/** What a plan's "no access" is usually about: the symbol's market (exchange or venue). */
function marketKey(symbol: string): string {
  const market = marketOfSymbol(symbol);
  return market.exchange ?? symbol;
}

/**
 * The error a request is told when no source answered: one that says when to retry beats a
 * failure, which beats "no access" (that one means: no source you have can do this).
 */
function moreTelling(current: ProviderError | undefined, next: ProviderError): ProviderError {
  if (!current) return next;
  const rank = (error: ProviderError) =>
    error.reason === 'plan_required'
      ? 0
      : error.reason === 'unauthorized'
        ? 1
        : error.reason === 'rate_limited' || error.reason === 'user_share_spent'
          ? 3
          : 2;
  return rank(next) > rank(current) ? next : current;
}
