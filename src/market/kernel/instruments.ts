import type { SourceId } from './sources.js';

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
  /** Where the quote came from; absent for quotes stored before sources were recorded. */
  source?: SourceId;
  /** Minutes behind the market (0: real time), as the source states it for this symbol. */
  delayMinutes?: number;
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
  /** The source of the daily bars (or of the minute bars when there are no daily ones). */
  source?: SourceId;
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
