import type { Capability, SourceId } from '../kernel/sources.js';

/** Finnhub's settings (with FINNHUB_API_KEY). */
export interface FinnhubConfig {
  readonly apiKey: string;
  readonly apiUrl: string;
  readonly wsUrl: string;
  readonly restPerMinute: number;
  readonly timeoutMs: number;
  /** No WebSocket frame for this long means a dead socket. */
  readonly wsIdleMs: number;
  readonly wsMaxSymbols: number;
  readonly wsReconnectMinMs: number;
  readonly wsReconnectMaxMs: number;
}

/** Which market data the app reads: the simulated market, or the real sources that are on. */
export type MarketConfig =
  | { readonly kind: 'simulated'; readonly seed: number }
  | {
      readonly kind: 'live';
      /** Present with FINNHUB_API_KEY. */
      readonly finnhub: FinnhubConfig | undefined;
      readonly yahoo: { readonly apiUrl: string; readonly timeoutMs: number } | undefined;
      readonly binance:
        | { readonly wsUrl: string; readonly apiUrl: string; readonly timeoutMs: number }
        | undefined;
      readonly alphaVantage:
        | { readonly apiKey: string; readonly apiUrl: string; readonly timeoutMs: number }
        | undefined;
      /** For each capability, the sources that are on, in the order they are asked. */
      readonly order: Readonly<Record<Capability, readonly SourceId[]>>;
    };
