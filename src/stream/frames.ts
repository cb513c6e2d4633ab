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

/**
 * A quote as it appears inside `snapshot` and `quotes` frames, as UTF-8 bytes: serialized once per
 * change and copied into the frame of every connection that gets it.
 */
export function serializeQuote(quote: HubQuote): Buffer {
  return Buffer.from(JSON.stringify(toQuoteDto(quote)));
}

/**
 * The bytes of `serializeFrame({type: 'quotes', quotes})` from the first `count` serialized quotes
 * (`serializeQuote`, `quoteBytes` long in all), in one buffer: a flush copies bytes per connection
 * instead of joining and encoding text. The envelope is cut from the serializer's own output, so
 * the two cannot differ.
 */
export function quotesFrameOf(quotes: readonly Buffer[], count: number, quoteBytes: number): Buffer {
  const frame = Buffer.allocUnsafe(
    QUOTES_HEAD.length + quoteBytes + Math.max(0, count - 1) + QUOTES_TAIL.length,
  );
  let at = QUOTES_HEAD.copy(frame, 0);
  for (let i = 0; i < count; i++) {
    if (i > 0) frame[at++] = COMMA;
    at += (quotes[i] as Buffer).copy(frame, at);
  }
  QUOTES_TAIL.copy(frame, at);
  return frame;
}

const EMPTY_QUOTES = serializeFrame({ type: 'quotes', quotes: [] });
const QUOTES_HEAD = Buffer.from(EMPTY_QUOTES.slice(0, EMPTY_QUOTES.lastIndexOf('[') + 1));
const QUOTES_TAIL = Buffer.from(EMPTY_QUOTES.slice(EMPTY_QUOTES.lastIndexOf(']')));
const COMMA = 0x2c;
