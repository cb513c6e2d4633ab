import type { HubQuote } from '../market/prices/price-hub.js';
import { type QuoteDto, toQuoteDto } from '../market/prices/quote-dto.js';
import type { FeedStatus } from '../market/providers/provider.js';

/**
 * Every frame the server sends on `/api/v1/stream`, by type. Later frames (an alert fired, the
 * portfolio's value) are added here and go through the same serializer.
 */
export interface StreamFrameMap {
  /** The connection's symbols with the quotes known now; sent first. */
  snapshot: { quotes: QuoteDto[] };
  /** Quotes that changed since the connection's last frame (each symbol at most once). */
  quotes: { quotes: QuoteDto[] };
  /** The market-data feed's state: sent after the snapshot and on every change. */
  status: { feed: FeedStatus };
}

export type StreamFrameType = keyof StreamFrameMap;
export type StreamFrame = { [K in StreamFrameType]: { type: K } & StreamFrameMap[K] }[StreamFrameType];

/** The one serializer of frames. */
export function serializeFrame(frame: StreamFrame): string {
  return JSON.stringify(frame);
}

/** A quote as it appears inside `snapshot` and `quotes` frames. */
export function serializeQuote(quote: HubQuote): string {
  return JSON.stringify(toQuoteDto(quote));
}

/**
 * The same frame as `serializeFrame({type: 'quotes', quotes})` from quotes serialized once per flush
 * (`serializeQuote`) and shared by every connection: the envelope is cut from the serializer's own
 * output, so the two cannot differ.
 */
export function quotesFrameOf(serializedQuotes: readonly string[]): string {
  return `${QUOTES_HEAD}${serializedQuotes.join(',')}${QUOTES_TAIL}`;
}

const EMPTY_QUOTES = serializeFrame({ type: 'quotes', quotes: [] });
const QUOTES_HEAD = EMPTY_QUOTES.slice(0, EMPTY_QUOTES.lastIndexOf('[') + 1);
const QUOTES_TAIL = EMPTY_QUOTES.slice(EMPTY_QUOTES.lastIndexOf(']'));
