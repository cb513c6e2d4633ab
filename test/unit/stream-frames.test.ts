import { describe, expect, it } from 'vitest';
import type { HubQuote } from '../../src/prices/price-hub.js';
import { toQuoteDto } from '../../src/prices/quote-dto.js';
import { quotesFrameOf, serializeFrame, serializeQuote } from '../../src/stream/frames.js';

const quote = (symbol: string, price: number): HubQuote => ({
  quote: {
    symbol,
    price,
    change: 1.5,
    changePercent: 0.5,
    open: price - 1,
    high: price + 1,
    low: price - 2,
    previousClose: price - 1.5,
    volume: 1200,
    time: Date.parse('2026-01-05T15:00:00Z'),
  },
  stale: false,
  receivedAt: 0,
});

describe('stream frames', () => {
  it('builds the quotes frame from quotes serialized once exactly as the one serializer would', () => {
    const quotes = [quote('AAPL', 270.5), quote('BINANCE:BTCUSDT', 97000.125)];
    const shared = quotesFrameOf(quotes.map(serializeQuote));
    expect(shared).toBe(serializeFrame({ type: 'quotes', quotes: quotes.map(toQuoteDto) }));
    expect(quotesFrameOf([])).toBe(serializeFrame({ type: 'quotes', quotes: [] }));
  });

  it('serializes every frame type as JSON with its type first', () => {
    expect(JSON.parse(serializeFrame({ type: 'status', feed: 'live' }))).toEqual({
      type: 'status',
      feed: 'live',
    });
    const snapshot = serializeFrame({ type: 'snapshot', quotes: [toQuoteDto(quote('MSFT', 415))] });
    expect(snapshot.startsWith('{"type":"snapshot"')).toBe(true);
    expect(JSON.parse(snapshot).quotes[0]).toMatchObject({
      symbol: 'MSFT',
      price: 415,
      time: '2026-01-05T15:00:00.000Z',
    });
  });
});
