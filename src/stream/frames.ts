import type { HubQuote } from '../prices/price-hub.js';
import { toQuoteDto } from '../prices/quote-dto.js';
import type { StreamFrame } from './stream.schemas.js';

/*
 * Every frame the server sends on `/api/v1/stream` is one of the zod schemas in `stream.schemas.ts`
 * (documented in the OpenAPI document, and the type the browser reads frames as). Later frames (an
 * alert fired, the portfolio's value) are added there and go through the same serializer.
 */

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
