import type { BatchSource } from '../db/batch-writer.js';
import type { Quote } from '../market/kernel/instruments.js';
import type { MarketEvents } from './market-events.js';

/**
 * The latest quote of every symbol that changed since the last write, gathered from `quote.updated`:
 * what the last-quote writer saves once per flush, however many updates arrived.
 */
export class ChangedQuotes implements BatchSource<Quote> {
  private pending = new Map<string, Quote>();

  /** Gathers every `quote.updated` the hub publishes; returns the stop. */
  follow(events: MarketEvents): () => void {
    return events.on('quote.updated', ({ symbol, quote }) => {
      this.pending.set(symbol, quote);
    });
  }

  take(): Quote[] {
    const quotes = [...this.pending.values()];
    this.pending = new Map();
    return quotes;
  }

  /** Quotes a failed write did not save, unless a newer one for the symbol arrived meanwhile. */
  giveBack(quotes: Quote[]): void {
    for (const quote of quotes) if (!this.pending.has(quote.symbol)) this.pending.set(quote.symbol, quote);
  }
}
