import type { HubQuote } from './price-hub.js';

/** A quote as the API and the stream send it. */
export interface QuoteDto {
  symbol: string;
  price: number;
  change: number | null;
  changePercent: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  previousClose: number | null;
  /** Traded today (UTC day of the last trade), null when the source has no volume. */
  volume: number | null;
  /** ISO 8601, when the market quoted this price. */
  time: string;
  stale: boolean;
}

export function toQuoteDto({ quote, stale }: HubQuote): QuoteDto {
  return {
    symbol: quote.symbol,
    price: quote.price,
    change: quote.change,
    changePercent: quote.changePercent,
    open: quote.open,
    high: quote.high,
    low: quote.low,
    previousClose: quote.previousClose,
    volume: quote.volume,
    time: new Date(quote.time).toISOString(),
    stale,
  };
}
