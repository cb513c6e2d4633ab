import type { Quote, QuoteFeed } from '../../src/market/types.js';

/** A feed the test drives: records what the hub subscribes to and pushes the quotes the test makes up. */
export class ScriptedFeed implements QuoteFeed {
  readonly kind = 'simulated';
  readonly watchedHistory: string[][] = [];
  private readonly listeners: Array<(quote: Quote) => void> = [];

  get watched(): string[] {
    return this.watchedHistory.at(-1) ?? [];
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.watchedHistory.push([...symbols].sort());
  }

  onQuote(listener: (quote: Quote) => void): void {
    this.listeners.push(listener);
  }

  push(symbol: string, price: number, previousClose = 100): void {
    const quote: Quote = {
      symbol,
      price,
      change: price - previousClose,
      changePercent: ((price - previousClose) / previousClose) * 100,
      open: previousClose,
      high: Math.max(price, previousClose),
      low: Math.min(price, previousClose),
      previousClose,
      time: Date.now(),
    };
    for (const listener of this.listeners) listener(quote);
  }

  async close(): Promise<void> {}
}
