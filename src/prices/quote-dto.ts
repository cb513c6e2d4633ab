import type { Quote } from '../market/market.schemas.js';
import type { HubQuote } from './price-hub.js';

/** A quote as the API and the stream send it. */
export function toQuoteDto({ quote, stale }: HubQuote): Quote {
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
    source: quote.source ?? null,
    delayMinutes: quote.source === undefined ? null : (quote.delayMinutes ?? null),
  };
}
