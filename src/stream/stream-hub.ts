import type { Clock } from '../clock.js';
import type { DomainEventBus } from '../events.js';
import type { PriceHub } from '../market/price-hub.js';
import { toQuoteDto } from '../market/quote-dto.js';
import type { FeedStatus } from '../market/types.js';
import type { AppMetrics } from '../metrics.js';

/** What the stream needs of a socket: `ws.WebSocket` satisfies it, and so does a test double. */
export interface FrameSink {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

export interface StreamOptions {
  /** At most one update per symbol per connection per interval; updates in between are conflated. */
  intervalMs: number;
  /** Above this much unsent output, a connection's updates are conflated instead of queued. */
  highWaterBytes: number;
  /** A connection above the high-water mark for this long is closed with 1013 (it reconnects). */
  stuckMs: number;
}

export class StreamConnection {
  readonly symbols = new Set<string>();
  /** Symbols with an update this connection has not been sent yet (held back while it was slow, or just added). */
  backlog: Set<string> | undefined;
  /** When its output first went above the high-water mark; 0 while it keeps up. */
  slowSince = 0;
  closed = false;
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
 * Fans price updates out to browsers. Every `intervalMs` one flush takes the symbols that changed,
 * serializes each quote once, and sends every connection one frame with the latest quote of each of
 * its symbols that changed. A connection whose socket is not draining gets nothing new queued: its
 * changed symbols wait (conflated to the latest) until it drains, or it is closed if it stays stuck.
 * Portfolio events change what a user's open connections receive without a reconnect.
 */
export class StreamHub {
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private readonly bySymbol = new Map<string, Set<StreamConnection>>();
  private readonly changed = new Set<string>();
  private readonly waiting = new Set<StreamConnection>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: Array<() => void>;
  private round = 0;

  constructor(
    private readonly hub: PriceHub,
    events: DomainEventBus,
    private readonly clock: Clock,
    private readonly metrics: AppMetrics,
    private readonly options: StreamOptions,
  ) {
    hub.onUpdate((symbol) => {
      if (this.bySymbol.has(symbol)) this.changed.add(symbol);
    });
    hub.onFeedStatus((feed) => this.broadcast(JSON.stringify({ type: 'status', feed })));
    this.unsubscribe = [
      events.on('portfolio.symbolAdded', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.watch(connection, symbol);
      }),
      events.on('portfolio.symbolRemoved', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) this.unwatch(connection, symbol);
      }),
    ];
    this.timer = setInterval(() => this.flush(), options.intervalMs);
    this.timer.unref();
  }

  /**
   * Registers a connection before its symbols are read, so a portfolio change racing the read is not
   * missed; `start` then subscribes it and sends the snapshot and the feed status.
   */
  open(userId: string, socket: FrameSink): StreamConnection {
    const connection = new StreamConnection(userId, socket);
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
    this.waiting.delete(connection);
    const quotes = [...connection.symbols].flatMap((symbol) => {
      const known = this.hub.peek(symbol);
      return known ? [toQuoteDto(known)] : [];
    });
    this.send(connection, JSON.stringify({ type: 'snapshot', quotes }), quotes.length);
    this.send(connection, JSON.stringify({ type: 'status', feed }), 0);
  }

  close(connection: StreamConnection): void {
    if (connection.closed) return;
    connection.closed = true;
    for (const symbol of [...connection.symbols]) this.unwatch(connection, symbol);
    this.waiting.delete(connection);
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

  /** Sends what changed since the last flush; runs every `intervalMs`. */
  flush(): void {
    if (this.changed.size === 0 && this.waiting.size === 0) return;
    const now = this.clock.now();
    const round = ++this.round;
    const serialized = new Map<string, string>();
    const serialize = (symbol: string): string | undefined => {
      let text = serialized.get(symbol);
      if (text === undefined) {
        const known = this.hub.peek(symbol);
        if (!known) return undefined;
        text = JSON.stringify(toQuoteDto(known));
        serialized.set(symbol, text);
      }
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

    for (const connection of this.waiting) {
      if (backedUp(connection)) continue;
      for (const symbol of connection.backlog ?? []) {
        // A symbol that also changed is queued with the changes below, once.
        const text = this.changed.has(symbol) ? undefined : serialize(symbol);
        if (text !== undefined) queue(connection, text);
      }
      connection.backlog = undefined;
      this.waiting.delete(connection);
    }
    for (const symbol of this.changed) {
      const watchers = this.bySymbol.get(symbol);
      const text = watchers ? serialize(symbol) : undefined;
      if (!watchers || text === undefined) continue;
      for (const connection of watchers) {
        if (backedUp(connection)) {
          connection.backlog ??= new Set();
          connection.backlog.add(symbol);
          this.waiting.add(connection);
        } else {
          queue(connection, text);
        }
      }
    }

    let quotes = 0;
    for (const connection of ready) {
      if (!connection.closed) {
        connection.socket.send(`{"type":"quotes","quotes":[${connection.outbox.join(',')}]}`);
        quotes += connection.outbox.length;
      }
      connection.outbox.length = 0;
    }
    this.metrics.messagesSent.inc(ready.length);
    this.metrics.quotesSent.inc(quotes);
    const sentAt = this.clock.now();
    for (const symbol of this.changed) {
      const entry = this.hub.peek(symbol);
      if (entry) this.metrics.tickToSend.observe(Math.max(0, sentAt - entry.receivedAt) / 1000);
    }
    this.changed.clear();
  }

  closeAll(): void {
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    for (const set of [...this.byUser.values()]) for (const connection of [...set]) this.close(connection);
  }

  private watch(connection: StreamConnection, symbol: string): void {
    if (connection.closed || connection.symbols.has(symbol)) return;
    connection.symbols.add(symbol);
    let set = this.bySymbol.get(symbol);
    if (!set) {
      set = new Set();
      this.bySymbol.set(symbol, set);
    }
    set.add(connection);
    this.hub.watch(symbol);
    // The next flush sends its current quote, if the hub has one already.
    connection.backlog ??= new Set();
    connection.backlog.add(symbol);
    this.waiting.add(connection);
  }

  private unwatch(connection: StreamConnection, symbol: string): void {
    if (!connection.symbols.delete(symbol)) return;
    connection.backlog?.delete(symbol);
    const set = this.bySymbol.get(symbol);
    set?.delete(connection);
    if (set?.size === 0) this.bySymbol.delete(symbol);
    this.hub.unwatch(symbol);
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
