import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { FeedCoverage, FeedListener, FeedStatus, QuoteFeed } from '../market/providers/provider.js';
import type { ClusterView } from './cluster.js';
import type { ClusterBus } from './cluster-bus.js';
import { ConflationWindow } from './conflation-window.js';
import { decodeQuotes, encodeQuote } from './relayed-quote.js';

export interface ClusterFeedOptions {
  cluster: ClusterView & { readonly bus: ClusterBus };
  /** A new upstream feed (the provider's socket and poller) for each term as leader. */
  createUpstream: () => QuoteFeed;
  clock: Clock;
  logger: Logger;
  /** How often demand is announced and, on the leader, the union recomputed; heartbeats too. */
  roundMs: number;
  /**
   * How long the leader gathers changes before relaying the latest quote of each changed symbol to
   * the followers: no change waits longer, and a symbol is relayed at most once per window.
   */
  relayWindowMs: number;
}

/** A member's wanted symbols, told on `demand` as they change (the `demand:ID` keys are read each round). */
interface DemandMessage {
  id: string;
  symbols: string[];
}

interface LeaderState {
  status: FeedStatus;
  live: string[];
  coverage: FeedCoverage;
}

const NO_COVERAGE: FeedCoverage = { live: 0, polled: 0, leftOut: 0 };

/**
 * The QuoteFeed of a cluster member. On the leader it runs the one upstream feed for the union of
 * every member's wanted symbols and hands every trade and quote to this instance's hub (bars and
 * alerts are the leader's, from every trade). Followers are sent the conflated result: once per
 * relay window, each follower gets one message on its own channel (`quotes:ID`) holding the leader
 * hub's current quote of every changed symbol that follower wants (no firehose), which its hub
 * stores as it is. Each member announces its wanted symbols (most wanted first) under `demand:ID`,
 * expiring unless refreshed, and tells changes on `demand` at once; the leader ranks the union by
 * the best place any member gives a symbol. The leader's status, live symbols and coverage are
 * published every round (a heartbeat): a follower that hears none for three rounds, or has lost
 * Redis, says `reconnecting` until a leader is heard again.
 */
export class ClusterFeed implements QuoteFeed {
  private listener: FeedListener | undefined;
  private upstreamFeed: QuoteFeed | undefined;
  private wanted: ReadonlySet<string> = new Set();
  /** On the leader: every member's wanted symbols, as last given to the upstream. */
  private union: string[] = [];
  /** On the leader: what each other member wants, so each is sent only its own symbols. */
  private followerDemand = new Map<string, ReadonlySet<string>>();
  /** On the leader: the symbols changed since the last relay to the followers. */
  private readonly relayWindow: ConflationWindow;
  private leaderState: LeaderState = { status: 'reconnecting', live: [], coverage: NO_COVERAGE };
  private liveSymbols: ReadonlySet<string> = new Set();
  private heardLeaderAt = 0;
  private shownStatus: FeedStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopRole: (() => void) | undefined;

  constructor(private readonly options: ClusterFeedOptions) {
    this.relayWindow = new ConflationWindow(options.relayWindowMs, (symbols) => this.relay(symbols));
  }

  private get bus(): ClusterBus {
    return this.options.cluster.bus;
  }

  private get isLeader(): boolean {
    return this.options.cluster.role() === 'leader';
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
    this.stopRole = this.options.cluster.onRoleChange((role) => this.onRole(role === 'leader'));
    // The bus keeps each handler and subscribes it again whenever Redis comes back.
    const subscriptions: Array<[string, (message: string) => void]> = [
      ['feed-state', (message) => this.heardLeader(JSON.parse(message) as LeaderState)],
      [this.quotesChannel(this.options.cluster.instanceId), (message) => this.received(message)],
      ['demand', (message) => this.heardDemand(message)],
    ];
    for (const [channel, handler] of subscriptions) {
      void this.bus
        .subscribe(channel, handler)
        .catch((error: Error) =>
          this.options.logger.warn({ reason: error.message }, 'could not follow the feed leader'),
        );
    }
    this.bus.onConnection(() => this.showStatus());
    this.timer = setInterval(() => void this.round(), this.options.roundMs);
    this.timer.unref();
    this.onRole(this.isLeader);
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.wanted = symbols;
    void this.announce();
    if (this.isLeader) void this.leadUnion();
    else {
      // The leader reads every member's key each round; told now, it relays a symbol another
      // member already streams without waiting for that round.
      const message: DemandMessage = { id: this.options.cluster.instanceId, symbols: [...symbols] };
      this.bus.publish('demand', JSON.stringify(message));
    }
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
    this.relayWindow.flush();
    const upstream = this.upstreamFeed;
    this.upstreamFeed = undefined;
    await upstream?.close();
    await Promise.allSettled(
      ['feed-state', this.quotesChannel(this.options.cluster.instanceId), 'demand'].map((channel) =>
        this.bus.unsubscribe(channel),
      ),
    );
  }

  private onRole(leader: boolean): void {
    if (leader && !this.upstreamFeed) {
      const upstream = this.options.createUpstream();
      this.upstreamFeed = upstream;
      upstream.connect(this.upstreamListener(upstream));
      void this.leadUnion();
    } else if (!leader && this.upstreamFeed) {
      // Stepped down: the upstream socket closes now, before the lease can pass to another; what
      // the followers were still owed is sent.
      const upstream = this.upstreamFeed;
      this.upstreamFeed = undefined;
      void upstream.close();
      this.relayWindow.flush();
      this.followerDemand = new Map();
    }
    this.showStatus();
  }

  /**
   * The leader's listener on its upstream: every trade and quote to this instance's hub at once;
   * the symbol joins the relay window, so the followers get the hub's quote of it when it closes.
   */
  private upstreamListener(upstream: QuoteFeed): FeedListener {
    return {
      quote: (quote) => {
        this.listener?.quote(quote);
        this.relayWindow.add(quote.symbol);
      },
      trade: (trade) => {
        this.listener?.trade(trade);
        this.relayWindow.add(trade.symbol);
      },
      status: () => {
        if (this.upstreamFeed === upstream) {
          this.showStatus();
          this.publishState();
        }
      },
      current: (symbol) => this.listener?.current(symbol),
      relayed: (quote) => this.listener?.relayed(quote),
    };
  }

  private quotesChannel(instanceId: string): string {
    return `quotes:${instanceId}`;
  }

  /**
   * One message per follower, however many trades the window held: the leader hub's quote of every
   * changed symbol it wants, each encoded once whatever the number of followers. A Redis message
   * costs about the same CPU whatever it carries (in Redis, node-redis and the event loop on both
   * ends), so this replaces thousands of messages a second per follower with one per window.
   */
  private relay(symbols: ReadonlySet<string>): void {
    const listener = this.listener;
    if (!listener) return;
    const encoded = new Map<string, string>();
    for (const [member, wanted] of this.followerDemand) {
      const quotes: string[] = [];
      for (const symbol of symbols) {
        if (!wanted.has(symbol)) continue;
        let json = encoded.get(symbol);
        if (json === undefined) {
          const quote = listener.current(symbol);
          if (!quote) continue;
          json = encodeQuote(quote);
          encoded.set(symbol, json);
        }
        quotes.push(json);
      }
      if (quotes.length > 0) this.bus.publish(this.quotesChannel(member), `[${quotes.join(',')}]`);
    }
  }

  private received(message: string): void {
    const listener = this.listener;
    if (this.isLeader || !listener) return;
    for (const quote of decodeQuotes(message)) listener.relayed(quote);
  }

  /** Another member's wanted symbols changed: the leader relays to it accordingly from now on. */
  private heardDemand(message: string): void {
    if (!this.isLeader) return;
    const { id, symbols } = JSON.parse(message) as DemandMessage;
    if (id !== this.options.cluster.instanceId) this.followerDemand.set(id, new Set(symbols));
  }

  private async round(): Promise<void> {
    await this.announce();
    if (this.isLeader) {
      await this.leadUnion();
      this.publishState();
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

  /**
   * The leader gives its upstream every member's wanted symbols, each at the best place any gives
   * it, and keeps what each other member wants (a member gone quiet drops out with its key).
   */
  private async leadUnion(): Promise<void> {
    const upstream = this.upstreamFeed;
    if (!upstream) return;
    let others: Array<[string, string[]]> | undefined;
    try {
      const announced = await this.bus.getAll('demand:');
      announced.delete(`demand:${this.options.cluster.instanceId}`);
      others = [...announced].map(([key, value]) => [
        key.slice('demand:'.length),
        JSON.parse(value) as string[],
      ]);
    } catch {
      // Redis is away: nothing can be relayed anyway; the known demand stays for when it returns.
    }
    const lists = [[...this.wanted], ...(others ?? []).map(([, list]) => list)];
    const best = new Map<string, number>();
    for (const list of lists) {
      list.forEach((symbol, place) => {
        best.set(symbol, Math.min(best.get(symbol) ?? place, place));
      });
    }
    const ranked = [...best].sort(([, a], [, b]) => a - b).map(([symbol]) => symbol);
    if (this.upstreamFeed !== upstream) return;
    if (others) this.followerDemand = new Map(others.map(([id, list]) => [id, new Set(list)]));
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
