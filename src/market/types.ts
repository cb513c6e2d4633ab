/** A price snapshot for one symbol. Prices are in the symbol's trading currency. */
export interface Quote {
  symbol: string;
  price: number;
  /** price - previousClose; null when the provider does not know the previous close. */
  change: number | null;
  /** Percent (1.5 means +1.5 %), against the previous close. */
  changePercent: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  previousClose: number | null;
  /** When the price was quoted by the market, epoch milliseconds. */
  time: number;
}

export interface InstrumentInfo {
  symbol: string;
  name: string;
  exchange: string | null;
  /** ISO 4217 code (or the quote asset for crypto), null when unknown. */
  currency: string | null;
  type: string | null;
}

export interface SymbolMatch {
  symbol: string;
  description: string;
  type: string;
}

/** Why a provider could not answer; the message is ours, never the upstream's (it may carry a URL or key). */
export class ProviderError extends Error {
  constructor(
    readonly reason: 'unavailable' | 'rate_limited' | 'unauthorized' | 'plan_required' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/**
 * The one interface every market-data source implements (one folder each under `market/`).
 * Methods take parameter objects and an AbortSignal so every outbound call can be bounded.
 */
export interface MarketDataProvider {
  readonly name: 'finnhub' | 'simulated';
  /** The current quote, or null when the provider does not know the symbol. */
  getQuote(params: { symbol: string; signal?: AbortSignal }): Promise<Quote | null>;
  /** Name, exchange and currency of a symbol the provider knows (called once, when a symbol is first added). */
  describe(params: { symbol: string; signal?: AbortSignal }): Promise<InstrumentInfo>;
  search(params: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]>;
}

/**
 * A source of live price updates for the symbols the hub asks for. One per app: the hub holds the
 * reference counts and calls `setWatched` with the full set whenever it changes.
 */
export interface QuoteFeed {
  readonly kind: 'live' | 'simulated' | 'polling';
  setWatched(symbols: ReadonlySet<string>): void;
  onQuote(listener: (quote: Quote) => void): void;
  close(): Promise<void>;
}
