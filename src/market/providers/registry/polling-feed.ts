import type { Logger } from 'pino';
import type { FeedCoverage, FeedListener, FeedStatus, MarketDataProvider, QuoteFeed } from '../provider.js';
import { RestPoller } from '../rest-poller.js';

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
 * The feed of symbols no stream carries (international listings from Yahoo Finance, with no
 * Finnhub key every stock): the RestPoller over the registry, as background calls so people's
 * requests keep the budget they need.
 */
export class PollingFeed implements QuoteFeed {
  private wanted: string[] = [];
  private poller: RestPoller | undefined;

  constructor(private readonly options: PollingFeedOptions) {}

  connect(listener: FeedListener): void {
    this.poller = new RestPoller(
      this.options.provider,
      (quote) => listener.quote(quote),
      this.options.logger,
      {
        intervalMs: this.options.intervalMs,
        mayPoll: () => true,
        background: true,
      },
    );
    this.poller.setSymbols(this.wanted.slice(0, this.options.maxPolled));
    listener.status(this.status());
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.wanted = [...symbols];
    this.poller?.setSymbols(this.wanted.slice(0, this.options.maxPolled));
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
    const polled = Math.min(this.wanted.length, this.options.maxPolled);
    return { live: 0, polled, leftOut: this.wanted.length - polled };
  }

  async close(): Promise<void> {
    this.poller?.close();
  }
}
