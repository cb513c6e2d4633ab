import type {
  CompanyProfile,
  InstrumentInfo,
  KeyMetrics,
  Logo,
  MarketStatus,
  ProviderHistory,
  Quote,
  SymbolMatch,
} from '../kernel/instruments.js';
import type { SourceId } from '../kernel/sources.js';
import type { FeedStatus } from '../market.schemas.js';

/**
 * The one interface every market-data source implements (one folder each under `market/`).
 * Methods take parameter objects and an AbortSignal so every outbound call can be bounded.
 */
export interface MarketDataProvider {
  /** 'registry' for real data (every source behind it), a source's id for a single source. */
  readonly name: SourceId | 'registry';
  /**
   * The current quote, or null when the provider does not know the symbol. A `background` call is
   * refused (ProviderError 'rate_limited') rather than use request budget that people's requests need.
   */
  getQuote(params: { symbol: string; signal?: AbortSignal; background?: boolean }): Promise<Quote | null>;
  /**
   * Name, exchange and currency of a symbol the provider knows (called once, when a symbol is first
   * added); null for one it does not know.
   */
  describe(params: { symbol: string; signal?: AbortSignal }): Promise<InstrumentInfo | null>;
  search(params: { query: string; signal?: AbortSignal }): Promise<SymbolMatch[]>;
  /**
   * 52-week range and market capitalisation; nulls where unknown, null when none is known. A
   * `background` call is refused (ProviderError 'rate_limited') rather than use request budget that
   * people's requests need.
   */
  keyMetrics(params: {
    symbol: string;
    signal?: AbortSignal;
    background?: boolean;
  }): Promise<KeyMetrics | null>;
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
  /**
   * Whether a quote of `symbol` stamped `time` falls inside a trading session: a REST snapshot's
   * stamp is when it was stamped, not a trade, and one stamped outside a session makes no bar.
   */
  inSession(symbol: string, time: number): boolean;
}

/**
 * What the price feed can say about itself; the stream passes it to browsers. `unauthorized`: the
 * provider refused the API key, which no reconnect will mend until the operator fixes it.
 */
export type { FeedStatus };

/** One trade from a streaming feed, to be merged into the symbol's last full quote. */
export interface Trade {
  symbol: string;
  price: number;
  /** Epoch milliseconds. */
  time: number;
  volume: number;
  /** The feed the trade came from (a Binance trade, a Finnhub trade). */
  source?: SourceId;
}

/** The feed's one consumer (the price hub). */
export interface FeedListener {
  /** A full quote (a simulated tick, a REST poll). */
  quote(quote: Quote): void;
  /** A trade that carries only price, time and volume. */
  trade(trade: Trade): void;
  status(status: FeedStatus): void;
  /**
   * The listener's quote of `symbol` now, every trade and quote given to it merged in: what a
   * cluster's leader relays to the other instances.
   */
  current(symbol: string): Quote | undefined;
  /**
   * Another instance's current quote of a symbol (a cluster follower's, from the leader): every
   * trade up to its time is already in it, the day's volume and range included.
   */
  relayed(quote: Quote): void;
}

/** How many wanted symbols a feed streams live, keeps current by polling, and leaves out. */
export interface FeedCoverage {
  live: number;
  polled: number;
  /** Beyond what the socket and the REST budget can carry: they keep their last quote, marked stale. */
  leftOut: number;
}

/**
 * A source of live price updates for the symbols the hub asks for. One per app (a later step lets a
 * cluster leader own it): the hub follows the market demand and calls `setWatched` with the whole
 * set whenever it or its order changes.
 */
export interface QuoteFeed {
  connect(listener: FeedListener): void;
  /** Every wanted symbol, most wanted first: what the feed cannot carry is taken from the end. */
  setWatched(symbols: ReadonlySet<string>): void;
  status(): FeedStatus;
  /** True while `symbol` is streamed live, so silence means "unchanged", not "out of date". */
  covers(symbol: string): boolean;
  /** For metrics: whether the upstream connection is up and how many symbols it carries. */
  upstream(): { connected: boolean; subscriptions: number };
  coverage(): FeedCoverage;
  close(): Promise<void>;
}
