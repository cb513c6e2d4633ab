import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock } from '../../../clock.js';
import type { FeedCoverage, FeedListener, FeedStatus, MarketDataProvider, QuoteFeed } from '../provider.js';
import { reconnectDelay } from '../reconnect-delay.js';
import type { RestBudget } from '../rest-budget.js';
import { RestPoller } from '../rest-poller.js';
import { finiteNumber, positivePrice } from '../source-http.js';

export interface FinnhubStreamOptions {
  wsUrl: string;
  apiKey: string;
  /** REST provider for symbols the socket cannot carry. */
  provider: MarketDataProvider;
  budget: RestBudget;
  clock: Clock;
  logger: Logger;
  /** No frame (trade or ping) for this long means the socket is dead. */
  idleMs: number;
  /** Symbols one connection may carry (Finnhub's free plan: about 50). */
  maxSymbols: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  random?: () => number;
  pollIntervalMs?: number;
  /** REST calls the poller leaves free for interactive requests. */
  pollReserve?: number;
  /**
   * At most this many symbols off the socket are polled (the most wanted); the rest are left out,
   * since polling more would refresh each too rarely to matter. All of them when not given.
   */
  maxPolled?: number;
  /** After a "too many symbols" error lowered the cap, `maxSymbols` is tried again this much later. */
  capRetryMs?: number;
  /** Told each trouble of the socket in our own words (the admin console's "last error"). */
  onError?: (message: string) => void;
}

/** Finnhub's symbol limit has been passing (a plan change, a glitch): a lowered cap is retried after 10 minutes. */
const CAP_RETRY_MS = 10 * 60_000;

interface TradeFrame {
  type: 'trade';
  data?: Array<{ s?: unknown; p?: unknown; t?: unknown; v?: unknown }>;
}

/**
 * Finnhub's WebSocket: the one upstream connection of this app. Subscriptions follow the hub's
 * wanted symbols, most wanted first: the first `maxSymbols` are streamed (a more wanted symbol takes
 * the socket slot of a less wanted one), the next `maxPolled` (and any the socket refuses as
 * invalid) are polled over REST, the rest are left out. A watchdog treats silence (no trade, no
 * ping) as a dead socket; reconnects back off exponentially with jitter and resubscribe everything.
 */
export class FinnhubStreamFeed implements QuoteFeed {
  private socket: WebSocket | undefined;
  private connected = false;
  private closed = false;
  private listener: FeedListener | undefined;
  private watched: ReadonlySet<string> = new Set<string>();
  private leftOut = 0;
  /** Symbols carried by the socket, in subscription order (the newest is the one a cap error refuses). */
  private readonly streamed = new Set<string>();
  /** Symbols Finnhub refused as invalid on the socket: not retried there, polled over REST. */
  private readonly invalid = new Set<string>();
  private cap: number;
  private lastFrameAt = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private capRetryTimer: NodeJS.Timeout | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private readonly poller: RestPoller;
  private lastStatus: FeedStatus = 'reconnecting';
  /** The last connection attempt was answered 401: the key is refused, not the network down. */
  private keyRefused = false;

  constructor(private readonly options: FinnhubStreamOptions) {
    this.cap = options.maxSymbols;
    const reserve = options.pollReserve ?? 10;
    this.poller = new RestPoller(options.provider, (quote) => this.listener?.quote(quote), options.logger, {
      intervalMs: options.pollIntervalMs ?? 1000,
      // Only while the budget has more than the reserve, so people's requests are served first.
      mayPoll: () => options.budget.remaining() > reserve,
      background: false,
    });
    this.watchdog = setInterval(() => this.checkAlive(), Math.max(50, Math.min(options.idleMs / 4, 5000)));
    this.watchdog.unref();
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
    listener.status(this.status());
    this.open();
  }

  setWatched(symbols: ReadonlySet<string>): void {
    this.watched = new Set(symbols);
    this.reconcile();
  }

  status(): FeedStatus {
    if (!this.connected) return this.keyRefused ? 'unauthorized' : 'reconnecting';
    return this.poller.symbols().length > 0 ? 'degraded' : 'live';
  }

  covers(symbol: string): boolean {
    return this.connected && this.streamed.has(symbol);
  }

  upstream(): { connected: boolean; subscriptions: number } {
    return { connected: this.connected, subscriptions: this.connected ? this.streamed.size : 0 };
  }

  coverage(): FeedCoverage {
    const polled = this.poller.symbols().length;
    if (!this.connected) return { live: 0, polled, leftOut: this.watched.size - polled };
    return { live: this.streamed.size, polled, leftOut: this.leftOut };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.capRetryTimer);
    this.poller.close();
    this.socket?.terminate();
    this.connected = false;
  }

  /** Brings socket subscriptions and REST polling in line with the wanted symbols and their order. */
  private reconcile(): void {
    for (const symbol of this.invalid) if (!this.watched.has(symbol)) this.invalid.delete(symbol);
    const onSocket = new Set<string>();
    const offSocket: string[] = [];
    for (const symbol of this.watched) {
      if (onSocket.size < this.cap && !this.invalid.has(symbol)) onSocket.add(symbol);
      else offSocket.push(symbol);
    }
    for (const symbol of this.streamed) {
      if (onSocket.has(symbol)) continue;
      this.streamed.delete(symbol);
      this.send({ type: 'unsubscribe', symbol });
    }
    for (const symbol of onSocket) {
      if (this.streamed.has(symbol)) continue;
      this.streamed.add(symbol);
      this.send({ type: 'subscribe', symbol });
    }
    const polled = offSocket.slice(0, this.options.maxPolled ?? offSocket.length);
    this.leftOut = offSocket.length - polled.length;
    this.poller.setSymbols(polled);
    this.announceStatus();
  }

  private open(): void {
    if (this.closed) return;
    // Finnhub takes the key only in the URL here; this URL is never logged.
    const url = `${this.options.wsUrl}${this.options.wsUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.options.apiKey)}`;
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      this.connected = true;
      this.keyRefused = false;
      this.attempt = 0;
      this.lastFrameAt = this.options.clock.now();
      this.options.logger.info({ symbols: this.streamed.size }, 'Finnhub stream connected');
      for (const symbol of this.streamed) this.send({ type: 'subscribe', symbol });
      this.announceStatus();
    });
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('unexpected-response', (_request, response) => {
      const reason =
        response.statusCode === 401
          ? 'the API key was refused (401): check FINNHUB_API_KEY'
          : `HTTP ${response.statusCode}`;
      this.options.logger.error(`Finnhub stream refused the connection: ${reason}`);
      this.options.onError?.(`stream refused the connection: ${reason}`);
      this.keyRefused = response.statusCode === 401;
      socket.terminate();
    });
    socket.on('error', (error) => {
      this.options.logger.warn(
        { reason: error.message.replace(this.options.apiKey, '***') },
        'Finnhub stream error',
      );
      this.options.onError?.('stream connection error');
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.connected = false;
      this.socket = undefined;
      this.announceStatus();
      this.scheduleReconnect();
    });
  }

  private onMessage(text: string): void {
    this.lastFrameAt = this.options.clock.now();
    let frame: { type?: unknown; msg?: unknown };
    try {
      frame = JSON.parse(text) as { type?: unknown; msg?: unknown };
    } catch {
      this.options.logger.warn('Finnhub stream sent a frame that is not JSON');
      return;
    }
    if (frame.type === 'trade') this.onTrades(frame as TradeFrame);
    else if (frame.type === 'error') this.onError(typeof frame.msg === 'string' ? frame.msg : '');
  }

  private onTrades(frame: TradeFrame): void {
    const listener = this.listener;
    if (!listener || !Array.isArray(frame.data)) return;
    // One frame may carry trades of several symbols; each trade's conditions (`c`: a list, null, or
    // missing) say nothing the price needs. A price or time that is no positive number is no trade.
    for (const trade of frame.data) {
      const price = positivePrice(trade.p);
      const time = finiteNumber(trade.t);
      if (typeof trade.s !== 'string' || price === null || time === null || time <= 0) continue;
      if (!this.watched.has(trade.s)) continue;
      const volume = finiteNumber(trade.v);
      listener.trade({
        symbol: trade.s,
        price,
        time,
        volume: volume !== null && volume > 0 ? volume : 0,
        source: 'finnhub',
      });
    }
  }

  private onError(message: string): void {
    const invalid = /invalid symbol\s+(\S+)/i.exec(message);
    if (invalid?.[1]) {
      const symbol = invalid[1];
      this.options.logger.warn({ symbol }, 'Finnhub stream: invalid symbol; it is polled over REST instead');
      this.invalid.add(symbol);
      this.streamed.delete(symbol);
      this.reconcile();
      return;
    }
    if (/too many symbols/i.test(message)) {
      const newest = [...this.streamed].at(-1);
      if (newest) this.streamed.delete(newest);
      this.cap = Math.max(0, this.streamed.size);
      this.options.logger.warn(
        { cap: this.cap },
        'Finnhub stream: symbol cap reached; the rest are polled over REST',
      );
      this.scheduleCapRetry();
      this.reconcile();
      return;
    }
    this.options.logger.warn({ message: message.slice(0, 200) }, 'Finnhub stream error frame');
  }

  private checkAlive(): void {
    if (!this.connected || !this.socket) return;
    if (this.options.clock.now() - this.lastFrameAt <= this.options.idleMs) return;
    this.options.logger.warn({ idleMs: this.options.idleMs }, 'Finnhub stream silent; reconnecting');
    this.options.onError?.('stream silent; reconnecting');
    this.socket.terminate();
  }

  /** One error frame must not lower the cap for good: the configured cap is tried again later. */
  private scheduleCapRetry(): void {
    if (this.capRetryTimer || this.closed) return;
    this.capRetryTimer = setTimeout(() => {
      this.capRetryTimer = undefined;
      this.cap = this.options.maxSymbols;
      this.reconcile();
    }, this.options.capRetryMs ?? CAP_RETRY_MS);
    this.capRetryTimer.unref();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = reconnectDelay(
      this.attempt,
      this.options.reconnectMinMs,
      this.options.reconnectMaxMs,
      this.options.random ?? Math.random,
    );
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
    this.reconnectTimer.unref();
  }

  private send(frame: { type: 'subscribe' | 'unsubscribe'; symbol: string }): void {
    if (this.connected && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private announceStatus(): void {
    const status = this.status();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.listener?.status(status);
  }
}
