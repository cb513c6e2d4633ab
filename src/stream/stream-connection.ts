import type { PriceHub, QuoteWatcher } from '../market/price-hub.js';
import { type QuoteDto, toQuoteDto } from '../market/quote-dto.js';
import type { Quote } from '../market/types.js';

/** What the connection needs of a socket: `ws.WebSocket` satisfies it, and so does a test double. */
export interface FrameSink {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

export type FeedStatus = 'live' | 'reconnecting' | 'degraded' | 'simulated';

export type ServerFrame =
  | { type: 'snapshot'; quotes: QuoteDto[] }
  | { type: 'quotes'; quotes: QuoteDto[] }
  | { type: 'status'; feed: FeedStatus };

/** Above this much unsent output, updates are conflated (only the latest per symbol is kept) instead of queued. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * One browser's stream: watches the user's symbols in the hub, keeps only the latest update per
 * symbol between flushes, and sends at most one frame per `intervalMs`.
 */
export class StreamConnection {
  private readonly symbols = new Set<string>();
  private readonly pending = new Map<string, Quote>();
  private readonly timer: NodeJS.Timeout;
  private readonly watcher: QuoteWatcher = (quote) => {
    this.pending.set(quote.symbol, quote);
  };
  private closed = false;

  constructor(
    readonly userId: string,
    private readonly socket: FrameSink,
    private readonly hub: PriceHub,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Subscribes to `symbols` and sends the snapshot frame. */
  start(symbols: string[], feed: FeedStatus): void {
    for (const symbol of symbols) this.subscribe(symbol);
    const quotes = symbols.flatMap((s) => {
      const known = this.hub.peek(s);
      return known ? [toQuoteDto(known)] : [];
    });
    this.send({ type: 'snapshot', quotes });
    this.send({ type: 'status', feed });
  }

  add(symbol: string): void {
    if (this.closed || this.symbols.has(symbol)) return;
    this.subscribe(symbol);
    const known = this.hub.peek(symbol);
    if (known) this.pending.set(symbol, known.quote);
  }

  remove(symbol: string): void {
    if (!this.symbols.delete(symbol)) return;
    this.hub.unwatch(symbol, this.watcher);
    this.pending.delete(symbol);
  }

  flush(): void {
    if (this.closed || this.pending.size === 0 || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    const quotes = [...this.pending.values()].map((quote) => toQuoteDto({ quote, stale: false }));
    this.pending.clear();
    this.send({ type: 'quotes', quotes });
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const symbol of this.symbols) this.hub.unwatch(symbol, this.watcher);
    this.symbols.clear();
    this.pending.clear();
  }

  private subscribe(symbol: string): void {
    this.symbols.add(symbol);
    this.hub.watch(symbol, this.watcher);
  }

  private send(frame: ServerFrame): void {
    this.socket.send(JSON.stringify(frame));
  }
}
