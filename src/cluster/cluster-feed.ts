import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Quote } from '../market/kernel/instruments.js';
import type { SourceId } from '../market/kernel/sources.js';
import type {
  FeedCoverage,
  FeedListener,
  FeedStatus,
  QuoteFeed,
  Trade,
} from '../market/providers/provider.js';
import type { Cluster } from './cluster.js';
import type { ClusterBus } from './cluster-bus.js';

export interface ClusterFeedOptions {
  cluster: Cluster;
  /** A new upstream feed (the provider's socket and poller) for each term as leader. */
  createUpstream: () => QuoteFeed;
  clock: Clock;
  logger: Logger;
  /** How often demand is announced and, on the leader, the union recomputed; heartbeats too. */
  roundMs: number;
}

/**
 * What crosses instances on a symbol's channel: a trade (with the feed it came from, so followers
 * label the price as the leader does), or a full quote.
 */
type TickMessage = { t: 'trade'; p: number; at: number; v: number; s?: SourceId } | { t: 'quote'; q: Quote };

interface LeaderState {
  status: FeedStatus;
  live: string[];
  coverage: FeedCoverage;
}

const NO_COVERAGE: FeedCoverage = { live: 0, polled: 0, leftOut: 0 };

/**
 * The QuoteFeed of a cluster member. On the leader it runs the one upstream feed for the union of
 * every member's wanted symbols, hands what it receives to this instance's hub and publishes it on
 * the symbol's channel (`tick:SYMBOL`). On a follower it subscribes to the channels of the symbols
 * this instance wants (no firehose) and hands what arrives to its hub. Each member announces its
 * wanted symbols (most wanted first) under `demand:ID`, expiring unless refreshed; the leader ranks
 * the union by the best place any member gives a symbol. The leader's status, live symbols and
 * coverage are published every round (a heartbeat): a follower that hears none for three rounds,
 * or has lost Redis, says `reconnecting` until a leader is heard again.
 */
export class ClusterFeed implements QuoteFeed {
  private listener: FeedListener | undefined;
  private upstreamFeed: QuoteFeed | undefined;
  private wanted: ReadonlySet<string> = new Set();
  /** On the leader: every member's wanted symbols, as last given to the upstream. */
  private union: string[] = [];
  private readonly subscribed = new Set<string>();
  private leaderState: LeaderState = { status: 'reconnecting', live: [], coverage: NO_COVERAGE };
  private liveSymbols: ReadonlySet<string> = new Set();
  private heardLeaderAt = 0;
  private shownStatus: FeedStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopRole: (() => void) | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly options: ClusterFeedOptions) {}

  private get bus(): ClusterBus {
    return this.options.cluster.bus;
  }

  private get isLeader(): boolean {
    return this.options.cluster.role() === 'leader';
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
    this.stopRole = this.options.cluster.onRoleChange((role) => this.onRole(role === 'leader'));
    void this.bus
      .subscribe('feed-state', (message) => this.heardLeader(JSON.parse(message) as LeaderState))
      .catch((error: Error) =>
        this.options.logger.warn({ reason: error.message }, 'could not follow the feed leader'),
      );
    this.bus.onConnection(() => this.showStatus());
    this.timer = setInterval(() => void this.round(), this.options.roundMs);
    this.timer.unref();
    this.onRole(this.isLeader);
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.wanted = symbols;
    if (!this.isLeader) this.sync();
    void this.announce();
    if (this.isLeader) void this.leadUnion();
  }

  status(): FeedStatus {
    if (this.isLeader && this.upstreamFeed) return this.upstreamFeed.status();
    if (!this.bus.connected() || this.options.clock.now() - this.heardLeaderAt > 3 * this.options.roundMs) {
      return 'reconnecting';
    }
    return this.leaderState.status;
  }

  covers(symbol: string): boolean {
    if (this.isLeader && this.upstreamFeed) return this.upstreamFeed.covers(symbol);
    return this.status() !== 'reconnecting' && this.liveSymbols.has(symbol);
  }

  upstream(): { connected: boolean; subscriptions: number } {
    if (this.isLeader && this.upstreamFeed) return this.upstreamFeed.upstream();
    return { connected: false, subscriptions: 0 };
  }

  coverage(): FeedCoverage {
    if (this.isLeader && this.upstreamFeed) return this.upstreamFeed.coverage();
    return this.leaderState.coverage;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stopRole?.();
    const upstream = this.upstreamFeed;
    this.upstreamFeed = undefined;
    await upstream?.close();
    await Promise.allSettled([...this.subscribed].map((symbol) => this.bus.unsubscribe(`tick:${symbol}`)));
    this.subscribed.clear();
  }

  private onRole(leader: boolean): void {
    if (leader && !this.upstreamFeed) {
      const upstream = this.options.createUpstream();
      this.upstreamFeed = upstream;
      upstream.connect(this.relay(upstream));
      this.sync();
      void this.leadUnion();
    } else if (!leader && this.upstreamFeed) {
      // Stepped down: the upstream socket closes now, before the lease can pass to another.
      const upstream = this.upstreamFeed;
      this.upstreamFeed = undefined;
      void upstream.close();
      this.sync();
    }
    this.showStatus();
  }

  /** The leader's listener on its upstream: this instance's hub, and every other instance. */
  private relay(upstream: QuoteFeed): FeedListener {
    return {
      quote: (quote) => {
        this.listener?.quote(quote);
        this.bus.publish(
          `tick:${quote.symbol}`,
          JSON.stringify({ t: 'quote', q: quote } satisfies TickMessage),
        );
      },
      trade: (trade) => {
        this.listener?.trade(trade);
        const message: TickMessage = {
          t: 'trade',
          p: trade.price,
          at: trade.time,
          v: trade.volume,
          s: trade.source,
        };
        this.bus.publish(`tick:${trade.symbol}`, JSON.stringify(message));
      },
      status: () => {
        if (this.upstreamFeed === upstream) {
          this.showStatus();
          this.publishState();
        }
      },
    };
  }

  /** A follower listens to exactly the channels of the symbols it wants; the leader to none. */
  private sync(): void {
    this.syncing = this.syncing.then(async () => {
      const target = this.isLeader ? new Set<string>() : this.wanted;
      for (const symbol of [...this.subscribed]) {
        if (target.has(symbol)) continue;
        this.subscribed.delete(symbol);
        await this.bus.unsubscribe(`tick:${symbol}`).catch(() => undefined);
      }
      for (const symbol of target) {
        if (this.subscribed.has(symbol)) continue;
        this.subscribed.add(symbol);
        await this.bus
          .subscribe(`tick:${symbol}`, (message) => this.received(symbol, message))
          .catch(() => this.subscribed.delete(symbol));
      }
    });
  }

  private received(symbol: string, message: string): void {
    if (this.isLeader) return;
    const tick = JSON.parse(message) as TickMessage;
    if (tick.t === 'trade') {
      const trade: Trade = { symbol, price: tick.p, time: tick.at, volume: tick.v, source: tick.s };
      this.listener?.trade(trade);
    } else {
      this.listener?.quote(tick.q);
    }
  }

  private async round(): Promise<void> {
    await this.announce();
    if (this.isLeader) {
      await this.leadUnion();
      this.publishState();
    } else {
      // Subscriptions that failed while Redis was away are made again.
      this.sync();
    }
    this.showStatus();
  }

  /** This member's wanted symbols, most wanted first, for the leader to union. */
  private async announce(): Promise<void> {
    const { cluster, roundMs } = this.options;
    await this.bus
      .setExpiring(`demand:${cluster.instanceId}`, JSON.stringify([...this.wanted]), roundMs * 3)
      .catch(() => undefined);
  }

  /** The leader gives its upstream every member's wanted symbols, each at the best place any gives it. */
  private async leadUnion(): Promise<void> {
    const upstream = this.upstreamFeed;
    if (!upstream) return;
    let lists: string[][];
    try {
      const announced = await this.bus.getAll('demand:');
      announced.delete(`demand:${this.options.cluster.instanceId}`);
      lists = [[...this.wanted], ...[...announced.values()].map((value) => JSON.parse(value) as string[])];
    } catch {
      lists = [[...this.wanted]];
    }
    const best = new Map<string, number>();
    for (const list of lists) {
      list.forEach((symbol, place) => {
        best.set(symbol, Math.min(best.get(symbol) ?? place, place));
      });
    }
    const ranked = [...best].sort(([, a], [, b]) => a - b).map(([symbol]) => symbol);
    if (this.upstreamFeed !== upstream) return;
    this.union = ranked;
    upstream.setWatched(new Set(ranked));
  }

  private publishState(): void {
    const upstream = this.upstreamFeed;
    if (!upstream) return;
    const live = this.union.filter((symbol) => upstream.covers(symbol));
    const state: LeaderState = { status: upstream.status(), live, coverage: upstream.coverage() };
    this.bus.publish('feed-state', JSON.stringify(state));
  }

  private heardLeader(state: LeaderState): void {
    this.heardLeaderAt = this.options.clock.now();
    this.leaderState = state;
    this.liveSymbols = new Set(state.live);
    this.showStatus();
  }

  /** Tells the hub the feed's status when it changes. */
  private showStatus(): void {
    const status = this.status();
    if (status === this.shownStatus) return;
    this.shownStatus = status;
    this.listener?.status(status);
  }
}
