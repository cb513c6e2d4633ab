import type { Clock } from '../clock.js';
import type { DomainEventBus } from '../events.js';
import type { Quote } from '../market/kernel/instruments.js';
import type { FeedStatus } from '../market/providers/provider.js';
import type { AppMetrics } from '../metrics.js';
import type { PriceHub } from '../prices/price-hub.js';
import { toQuoteDto } from '../prices/quote-dto.js';
import { STREAM_CLOSE_CODES } from './close-codes.js';
import { quotesFrameOf, serializeFrame, serializeQuote } from './frames.js';
import type { StreamFrame } from './stream.schemas.js';

/** What the stream needs of a socket: `ws.WebSocket` satisfies it, and so does a test double. */
export interface FrameSink {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  ping(): void;
  terminate(): void;
}

/** How often each stream is pinged unless `heartbeatMs` says otherwise; proxies' idle timeouts must exceed it. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

export interface StreamOptions {
  /** At most one update per symbol per connection per interval; updates in between are conflated. */
  intervalMs: number;
  /** Above this much unsent output, a connection's updates are conflated instead of queued. */
  highWaterBytes: number;
  /** A connection above the high-water mark for this long is closed with 1013 (it reconnects). */
  stuckMs: number;
  /**
   * Every this often each connection is pinged; one that has not answered the previous ping (a
   * laptop gone to sleep, a dropped network) is terminated, so dead peers do not hold subscriptions.
   */
  heartbeatMs?: number;
  /**
   * Connections are spread over this many lanes whose flushes are staggered across the interval, so
   * the sending work comes in small slices instead of one burst that delays the last connections.
   */
  lanes?: number;
}

/** A share of the connections, flushed on its own timer. */
interface Lane {
  readonly index: number;
  /** This lane's bit in `WatchedSymbol.queuedIn`. */
  readonly bit: number;
  readonly changed: Set<WatchedSymbol>;
  readonly waiting: Set<StreamConnection>;
}

/**
 * A symbol some connection watches: its watchers per lane, and its quote serialized once for every
 * lane and connection until the hub's quote object (or its staleness) changes.
 */
interface WatchedSymbol {
  readonly symbol: string;
  /** Watching connections, by lane index. */
  readonly byLane: Array<Set<StreamConnection> | undefined>;
  /** Bits of the lanes whose `changed` set already holds it, so an update costs no set lookups. */
  queuedIn: number;
  quote: Quote | undefined;
  stale: boolean;
  /** The quote as it appears in frames (`serializeQuote`). */
  text: string;
  /** When the hub received the serialized quote, for the tick-to-send histogram. */
  receivedAt: number;
}

export class StreamConnection {
  readonly symbols = new Set<string>();
  /** Index of the lane this connection is flushed in. */
  lane = 0;
  /** Symbols with an update this connection has not been sent yet (held back while it was slow, or just added). */
  backlog: Set<WatchedSymbol> | undefined;
  /** When its output first went above the high-water mark; 0 while it keeps up. */
  slowSince = 0;
  closed = false;
  /** Answered the last heartbeat ping (set by the socket's pong). */
  alive = true;
  /**
   * Per-flush scratch state, kept on the connection so a flush allocates nothing per connection: the
   * texts of this flush are the first `outboxCount` of `outbox`, written by index over the last
   * flush's (emptying the array and pushing again cost a new backing store and a generic length store
   * per connection per flush).
   */
  readonly outbox: string[] = [];
  outboxCount = 0;
  outboxRound = 0;

  constructor(
    readonly userId: string,
    /** The hash of the session it was opened with: when that session ends, the stream closes. */
    readonly sessionHash: string,
    readonly socket: FrameSink,
  ) {}
}

/** 1013 "try again later": the browser reconnects and gets a fresh snapshot. */
const CLOSE_TOO_SLOW = 1013;

/** Lanes are bits of `WatchedSymbol.queuedIn`. */
const MAX_LANES = 30;
/**
 * Fans price updates out to browsers. Every `intervalMs` each lane's flush takes the symbols that
 * changed, serializes each quote once (the text is shared by every lane and connection until the
 * quote changes again), and sends every connection one frame with the latest quote of each of its
 * symbols that changed. A connection whose socket is not draining gets nothing new queued: its
 * changed symbols wait (conflated to the latest) until it drains, or it is closed if it stays stuck.
 * Watchlist events change what a user's open connections receive without a reconnect; so does a
 * symbol newly held in the portfolio (its value moves live on the portfolio page). A held symbol
 * stays in the stream when it leaves the watchlist; one sold out stays until the next connection.
 */
export class StreamHub {
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private readonly lanes: Lane[];
  private readonly watched = new Map<string, WatchedSymbol>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: Array<() => void>;
  private round = 0;
  private nextLane = 0;
  /** The connections with a frame in the flush under way, reused by every flush (emptied as it goes). */
  private readonly ready: Array<StreamConnection | undefined> = [];

  constructor(
    private readonly hub: PriceHub,
    events: DomainEventBus,
    private readonly clock: Clock,
    private readonly metrics: AppMetrics,
    private readonly options: StreamOptions,
    /** The symbols a user holds (the portfolio's), streamed with their watchlist's. */
    private readonly held: (userId: string) => ReadonlySet<string> = () => new Set(),
  ) {
    const laneCount = Math.min(MAX_LANES, Math.max(1, options.lanes ?? 1));
    this.lanes = Array.from({ length: laneCount }, (_, index) => ({
      index,
      bit: 1 << index,
      changed: new Set(),
      waiting: new Set(),
    }));
    this.unsubscribe = [
      hub.events.on('quote.updated', ({ symbol }) => this.markChanged(symbol)),
      hub.events.on('feed.status', ({ status }) =>
        this.broadcast(serializeFrame({ type: 'status', feed: status })),
      ),
      events.on('watchlist.symbolAdded', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.watch(connection, symbol);
      }),
      events.on('watchlist.symbolRemoved', ({ userId, symbol }) => {
        if (this.held(userId).has(symbol)) return;
        for (const connection of this.byUser.get(userId) ?? []) this.unwatch(connection, symbol);
      }),
      events.on('portfolio.symbolHeld', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.watch(connection, symbol);
      }),
    ];
    const heartbeat = setInterval(() => this.heartbeat(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    heartbeat.unref();
    this.timers.push(heartbeat);
    this.lanes.forEach((lane, index) => {
      const offset = (options.intervalMs * index) / this.lanes.length;
      const start = setTimeout(() => {
        const timer = setInterval(() => this.flushLane(lane), options.intervalMs);
        timer.unref();
        this.timers.push(timer);
      }, offset);
      start.unref();
      this.timers.push(start);
    });
  }

  /**
   * Registers a connection before its symbols are read, so a watchlist change racing the read is not
   * missed; `start` then subscribes it and sends the snapshot and the feed status.
   */
  open(userId: string, sessionHash: string, socket: FrameSink): StreamConnection {
    const connection = new StreamConnection(userId, sessionHash, socket);
    connection.lane = this.nextLane;
    this.nextLane = (this.nextLane + 1) % this.lanes.length;
    let set = this.byUser.get(userId);
    if (!set) {
      set = new Set();
      this.byUser.set(userId, set);
    }
    set.add(connection);
    this.metrics.streamClients.inc();
    return connection;
  }

  start(connection: StreamConnection, symbols: string[], feed: FeedStatus): void {
    if (connection.closed) return;
    for (const symbol of symbols) this.watch(connection, symbol);
    for (const symbol of this.held(connection.userId)) this.watch(connection, symbol);
    connection.backlog = undefined;
    this.laneOf(connection).waiting.delete(connection);
    const quotes = [...connection.symbols].flatMap((symbol) => {
      const known = this.hub.peek(symbol);
      return known ? [toQuoteDto(known)] : [];
    });
    this.send(connection, serializeFrame({ type: 'snapshot', quotes }), quotes.length);
    this.send(connection, serializeFrame({ type: 'status', feed }), 0);
  }

  close(connection: StreamConnection): void {
    if (connection.closed) return;
    connection.closed = true;
    for (const symbol of [...connection.symbols]) this.unwatch(connection, symbol);
    this.laneOf(connection).waiting.delete(connection);
    const set = this.byUser.get(connection.userId);
    set?.delete(connection);
    if (set?.size === 0) this.byUser.delete(connection.userId);
    this.metrics.streamClients.dec();
  }

  /** A frame for one user's open streams only (an alert of theirs fired). */
  sendToUser(userId: string, frame: StreamFrame): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    const text = serializeFrame(frame);
    for (const connection of set) this.send(connection, text, 0);
  }

  /** How many streams the user has open on this instance. */
  countFor(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Closes (4001) the user's streams opened with the ended sessions: `all`, or those of these hashes. */
  endSessions(userId: string, sessions: 'all' | readonly string[]): void {
    const ended = sessions === 'all' ? undefined : new Set(sessions);
    for (const connection of [...(this.byUser.get(userId) ?? [])]) {
      if (ended && !ended.has(connection.sessionHash)) continue;
      connection.socket.close(STREAM_CLOSE_CODES.sessionEnded, 'session ended');
      this.close(connection);
    }
  }

  connectionCount(): number {
    let total = 0;
    for (const set of this.byUser.values()) total += set.size;
    return total;
  }

  /** Terminates connections that did not answer the previous ping, and pings the others. */
  heartbeat(): void {
    for (const set of [...this.byUser.values()]) {
      for (const connection of [...set]) {
        if (!connection.alive) {
          connection.socket.terminate();
          this.close(connection);
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
    }
  }

  /** Flushes every lane now (the timers flush each lane every `intervalMs`). */
  flush(): void {
    for (const lane of this.lanes) this.flushLane(lane);
  }

  /** Queues an updated symbol in each lane that watches it and does not hold it yet (runs on every tick). */
  private markChanged(symbol: string): void {
    const watched = this.watched.get(symbol);
    if (!watched) return;
    for (const lane of this.lanes) {
      if ((watched.queuedIn & lane.bit) === 0 && watched.byLane[lane.index] !== undefined) {
        watched.queuedIn |= lane.bit;
        lane.changed.add(watched);
      }
    }
  }

  /**
   * Sends what changed since the lane's last flush. Whether a socket is backed up is asked once per
   * connection, right before its frame is sent: `send` reads the same socket state a moment later,
   * where asking while the changes were gathered read it out of cache for each of 1,250 connections.
   */
  private flushLane(lane: Lane): void {
    const { changed, waiting } = lane;
    if (changed.size === 0 && waiting.size === 0) return;
    const round = ++this.round;
    const { ready } = this;
    let readyCount = 0;
    const queue = (connection: StreamConnection, text: string) => {
      if (connection.outboxRound !== round) {
        connection.outboxRound = round;
        connection.outboxCount = 0;
        ready[readyCount++] = connection;
      }
      connection.outbox[connection.outboxCount++] = text;
    };

    for (const connection of waiting) {
      let queued = false;
      for (const watched of connection.backlog ?? []) {
        // A symbol that also changed is queued with the changes below, once.
        const text = changed.has(watched) ? undefined : this.serialized(watched);
        if (text !== undefined) {
          queue(connection, text);
          queued = true;
        }
      }
      // Kept until the frame is sent: a socket still backed up keeps waiting with it.
      if (!queued) connection.backlog = undefined;
    }
    waiting.clear();
    for (const watched of changed) {
      watched.queuedIn &= ~lane.bit;
      const watchers = watched.byLane[lane.index];
      const text = watchers ? this.serialized(watched) : undefined;
      if (!watchers || text === undefined) continue;
      for (const connection of watchers) queue(connection, text);
    }

    const now = this.clock.now();
    let frames = 0;
    let quotes = 0;
    for (let i = 0; i < readyCount; i++) {
      const connection = ready[i] as StreamConnection;
      if (connection.closed) {
        // Closed by a stuck socket's check earlier in this loop.
      } else if (this.isBackedUp(connection, now)) {
        if (!connection.closed) this.holdBack(connection, changed, waiting);
      } else {
        const { outbox } = connection;
        if (outbox.length !== connection.outboxCount) outbox.length = connection.outboxCount;
        connection.socket.send(quotesFrameOf(outbox));
        connection.backlog = undefined;
        frames++;
        quotes += connection.outboxCount;
      }
      ready[i] = undefined;
    }
    this.metrics.messagesSent.inc(frames);
    this.metrics.quotesSent.inc(quotes);
    const sentAt = this.clock.now();
    for (const watched of changed) {
      if (watched.quote) this.metrics.tickToSend.observe(Math.max(0, sentAt - watched.receivedAt) / 1000);
    }
    changed.clear();
  }

  /**
   * A connection whose socket is not draining gets nothing new queued: its symbols changed in this
   * flush join its backlog (conflated to the latest quote) and it waits for the next flush.
   */
  private holdBack(
    connection: StreamConnection,
    changed: Set<WatchedSymbol>,
    waiting: Set<StreamConnection>,
  ): void {
    connection.backlog ??= new Set();
    for (const symbol of connection.symbols) {
      const watched = this.watched.get(symbol);
      if (watched && changed.has(watched)) connection.backlog.add(watched);
    }
    waiting.add(connection);
  }

  /** The symbol's current quote as frames carry it, serialized again only when the hub's quote changed. */
  private serialized(watched: WatchedSymbol): string | undefined {
    const known = this.hub.peek(watched.symbol);
    if (!known) return undefined;
    if (watched.quote !== known.quote || watched.stale !== known.stale) {
      watched.quote = known.quote;
      watched.stale = known.stale;
      watched.text = serializeQuote(known);
    }
    watched.receivedAt = known.receivedAt;
    return watched.text;
  }

  closeAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const off of this.unsubscribe) off();
    for (const set of [...this.byUser.values()]) for (const connection of [...set]) this.close(connection);
  }

  private watch(connection: StreamConnection, symbol: string): void {
    if (connection.closed || connection.symbols.has(symbol)) return;
    connection.symbols.add(symbol);
    let watched = this.watched.get(symbol);
    if (!watched) {
      watched = {
        symbol,
        byLane: [],
        queuedIn: 0,
        quote: undefined,
        stale: false,
        text: '',
        receivedAt: 0,
      };
      this.watched.set(symbol, watched);
    }
    let set = watched.byLane[connection.lane];
    if (!set) {
      set = new Set();
      watched.byLane[connection.lane] = set;
    }
    set.add(connection);
    this.hub.watch(symbol);
    // The next flush sends its current quote, if the hub has one already.
    connection.backlog ??= new Set();
    connection.backlog.add(watched);
    this.laneOf(connection).waiting.add(connection);
  }

  private unwatch(connection: StreamConnection, symbol: string): void {
    if (!connection.symbols.delete(symbol)) return;
    this.hub.unwatch(symbol);
    const watched = this.watched.get(symbol);
    if (!watched) return;
    connection.backlog?.delete(watched);
    const set = watched.byLane[connection.lane];
    set?.delete(connection);
    if (set?.size === 0) watched.byLane[connection.lane] = undefined;
    if (watched.byLane.every((watchers) => watchers === undefined)) this.watched.delete(symbol);
  }

  private laneOf(connection: StreamConnection): Lane {
    return this.lanes[connection.lane] ?? (this.lanes[0] as Lane);
  }

  /** Whether the socket is not draining; closes it (1013) once it has been so for `stuckMs`. */
  private isBackedUp(connection: StreamConnection, now: number): boolean {
    if (connection.socket.bufferedAmount <= this.options.highWaterBytes) {
      connection.slowSince = 0;
      return false;
    }
    if (connection.slowSince === 0) connection.slowSince = now;
    if (now - connection.slowSince > this.options.stuckMs) {
      connection.socket.close(CLOSE_TOO_SLOW, 'too slow; reconnect');
      this.close(connection);
    }
    return true;
  }

  private send(connection: StreamConnection, frame: string, quoteCount: number): void {
    if (connection.closed) return;
    connection.socket.send(frame);
    this.metrics.messagesSent.inc();
    if (quoteCount > 0) this.metrics.quotesSent.inc(quoteCount);
  }

  private broadcast(frame: string): void {
    for (const set of this.byUser.values()) for (const connection of set) this.send(connection, frame, 0);
  }
}
