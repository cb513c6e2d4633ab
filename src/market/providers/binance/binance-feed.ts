import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock } from '../../../clock.js';
import { utcDayStart } from '../../kernel/periods.js';
import { isBinanceSymbol } from '../../kernel/symbols.js';
import type { FeedCoverage, FeedListener, FeedStatus, QuoteFeed } from '../provider.js';
import { reconnectDelay } from '../reconnect-delay.js';
import { appSymbol, binancePair, decimal, epochMs, price, quoteFromDay, streamsOf } from './binance-wire.js';

/** Binance's raw-stream endpoint; subscriptions are then made and changed over the open socket. */
export const BINANCE_WS_URL = 'wss://stream.binance.com:9443/ws';

export interface BinanceFeedOptions {
  /** The raw-stream endpoint (BINANCE_WS_URL); Binance's own when not given. */
  wsUrl?: string;
  clock: Clock;
  logger: Logger;
  /**
   * No frame at all (trade, candle, answer, ping) for this long means the socket is dead. Binance
   * pings every 20 seconds; at half this time the feed also asks for its subscription list, whose
   * answer is a frame. Default 60 s.
   */
  idleMs?: number;
  /** First reconnect delay; it doubles (with jitter) up to `reconnectMaxMs`. Defaults 1 s and 60 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Symbols the one connection carries, most wanted first; the rest are left out. Default 512. */
  maxSymbols?: number;
  /** Least time between two requests on the socket (subscribe, unsubscribe, list). Default 350 ms. */
  controlGapMs?: number;
  random?: () => number;
  /** Told each trouble of the socket in our own words (the admin console's "last error"). */
  onError?: (message: string) => void;
}

/** Binance allows 1024 streams a connection; each symbol takes two (its trades and its day candle). */
const MAX_SYMBOLS = 512;
/**
 * Streams named in one request. Binance documents no limit, but one SUBSCRIBE of 437 streams has
 * failed without an answer where 436 passed (altangent/ccxws#161), so requests stay well below that.
 */
const SYMBOLS_PER_REQUEST = 100;
/**
 * Binance drops a connection that sends more than 5 messages a second, its pongs and pings included
 * (and bans an address dropped too often); 3 requests a second leave room for the pongs.
 */
const CONTROL_GAP_MS = 350;

type Method = 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'LIST_SUBSCRIPTIONS';
type Frame = Record<string, unknown>;

/**
 * Binance's public market streams (no key): one connection carries every wanted `BINANCE:` symbol,
 * its trades for live prices and its UTC day's candle for full quotes. Subscriptions follow the
 * hub's wanted symbols over the open socket in batched, paced requests; the most wanted
 * `maxSymbols` are streamed and the rest left out, as are symbols Binance refuses. The behaviour
 * follows the Finnhub feed's: a watchdog treats silence as a dead socket, reconnects back off
 * exponentially with jitter, and a new connection subscribes everything again (Binance also closes
 * every connection after 24 hours, and announces a restart with `serverShutdown`).
 */
export class BinanceFeed implements QuoteFeed {
  private socket: WebSocket | undefined;
  private connected = false;
  private closed = false;
  private listener: FeedListener | undefined;
  /** Wanted Binance symbols, most wanted first. */
  private watched: string[] = [];
  /** What the socket should carry: the most wanted `maxSymbols`, less the refused. */
  private onSocket = new Set<string>();
  private leftOut = 0;
  /** Subscribed on the current connection (asked; perhaps not answered yet). */
  private readonly requested = new Set<string>();
  /** Subscriptions Binance acknowledged on the current connection. */
  private readonly acknowledged = new Set<string>();
  /** Refused by Binance on their own: left out while wanted, never asked again. */
  private readonly refused = new Set<string>();
  /** Symbols of a refused batch: asked one a request, so only the one Binance refuses stays dark. */
  private readonly suspects = new Set<string>();
  private readonly pending = new Map<number, { method: Method; symbols: string[] }>();
  private nextId = 1;
  private lastFrameAt = 0;
  /** A subscription list was asked for since the last frame: silence is being tested. */
  private probing = false;
  private probeDue = false;
  private lastSentAt = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private lastStatus: FeedStatus = 'reconnecting';
  private readonly idleMs: number;
  private readonly maxSymbols: number;

  constructor(private readonly options: BinanceFeedOptions) {
    this.idleMs = options.idleMs ?? 60_000;
    this.maxSymbols = Math.min(options.maxSymbols ?? MAX_SYMBOLS, MAX_SYMBOLS);
    this.watchdog = setInterval(() => this.checkAlive(), Math.max(50, Math.min(this.idleMs / 4, 5000)));
    this.watchdog.unref();
  }

  connect(listener: FeedListener): void {
    this.listener = listener;
    listener.status(this.status());
    this.open();
  }

  /** Keeps the `BINANCE:` symbols of the wanted set; the others are another feed's. */
  setWatched(symbols: ReadonlySet<string>): void {
    this.watched = [...symbols].filter(isBinanceSymbol);
    this.reconcile();
  }

  status(): FeedStatus {
    return this.connected ? 'live' : 'reconnecting';
  }

  covers(symbol: string): boolean {
    return this.connected && this.acknowledged.has(symbol);
  }

  upstream(): { connected: boolean; subscriptions: number } {
    return { connected: this.connected, subscriptions: this.connected ? this.acknowledged.size : 0 };
  }

  coverage(): FeedCoverage {
    if (!this.connected) return { live: 0, polled: 0, leftOut: this.watched.length };
    return { live: this.onSocket.size, polled: 0, leftOut: this.leftOut };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.sendTimer);
    this.socket?.terminate();
    this.connected = false;
  }

  /** Decides what the socket carries; the requests that get it there are sent by `sendNext`. */
  private reconcile(): void {
    const wanted = new Set(this.watched);
    for (const symbol of this.refused) if (!wanted.has(symbol)) this.refused.delete(symbol);
    for (const symbol of this.suspects) if (!wanted.has(symbol)) this.suspects.delete(symbol);
    const onSocket = new Set<string>();
    for (const symbol of this.watched) {
      if (onSocket.size >= this.maxSymbols) break;
      if (binancePair(symbol) !== null && !this.refused.has(symbol)) onSocket.add(symbol);
    }
    this.onSocket = onSocket;
    this.leftOut = this.watched.length - onSocket.size;
    this.scheduleSend();
    this.announceStatus();
  }

  private open(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.options.wsUrl ?? BINANCE_WS_URL, { handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      this.connected = true;
      this.lastFrameAt = this.options.clock.now();
      this.probing = false;
      this.probeDue = false;
      this.options.logger.info({ symbols: this.onSocket.size }, 'Binance stream connected');
      // A new connection has no subscriptions: everything is asked for again.
      this.scheduleSend();
      this.announceStatus();
    });
    socket.on('message', (data) => {
      if (this.socket === socket) this.onMessage(String(data));
    });
    // Binance pings every 20 seconds and drops a connection that does not answer; ws sends the pong
    // itself (its autoPong default), so a ping only proves the connection alive.
    socket.on('ping', () => {
      if (this.socket === socket) this.sawFrame();
    });
    socket.on('unexpected-response', (_request, response) => {
      // Binance answers an address it refuses (a restricted country: 451; a ban: 418) before the upgrade.
      const reason = `HTTP ${response.statusCode}`;
      this.options.logger.error(`Binance stream refused the connection: ${reason}`);
      this.options.onError?.(`stream refused the connection: ${reason}`);
      socket.terminate();
    });
    socket.on('error', (error) => {
      this.options.logger.warn({ reason: error.message }, 'Binance stream error');
      this.options.onError?.('stream connection error');
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.connected = false;
      this.socket = undefined;
      this.requested.clear();
      this.acknowledged.clear();
      this.pending.clear();
      clearTimeout(this.sendTimer);
      this.sendTimer = undefined;
      this.announceStatus();
      this.scheduleReconnect();
    });
  }

  private sawFrame(): void {
    this.lastFrameAt = this.options.clock.now();
    this.probing = false;
    // The connection works (not one Binance accepts and drops at once): the next loss starts the backoff over.
    this.attempt = 0;
  }

  private onMessage(text: string): void {
    this.sawFrame();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.options.logger.warn('Binance stream sent a frame that is not JSON');
      return;
    }
    if (!isFrame(parsed)) return;
    if ('id' in parsed && ('result' in parsed || 'error' in parsed)) {
      this.onAnswer(parsed);
      return;
    }
    // On the combined-stream endpoint (/stream) each event comes wrapped as {stream, data}.
    const event = typeof parsed.stream === 'string' && isFrame(parsed.data) ? parsed.data : parsed;
    if (event.e === 'trade') this.onTrade(event);
    else if (event.e === 'kline') this.onDayCandle(event);
    else if (event.e === 'serverShutdown') {
      this.options.logger.info('Binance is about to close the stream; reconnecting now');
      this.socket?.terminate();
    }
  }

  /** Binance's answer to one of our requests: `{"result":null,"id":1}` or `{"error":{...},"id":1}`. */
  private onAnswer(frame: Frame): void {
    const id = typeof frame.id === 'number' ? frame.id : null;
    const request = id === null ? undefined : this.pending.get(id);
    if (id !== null) this.pending.delete(id);
    if (isFrame(frame.error)) {
      const message = `${String(frame.error.code)} ${String(frame.error.msg)}`.slice(0, 200);
      if (request?.method === 'SUBSCRIBE') this.onRefused(request.symbols, message);
      else this.options.logger.warn({ message, method: request?.method }, 'Binance stream error answer');
      return;
    }
    if (request?.method !== 'SUBSCRIBE') return;
    for (const symbol of request.symbols) {
      if (!this.requested.has(symbol)) continue;
      this.acknowledged.add(symbol);
      this.suspects.delete(symbol);
    }
  }

  /** Binance refuses a whole request for one bad stream name: a batch is split to find the symbol. */
  private onRefused(symbols: string[], message: string): void {
    for (const symbol of symbols) this.requested.delete(symbol);
    const [only] = symbols;
    if (symbols.length === 1 && only !== undefined) {
      this.suspects.delete(only);
      this.refused.add(only);
      this.options.logger.warn({ symbol: only, message }, 'Binance refused a symbol; it is left out');
      this.options.onError?.(`stream refused ${only}`);
      this.reconcile();
      return;
    }
    for (const symbol of symbols) this.suspects.add(symbol);
    this.options.logger.warn(
      { symbols: symbols.length, message },
      'Binance refused a subscription; its symbols are asked one by one',
    );
    this.scheduleSend();
  }

  private onTrade(event: Frame): void {
    const listener = this.listener;
    if (!listener || typeof event.s !== 'string') return;
    const symbol = appSymbol(event.s);
    if (!this.onSocket.has(symbol)) return;
    const tradePrice = price(event.p);
    // `T` is when the trade happened; `E` only when Binance sent the event.
    const time = epochMs(event.T);
    if (tradePrice === null || time === null) return;
    listener.trade({ symbol, price: tradePrice, time, volume: decimal(event.q) ?? 0, source: 'binance' });
  }

  private onDayCandle(event: Frame): void {
    const listener = this.listener;
    const candle = event.k;
    if (!listener || typeof event.s !== 'string' || !isFrame(candle) || candle.i !== '1d') return;
    const symbol = appSymbol(event.s);
    const time = epochMs(event.E);
    if (!this.onSocket.has(symbol) || time === null) return;
    // The last update of yesterday's candle can arrive after midnight: it is no quote of today.
    if (candle.t !== utcDayStart(time)) return;
    const quote = quoteFromDay(
      symbol,
      { open: candle.o, high: candle.h, low: candle.l, close: candle.c, volume: candle.v },
      time,
    );
    if (quote) listener.quote(quote);
  }

  private checkAlive(): void {
    if (!this.connected || !this.socket) return;
    const silent = this.options.clock.now() - this.lastFrameAt;
    if (silent > this.idleMs) {
      this.options.logger.warn({ idleMs: this.idleMs }, 'Binance stream silent; reconnecting');
      this.options.onError?.('stream silent; reconnecting');
      this.socket.terminate();
      return;
    }
    // Quiet is not death: a wanted pair may trade rarely, and Binance accepts an unknown but
    // well-formed stream name and then sends nothing for it. A request's answer tells a live socket.
    if (silent > this.idleMs / 2 && !this.probing) {
      this.probing = true;
      this.probeDue = true;
      this.scheduleSend();
    }
  }

  /** Sends the next request after the pacing gap, then the one after that, until nothing is left. */
  private scheduleSend(): void {
    if (!this.connected || this.closed || this.sendTimer || !this.hasRequestToSend()) return;
    const gap = this.options.controlGapMs ?? CONTROL_GAP_MS;
    const wait = Math.max(0, this.lastSentAt + gap - this.options.clock.now());
    this.sendTimer = setTimeout(() => {
      this.sendTimer = undefined;
      this.sendNext();
      this.scheduleSend();
    }, wait);
    this.sendTimer.unref();
  }

  private hasRequestToSend(): boolean {
    if (this.probeDue) return true;
    for (const symbol of this.requested) if (!this.onSocket.has(symbol)) return true;
    for (const symbol of this.onSocket) if (!this.requested.has(symbol)) return true;
    return false;
  }

  /** One request: unsubscriptions first (they free streams), then subscriptions, most wanted first. */
  private sendNext(): void {
    if (!this.connected || this.socket?.readyState !== WebSocket.OPEN) return;
    const stale = [...this.requested].filter((symbol) => !this.onSocket.has(symbol));
    if (stale.length > 0) {
      const batch = stale.slice(0, SYMBOLS_PER_REQUEST);
      for (const symbol of batch) {
        this.requested.delete(symbol);
        this.acknowledged.delete(symbol);
      }
      this.request('UNSUBSCRIBE', batch);
      return;
    }
    const missing = [...this.onSocket].filter((symbol) => !this.requested.has(symbol));
    if (missing.length > 0) {
      const suspect = missing.find((symbol) => this.suspects.has(symbol));
      const batch = suspect === undefined ? missing.slice(0, SYMBOLS_PER_REQUEST) : [suspect];
      for (const symbol of batch) this.requested.add(symbol);
      this.request('SUBSCRIBE', batch);
      return;
    }
    if (this.probeDue) {
      this.probeDue = false;
      this.request('LIST_SUBSCRIPTIONS', []);
    }
  }

  private request(method: Method, symbols: string[]): void {
    const id = this.nextId++;
    this.pending.set(id, { method, symbols });
    const params = symbols.flatMap((symbol) => streamsOf(binancePair(symbol) ?? ''));
    const frame = method === 'LIST_SUBSCRIPTIONS' ? { method, id } : { method, params, id };
    this.lastSentAt = this.options.clock.now();
    this.socket?.send(JSON.stringify(frame));
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = reconnectDelay(
      this.attempt,
      this.options.reconnectMinMs ?? 1000,
      this.options.reconnectMaxMs ?? 60_000,
      this.options.random ?? Math.random,
    );
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
    this.reconnectTimer.unref();
  }

  private announceStatus(): void {
    const status = this.status();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.listener?.status(status);
  }
}

function isFrame(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
