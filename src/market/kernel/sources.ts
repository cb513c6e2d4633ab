/**
 * The market-data sources the app can read from and what each can be asked for. Every quote and
 * every stored history says which source it came from and how far behind the market it is.
 */
export const SOURCE_IDS = ['finnhub', 'yahoo', 'binance', 'alphavantage', 'simulated'] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

/** Names people read next to a price ("Yahoo Finance, 15 min delayed"). */
export const SOURCE_NAMES: Readonly<Record<SourceId, string>> = Object.freeze({
  finnhub: 'Finnhub',
  yahoo: 'Yahoo Finance',
  binance: 'Binance',
  alphavantage: 'Alpha Vantage',
  simulated: 'Simulated market',
});

/**
 * What a source can be asked for. `live_trades`: a streamed feed; `quotes`: a snapshot over
 * REST; `fx_rates`: quotes and daily history of forex pairs (OANDA:EUR_USD).
 */
export const CAPABILITIES = [
  'live_trades',
  'quotes',
  'intraday_history',
  'daily_history',
  'profile',
  'search',
  'key_metrics',
  'fx_rates',
  'market_status',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Minutes behind the market (0: real time), or end of day. */
export type Delay = number | 'end_of_day';

/** One line for people: "real time", "15 min delayed", "end of day". */
export function describeDelay(delay: Delay): string {
  if (delay === 'end_of_day') return 'end of day';
  return delay === 0 ? 'real time' : `${delay} min delayed`;
}

export function isSourceId(value: string): value is SourceId {
  return (SOURCE_IDS as readonly string[]).includes(value);
}

/** What each source can serve at all (a source's `serves` then says for which symbols). */
export const SOURCE_CAPABILITIES: Readonly<Record<SourceId, readonly Capability[]>> = Object.freeze({
  finnhub: CAPABILITIES,
  yahoo: ['quotes', 'intraday_history', 'daily_history', 'search', 'key_metrics', 'fx_rates'],
  binance: ['live_trades', 'quotes', 'intraday_history', 'daily_history'],
  alphavantage: ['quotes', 'daily_history', 'search', 'fx_rates'],
  simulated: CAPABILITIES,
});

/**
 * The order sources are asked in when configuration does not say: Finnhub first where its free
 * plan serves (live US prices, search, profiles), the keyless sources first where it does not
 * (history), the keyed source with a tiny daily allowance last.
 */
export const DEFAULT_SOURCE_ORDER: Readonly<Record<Capability, readonly SourceId[]>> = Object.freeze({
  live_trades: ['binance', 'finnhub'],
  quotes: ['finnhub', 'binance', 'yahoo', 'alphavantage'],
  intraday_history: ['yahoo', 'binance', 'finnhub'],
  daily_history: ['yahoo', 'binance', 'finnhub', 'alphavantage'],
  profile: ['finnhub'],
  search: ['finnhub', 'yahoo', 'alphavantage'],
  key_metrics: ['finnhub', 'yahoo'],
  fx_rates: ['finnhub', 'yahoo', 'alphavantage'],
  market_status: ['finnhub'],
});
