import type { FeedCoverage, FeedListener, FeedStatus, QuoteFeed } from '../provider.js';

/** One feed behind the router and the symbols it carries. */
export interface FeedRoute {
  readonly feed: QuoteFeed;
  /** Whether this feed should carry `symbol` (the first route that takes a symbol gets it). */
  takes(symbol: string): boolean;
}

/** How bad each status is, for telling the whole feed's status from its parts. */
const SEVERITY: Record<FeedStatus, number> = {
  simulated: 0,
  live: 0,
  degraded: 1,
  reconnecting: 2,
  unauthorized: 3,
};

/**
 * The app's one QuoteFeed over several: each wanted symbol goes to the first route that takes it
 * (Binance's stream for BINANCE: pairs, Finnhub's socket for what it streams, polling for the
 * rest), in the hub's order of wanting, so each feed's cap still leaves out the least wanted. Its
 * status is the worst of the routes that carry symbols: a Binance outage does not mark US stocks
 * stale, but someone watching only crypto sees "reconnecting".
 */
export class RoutedFeed implements QuoteFeed {
  private readonly carrying = new Map<QuoteFeed, number>();
  private listener: FeedListener | undefined;

  constructor(private readonly routes: readonly FeedRoute[]) {}

  connect(listener: FeedListener): void {
    this.listener = listener;
    for (const { feed } of this.routes) {
      feed.connect({
        quote: (quote) => listener.quote(quote),
        trade: (trade) => listener.trade(trade),
        status: () => listener.status(this.status()),
        current: (symbol) => listener.current(symbol),
        relayed: (quote) => listener.relayed(quote),
      });
    }
  }

  setWatched(symbols: ReadonlySet<string>): void {
    const shares = new Map<QuoteFeed, Set<string>>(this.routes.map(({ feed }) => [feed, new Set<string>()]));
    for (const symbol of symbols) {
      const route = this.routes.find((candidate) => candidate.takes(symbol));
      if (route) shares.get(route.feed)?.add(symbol);
    }
    for (const [feed, share] of shares) {
      this.carrying.set(feed, share.size);
      feed.setWatched(share);
    }
    this.listener?.status(this.status());
  }

  status(): FeedStatus {
    let worst: FeedStatus | undefined;
    for (const { feed } of this.routes) {
      if ((this.carrying.get(feed) ?? 0) === 0) continue;
      const status = feed.status();
      if (!worst || SEVERITY[status] > SEVERITY[worst]) worst = status;
    }
    return worst ?? this.routes[0]?.feed.status() ?? 'live';
  }

  covers(symbol: string): boolean {
    return this.routes.some(({ feed }) => feed.covers(symbol));
  }

  upstream(): { connected: boolean; subscriptions: number } {
    let connected = true;
    let subscriptions = 0;
    for (const { feed } of this.routes) {
      const upstream = feed.upstream();
      if ((this.carrying.get(feed) ?? 0) > 0 && !upstream.connected) connected = false;
      subscriptions += upstream.subscriptions;
    }
    return { connected, subscriptions };
  }

  coverage(): FeedCoverage {
    const total: FeedCoverage = { live: 0, polled: 0, leftOut: 0 };
    for (const { feed } of this.routes) {
      const part = feed.coverage();
      total.live += part.live;
      total.polled += part.polled;
      total.leftOut += part.leftOut;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.routes.map(({ feed }) => feed.close()));
  }
}
