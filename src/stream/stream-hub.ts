import type { Clock } from '../clock.js';
import type { DomainEventBus } from '../events.js';
import type { PriceHub } from '../market/prices/price-hub.js';
import { toQuoteDto } from '../market/prices/quote-dto.js';
import type { FeedStatus } from '../market/providers/provider.js';
import type { AppMetrics } from '../metrics.js';
import { quotesFrameOf, serializeFrame, serializeQuote } from './frames.js';

/** What the stream needs of a socket: `ws.WebSocket` satisfies it, and so does a test double. */
export interface FrameSink {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  ping(): void;
  terminate(): void;
}

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
  readonly bySymbol: Map<string, Set<StreamConnection>>;
  readonly changed: Set<string>;
  readonly waiting: Set<StreamConnection>;
}

export class StreamConnection {
  readonly symbols = new Set<string>();
  /** Index of the lane this connection is flushed in. */
  lane = 0;
  /** Symbols with an update this connection has not been sent yet (held back while it was slow, or just added). */
  backlog: Set<string> | undefined;
  /** When its output first went above the high-water mark; 0 while it keeps up. */
  slowSince = 0;
  closed = false;
  /** Answered the last heartbeat ping (set by the socket's pong). */
  alive = true;
  /** Per-flush scratch state, kept on the connection so a flush allocates nothing per connection. */
  outbox: string[] = [];
  outboxRound = 0;
  checkedRound = 0;
  backedUp = false;

  constructor(
    readonly userId: string,
    readonly socket: FrameSink,
  ) {}
}

/** 1013 "try again later": the browser reconnects and gets a fresh snapshot. */
const CLOSE_TOO_SLOW = 1013;

/**
 * Fans price updates out to browsers. Every `intervalMs` each lane's flush takes the symbols that
 * changed, serializes each quote once (the text is shared by every lane and connection until the
 * quote changes again), and sends every connection one frame with the latest quote of each of its
 * symbols that changed. A connection whose socket is not draining gets nothing new queued: its
 * changed symbols wait (conflated to the latest) until it drains, or it is closed if it stays stuck.
 * Watchlist events change what a user's open connections receive without a reconnect.
 */
export class StreamHub {
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private readonly lanes: Lane[];
  /** Serialized quotes, reused until the hub's quote object for the symbol changes. */
  private readonly serialized = new Map<string, { quote: unknown; stale: boolean; text: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: Array<() => void>;
  private round = 0;
  private nextLane = 0;

  constructor(
    private readonly hub: PriceHub,
    events: DomainEventBus,
    private readonly clock: Clock,
    private readonly metrics: AppMetrics,
    private readonly options: StreamOptions,
  ) {
    this.lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => ({
      bySymbol: new Map(),
      changed: new Set(),
      waiting: new Set(),
    }));
    this.unsubscribe = [
      hub.events.on('quote.updated', ({ symbol }) => {
        for (const lane of this.lanes) if (lane.bySymbol.has(symbol)) lane.changed.add(symbol);
      }),
      hub.events.on('feed.status', ({ status }) =>
        this.broadcast(serializeFrame({ type: 'status', feed: status })),
      ),
      events.on('watchlist.symbolAdded', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.watch(connection, symbol);
      }),
      events.on('watchlist.symbolRemoved', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.unwatch(connection, symbol);
      }),
    ];
    const heartbeat = setInterval(() => this.heartbeat(), options.heartbeatMs ?? 30_000);
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
  open(userId: string, socket: FrameSink): StreamConnection {
    const connection = new StreamConnection(userId, socket);
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

  /** Sends what changed since the lane's last flush. */
  private flushLane(lane: Lane): void {
    const { changed, waiting, bySymbol } = lane;
    if (changed.size === 0 && waiting.size === 0) return;
    const now = this.clock.now();
    const round = ++this.round;
    const serialize = (symbol: string): string | undefined => {
      const known = this.hub.peek(symbol);
      if (!known) return undefined;
      const cached = this.serialized.get(symbol);
      if (cached && cached.quote === known.quote && cached.stale === known.stale) return cached.text;
      const text = serializeQuote(known);
      this.serialized.set(symbol, { quote: known.quote, stale: known.stale, text });
      return text;
    };
    const ready: StreamConnection[] = [];
    const queue = (connection: StreamConnection, text: string) => {
      if (connection.outboxRound !== round) {
        connection.outboxRound = round;
        connection.outbox.length = 0;
        ready.push(connection);
      }
      connection.outbox.push(text);
    };
    const backedUp = (connection: StreamConnection) => {
      if (connection.checkedRound !== round) {
        connection.checkedRound = round;
        connection.backedUp = this.isBackedUp(connection, now);
      }
      return connection.backedUp;
    };

    for (const connection of waiting) {
      if (backedUp(connection)) continue;
      for (const symbol of connection.backlog ?? []) {
        // A symbol that also changed is queued with the changes below, once.
        const text = changed.has(symbol) ? undefined : serialize(symbol);
        if (text !== undefined) queue(connection, text);
      }
      connection.backlog = undefined;
      waiting.delete(connection);
    }
    for (const symbol of changed) {
      const watchers = bySymbol.get(symbol);
      const text = watchers ? serialize(symbol) : undefined;
      if (!watchers || text === undefined) continue;
      for (const connection of watchers) {
        if (backedUp(connection)) {
          connection.backlog ??= new Set();
          connection.backlog.add(symbol);
          waiting.add(connection);
        } else {
          queue(connection, text);
        }
      }
    }

    let quotes = 0;
    for (const connection of ready) {
      if (!connection.closed) {
        connection.socket.send(quotesFrameOf(connection.outbox));
        quotes += connection.outbox.length;
      }
      connection.outbox.length = 0;
    }
    this.metrics.messagesSent.inc(ready.length);
    this.metrics.quotesSent.inc(quotes);
    const sentAt = this.clock.now();
    for (const symbol of changed) {
      const entry = this.hub.peek(symbol);
      if (entry) this.metrics.tickToSend.observe(Math.max(0, sentAt - entry.receivedAt) / 1000);
    }
    changed.clear();
  }

  closeAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const off of this.unsubscribe) off();
    for (const set of [...this.byUser.values()]) for (const connection of [...set]) this.close(connection);
  }

  private watch(connection: StreamConnection, symbol: string): void {
    if (connection.closed || connection.symbols.has(symbol)) return;
    connection.symbols.add(symbol);
    const lane = this.laneOf(connection);
    let set = lane.bySymbol.get(symbol);
    if (!set) {
      set = new Set();
      lane.bySymbol.set(symbol, set);
    }
    set.add(connection);
    this.hub.watch(symbol);
    // The next flush sends its current quote, if the hub has one already.
    connection.backlog ??= new Set();
    connection.backlog.add(symbol);
    lane.waiting.add(connection);
  }

  private unwatch(connection: StreamConnection, symbol: string): void {
    if (!connection.symbols.delete(symbol)) return;
    connection.backlog?.delete(symbol);
    const { bySymbol } = this.laneOf(connection);
    const set = bySymbol.get(symbol);
    set?.delete(connection);
    if (set?.size === 0) bySymbol.delete(symbol);
    this.hub.unwatch(symbol);
    if (!this.lanes.some((lane) => lane.bySymbol.has(symbol))) this.serialized.delete(symbol);
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
