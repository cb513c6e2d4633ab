import type { Quote } from '../market/kernel/instruments.js';
import type { SourceId } from '../market/kernel/sources.js';

/**
 * A quote as the leader relays it to a follower: its fields in a fixed order, without their names,
 * so about half the bytes of the JSON object. Every changed symbol crosses Redis once per
 * follower per window, so the cluster's Redis bandwidth grows with this size.
 */
type RelayedQuote = [
  symbol: string,
  price: number,
  change: number | null,
  changePercent: number | null,
  open: number | null,
  high: number | null,
  low: number | null,
  previousClose: number | null,
  volume: number | null,
  time: number,
  source: SourceId | null,
  delayMinutes: number | null,
];

type RelayedField =
  | 'symbol'
  | 'price'
  | 'change'
  | 'changePercent'
  | 'open'
  | 'high'
  | 'low'
  | 'previousClose'
  | 'volume'
  | 'time'
  | 'source'
  | 'delayMinutes';

/**
 * Fails to compile when Quote gains a field that a relayed quote does not carry, since followers
 * would otherwise lose that field without a word.
 */
export type UnrelayedQuoteFields = OnlyNever<Exclude<keyof Quote, RelayedField>>;
type OnlyNever<T extends never> = T;

export function encodeQuote(quote: Quote): string {
  const fields: RelayedQuote = [
    quote.symbol,
    quote.price,
    quote.change,
    quote.changePercent,
    quote.open,
    quote.high,
    quote.low,
    quote.previousClose,
    quote.volume,
    quote.time,
    quote.source ?? null,
    quote.delayMinutes ?? null,
  ];
  return JSON.stringify(fields);
}

/** The quotes of one relayed message: a JSON array of encoded quotes. */
export function decodeQuotes(message: string): Quote[] {
  return (JSON.parse(message) as RelayedQuote[]).map(decodeQuote);
}

function decodeQuote([
  symbol,
  price,
  change,
  changePercent,
  open,
  high,
  low,
  previousClose,
  volume,
  time,
  source,
  delayMinutes,
]: RelayedQuote): Quote {
  const quote: Quote = { symbol, price, change, changePercent, open, high, low, previousClose, volume, time };
  if (source !== null) quote.source = source;
  if (delayMinutes !== null) quote.delayMinutes = delayMinutes;
  return quote;
}
