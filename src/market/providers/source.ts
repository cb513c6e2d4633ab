import type {
  Bar,
  CompanyProfile,
  InstrumentInfo,
  KeyMetrics,
  Logo,
  MarketStatus,
  Quote,
  SymbolMatch,
} from '../kernel/instruments.js';
import type { Capability, Delay, SourceId } from '../kernel/sources.js';

/** What every call about one symbol carries. */
export interface SymbolCall {
  symbol: string;
  signal?: AbortSignal;
}

/**
 * A quote or key-figures call. A `background` call (the poller, figures fetched ahead of need) is refused with
 * ProviderError 'rate_limited' rather than use request budget kept for people's requests.
 */
export interface QuoteCall extends SymbolCall {
  background?: boolean;
}

/** Daily bars from `from` (epoch ms) to now. */
export interface DailyHistoryCall extends SymbolCall {
  from: number;
}

/** A source's limits, as the registry enforces them and the README and admin view state them. */
export interface SourceLimits {
  /** Requests a minute the registry lets through to this source; null when the source keeps its own budget. */
  readonly requestsPerMinute: number | null;
  /** Requests in any one second, where the source counts that too (Alpha Vantage: 1); else the minute's limit. */
  readonly requestsPerSecond?: number;
  /** One line for people: "60 calls a minute (free key)", "no key; fair use". */
  readonly description: string;
}

/**
 * One market-data source behind the registry (one folder each under `providers/`). A source says
 * which capabilities it serves for which symbols and with what delay; it implements the methods of
 * the capabilities it has. Every method either answers, answers null ("this source does not know
 * this symbol": the registry asks the next source, and it is no failure), or throws a
 * `ProviderError` (timeout, unavailable, rate_limited, unauthorized, plan_required: the registry
 * counts it against the source's circuit breaker and asks the next source). Never a price of 0,
 * NaN, or another symbol's data: an answer that makes no sense is null.
 *
 * Quotes a source returns carry `source` (its id) and `delayMinutes`.
 */
export interface MarketSource {
  readonly id: SourceId;
  readonly limits: SourceLimits;
  /** Whether this source can answer `capability` for `symbol`, from the symbol's form alone. */
  serves(capability: Capability, symbol: string): boolean;
  /** How far behind the market this source's answers for `capability` of `symbol` are. */
  delay(capability: Capability, symbol: string): Delay;

  getQuote?(params: QuoteCall): Promise<Quote | null>;
  /** Daily bars, oldest first, from `from` (epoch ms) to now; null for an unknown symbol. */
  dailyHistory?(params: DailyHistoryCall): Promise<Bar[] | null>;
  /** 1-minute bars of the last few days, oldest first; null for an unknown symbol. */
  intradayHistory?(params: SymbolCall): Promise<Bar[] | null>;
  describe?(params: SymbolCall): Promise<InstrumentInfo | null>;
  search?(params: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]>;
  keyMetrics?(params: {
    symbol: string;
    signal?: AbortSignal;
    background?: boolean;
  }): Promise<KeyMetrics | null>;
  profile?(params: { symbol: string; signal?: AbortSignal }): Promise<CompanyProfile | null>;
  logo?(params: { symbol: string; source: string | null; signal?: AbortSignal }): Promise<Logo | null>;
  marketStatus?(params: { exchange: string; signal?: AbortSignal }): Promise<MarketStatus | null>;
}
