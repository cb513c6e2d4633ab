import type { Logger } from 'pino';
import type { Quote } from '../../kernel/instruments.js';
import type { FeedCoverage, FeedListener, FeedStatus, MarketDataProvider, QuoteFeed } from '../provider.js';

export interface PollingFeedOptions {
  /** The registry: each poll goes to the first quote source that serves the symbol. */
  readonly provider: MarketDataProvider;
  readonly logger: Logger;
  /** One symbol is asked for each interval. */
  readonly intervalMs: number;
  /**
   * At most this many symbols are polled (the most wanted); the rest are left out, since each
   * must come round within the two minutes after which the hub calls a quote stale.
   */
  readonly maxPolled: number;
}

/**
 * Keeps symbols no stream carries (international listings from Yahoo Finance, with no Finnhub key
 * every stock) current by asking for their quote round-robin, one symbol per interval, as a
 * background call so people's requests keep the budget they need.
 */
export class PollingFeed implements QuoteFeed {
  private order: string[] = [];
  private leftOut = 0;
  private next = 0;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private listener: FeedListener | undefined;

  constructor(private readonly options: PollingFeedOptions) {}

  connect(listener: FeedListener): void {
    this.listener = listener;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
    listener.status(this.status());
  }

  setWatched(symbols: ReadonlySet<string>): void {
    const wanted = [...symbols];
    this.order = wanted.slice(0, this.options.maxPolled);
    this.leftOut = wanted.length - this.order.length;
    if (this.next >= this.order.length) this.next = 0;
  }

  /** Polled prices are as fresh as their round: "degraded", never "live". */
  status(): FeedStatus {
    return 'degraded';
  }

  covers(): boolean {
    return false;
  }

  upstream(): { connected: boolean; subscriptions: number } {
    return { connected: true, subscriptions: 0 };
  }

  coverage(): FeedCoverage {
    return { live: 0, polled: this.order.length, leftOut: this.leftOut };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Asks for the next symbol's quote; exported for tests that step it without waiting. */
  async poll(): Promise<Quote | null> {
    const symbol = this.order[this.next];
    if (this.busy || symbol === undefined) return null;
    this.next = (this.next + 1) % this.order.length;
    this.busy = true;
    try {
      const quote = await this.options.provider.getQuote({ symbol, background: true });
      if (quote) this.listener?.quote(quote);
      return quote;
    } catch (error) {
      this.options.logger.debug({ symbol, reason: (error as Error).message }, 'polling a quote failed');
      return null;
    } finally {
      this.busy = false;
    }
  }
}
