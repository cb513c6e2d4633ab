import type { Quote } from '../../src/market/kernel/instruments.js';
import type { SourceId } from '../../src/market/kernel/sources.js';
import type {
  FeedCoverage,
  FeedListener,
  FeedStatus,
  QuoteFeed,
  Trade,
} from '../../src/market/providers/provider.js';

/** A feed the test drives: records what the hub subscribes to and pushes the quotes the test makes up. */
export class ScriptedFeed implements QuoteFeed {
  readonly watchedHistory: string[][] = [];
  private listener: FeedListener | undefined;
  private currentStatus: FeedStatus = 'simulated';
  /** Where the quotes `push` makes say they came from, as a real source's do; none when not set. */
  quoteSource: { source: SourceId; delayMinutes: number } | undefined;

  get watched(): string[] {
    return this.watchedHistory.at(-1) ?? [];
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.watchedHistory.push([...symbols].sort());
  }

  status(): FeedStatus {
    return this.currentStatus;
  }

  setStatus(status: FeedStatus): void {
    this.currentStatus = status;
    this.listener?.status(status);
  }

  covers(symbol: string): boolean {
    return this.watched.includes(symbol);
  }

  upstream(): { connected: boolean; subscriptions: number } {
    return { connected: true, subscriptions: this.watched.length };
  }

  coverage(): FeedCoverage {
    return { live: this.watched.length, polled: 0, leftOut: 0 };
  }

  push(symbol: string, price: number, previousClose = 100, time = Date.now()): void {
    const quote: Quote = {
      symbol,
      price,
      change: price - previousClose,
      changePercent: ((price - previousClose) / previousClose) * 100,
      open: previousClose,
      high: Math.max(price, previousClose),
      low: Math.min(price, previousClose),
      previousClose,
      volume: null,
      time,
      ...this.quoteSource,
    };
    this.listener?.quote(quote);
  }

  pushQuote(quote: Quote): void {
    this.listener?.quote(quote);
  }

  trade(trade: Trade): void {
    this.listener?.trade(trade);
  }

  /** A quote as a cluster's leader relays it (its trades already merged in). */
  relay(quote: Quote): void {
    this.listener?.relayed(quote);
  }

  async close(): Promise<void> {}
}
