import type { FeedStatus } from './market.schemas.js';

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
  /**
   * Shares (or units) traded today, summed from the feed's trades; null when the source has no
   * volume. "Today" is the UTC day of the last trade.
   */
  volume: number | null;
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

/** Slow-moving figures about a symbol, where the provider has them. */
export interface KeyMetrics {
  week52High: number | null;
  week52Low: number | null;
  /** In the trading currency, whole units (not millions). */
  marketCap: number | null;
}

/** What a company is, where the provider knows (Finnhub `/stock/profile2`). */
export interface CompanyProfile {
  name: string | null;
  exchange: string | null;
  /** The currency the company reports in (not always the trading currency). */
  currency: string | null;
  industry: string | null;
  country: string | null;
  website: string | null;
  /** YYYY-MM-DD. */
  ipo: string | null;
  /** The provider's logo address: fetched by the server only, never given to browsers. */
  logoSource: string | null;
}

export const UNKNOWN_PROFILE: CompanyProfile = Object.freeze({
  name: null,
  exchange: null,
  currency: null,
  industry: null,
  country: null,
  website: null,
  ipo: null,
  logoSource: null,
});

export interface Logo {
  contentType: string;
  data: Uint8Array;
}

/** One OHLCV bar; `time` is the start of its period (epoch ms, UTC). */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Past bars a provider can give for a symbol watched for the first time. */
export interface ProviderHistory {
  /** Daily bars, oldest first. */
  daily: Bar[];
  /** 1-minute bars of the last days, oldest first (empty where the source has none). */
  minute: Bar[];
}

/** Where an exchange's trading day stands. */
export type MarketState = 'open' | 'pre-market' | 'post-market' | 'closed' | 'holiday';

export interface MarketStatus {
  exchange: string;
  state: MarketState;
  /** The holiday's name when `state` is 'holiday'. */
  holiday: string | null;
  timezone: string | null;
  /** One line for people, e.g. "US market: pre-market". */
  description: string;
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
  /**
   * 52-week range and market capitalisation; nulls where unknown. A `background` call is refused
   * (ProviderError 'rate_limited') rather than use request budget that people's requests need.
   */
  keyMetrics(params: { symbol: string; signal?: AbortSignal; background?: boolean }): Promise<KeyMetrics>;
  /**
   * Past bars for a symbol (Finnhub: `/stock/candle`, a paid feature; ProviderError 'plan_required'
   * without access).
   */
  history(params: { symbol: string; signal?: AbortSignal }): Promise<ProviderHistory>;
  /** The company behind a symbol; null when the provider has no profile for it. */
  profile(params: { symbol: string; signal?: AbortSignal }): Promise<CompanyProfile | null>;
  /** The logo image at `source` (from `profile`); null when there is none. */
  logo(params: { symbol: string; source: string | null; signal?: AbortSignal }): Promise<Logo | null>;
  /** Trading status of an exchange (Finnhub: `US`). */
  marketStatus(params: { exchange: string; signal?: AbortSignal }): Promise<MarketStatus>;
}

/** What the price feed can say about itself; the stream passes it to browsers. */
export type { FeedStatus };

/** One trade from a streaming feed, to be merged into the symbol's last full quote. */
export interface Trade {
  symbol: string;
  price: number;
  /** Epoch milliseconds. */
  time: number;
  volume: number;
}

/** The feed's one consumer (the price hub). */
export interface FeedListener {
  /** A full quote (a simulated tick, a REST poll). */
  quote(quote: Quote): void;
  /** A trade that carries only price, time and volume. */
  trade(trade: Trade): void;
  status(status: FeedStatus): void;
}

/**
 * A source of live price updates for the symbols the hub asks for. One per app (a later step lets a
 * cluster leader own it): the hub holds the reference counts and calls `setWatched` with the whole
 * set whenever it changes.
 */
export interface QuoteFeed {
  connect(listener: FeedListener): void;
  setWatched(symbols: ReadonlySet<string>): void;
  status(): FeedStatus;
  /** True while `symbol` is streamed live, so silence means "unchanged", not "out of date". */
  covers(symbol: string): boolean;
  /** For metrics: whether the upstream connection is up and how many symbols it carries. */
  upstream(): { connected: boolean; subscriptions: number };
  close(): Promise<void>;
}
