import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A recorded Binance answer or frame from test/fixtures/binance/ (origins in its README). */
export function binanceFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/binance/${name}`, import.meta.url), 'utf8')) as T;
}

/** A REST kline row: open time, open, high, low, close, volume, close time, then fields the app ignores. */
export type KlineRow = [number, string, string, string, string, string, number, ...unknown[]];

type Override = { status: number; body: string; headers?: Record<string, string> } | 'hang';

interface StreamClient {
  socket: WebSocket;
  streams: Set<string>;
  /** When each of its messages arrived, for Binance's limit of 5 a second. */
  received: number[];
}

const DAY_MS = 86_400_000;
const TRADE = binanceFixture<Record<string, unknown>>('ws-trade.json');
const KLINE = binanceFixture<{ k: Record<string, unknown> } & Record<string, unknown>>('ws-kline.json');
const SUBSCRIBED = binanceFixture<{ result: null; id: number }>('ws-answer-subscribed.json');
const LISTED = binanceFixture<{ result: string[]; id: number }>('ws-answer-list-subscriptions.json');
const INVALID_STREAM = binanceFixture<{ error: unknown; id: number }>('ws-answer-invalid-stream.json');
const INVALID_SYMBOL = binanceFixture<unknown>('rest-error-invalid-symbol.json');
const EXCHANGE_INFO = binanceFixture<{ symbols: Array<Record<string, unknown>> } & Record<string, unknown>>(
  'rest-exchange-info-ethbtc.json',
);

/**
 * Binance's public spot API on loopback, replaying the recorded answers of test/fixtures/binance/.
 * REST: /api/v3/klines and /api/v3/exchangeInfo for the pairs it lists, 400 -1121 for others, and
 * per-path overrides (a 429, a 418, a hang). WebSocket (`/ws`): SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS answered by id, events only to subscribers of their stream, a connection that
 * sends more than 5 messages in a second dropped (as Binance does), stream names it is told to
 * refuse answered with the recorded "invalid stream" error for the whole request, and switches to
 * drop every connection, to stall (send nothing at all) and to announce a shutdown.
 */
export class FakeBinance {
  /** The REST base (BINANCE_API_URL) and stream endpoint (BINANCE_WS_URL), set by start(). */
  url = '';
  wsUrl = '';
  readonly requests: Array<{ path: string; query: Record<string, string> }> = [];
  /** Every request sent over any stream connection, in order. */
  readonly streamRequests: Array<{ at: number; method: unknown; params: unknown; id: unknown }> = [];
  /** Stream names answered with the recorded "invalid stream" error (the whole request is refused). */
  readonly invalidStreams = new Set<string>();
  /** While true nothing is sent on any stream connection: no events, no answers, no pings. */
  stalled = false;
  connectionsAccepted = 0;
  /** Connections dropped for sending more than 5 messages in a second. */
  rateLimitDrops = 0;
  private readonly klines = new Map<string, KlineRow[]>();
  private readonly listed = new Map<string, Record<string, unknown>>();
  private readonly overrides = new Map<string, Override>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly clients = new Set<StreamClient>();
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private tradeId = 1;

  constructor() {
    const [ethbtc] = EXCHANGE_INFO.symbols;
    if (ethbtc) this.listed.set('ETHBTC', ethbtc);
    this.setKlines('ETHBTC', '1m', binanceFixture<KlineRow[]>('rest-klines-1m-ethbtc.json'));
    this.list('BNBBTC', 'BNB', 'BTC');
    this.setKlines('BNBBTC', '1d', binanceFixture<KlineRow[]>('rest-klines-docs.json'));
  }

  /** Lists `pair` (exchangeInfo's recorded entry with this pair's assets). */
  list(pair: string, baseAsset: string, quoteAsset: string): void {
    const [template] = EXCHANGE_INFO.symbols;
    this.listed.set(pair, { ...template, symbol: pair, baseAsset, quoteAsset });
  }

  /** The klines `pair` has for `interval`, oldest first. */
  setKlines(pair: string, interval: '1d' | '1m', rows: KlineRow[]): void {
    this.klines.set(`${pair}:${interval}`, rows);
  }

  /** Every request to `path` answers this way until `clear(path)`. */
  override(path: string, override: Override): void {
    this.overrides.set(path, override);
  }

  clear(path: string): void {
    this.overrides.delete(path);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/ws`;
  }

  async stop(): Promise<void> {
    this.dropStreams();
    this.wss?.close();
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Stream names subscribed over all open connections, sorted. */
  streamSubscriptions(): string[] {
    const all = new Set<string>();
    for (const client of this.clients) for (const stream of client.streams) all.add(stream);
    return [...all].sort();
  }

  openStreams(): number {
    return this.clients.size;
  }

  count(method: string): number {
    return this.streamRequests.filter((request) => request.method === method).length;
  }

  /** A trade event (the recorded one with these values) to subscribers of `pair`; returns how many got it. */
  trade(pair: string, price: string, options: { T?: number; E?: number; q?: string } = {}): number {
    const time = options.T ?? Date.now();
    const event = {
      ...TRADE,
      E: options.E ?? time,
      s: pair,
      t: this.tradeId++,
      p: price,
      q: options.q ?? '0.01',
      T: time,
    };
    return this.publish(`${pair.toLowerCase()}@trade`, JSON.stringify(event));
  }

  /**
   * An update of `pair`'s UTC day candle (the recorded kline event with these values), stamped `E`;
   * `dayStart` defaults to the start of E's UTC day.
   */
  dayCandle(
    pair: string,
    candle: { o: string; h: string; l: string; c: string; v: string },
    options: { E?: number; dayStart?: number } = {},
  ): number {
    const time = options.E ?? Date.now();
    const start = options.dayStart ?? Math.floor(time / DAY_MS) * DAY_MS;
    const event = {
      ...KLINE,
      E: time,
      s: pair,
      k: { ...KLINE.k, ...candle, t: start, T: start + DAY_MS - 1, s: pair, i: '1d' },
    };
    return this.publish(`${pair.toLowerCase()}@kline_1d`, JSON.stringify(event));
  }

  /** Sends `text` as it is to every connection subscribed to `stream`. */
  publish(stream: string, text: string): number {
    let delivered = 0;
    for (const client of this.clients) {
      if (!client.streams.has(stream)) continue;
      if (this.send(client, text)) delivered++;
    }
    return delivered;
  }

  /** Sends `text` as it is to every connection. */
  broadcast(text: string): void {
    for (const client of this.clients) this.send(client, text);
  }

  /** A WebSocket ping to every connection, as Binance sends every 20 seconds. */
  ping(): void {
    if (this.stalled) return;
    for (const client of this.clients) client.socket.ping();
  }

  /** Drops every stream connection (a network cut, the 24-hour limit). */
  dropStreams(): void {
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
  }

  private accept(socket: WebSocket): void {
    this.connectionsAccepted++;
    const client: StreamClient = { socket, streams: new Set(), received: [] };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('message', (raw) => this.onRequest(client, String(raw)));
  }

  private onRequest(client: StreamClient, text: string): void {
    const now = Date.now();
    client.received.push(now);
    while ((client.received[0] ?? now) <= now - 1000) client.received.shift();
    if (client.received.length > 5) {
      this.rateLimitDrops++;
      client.socket.terminate();
      this.clients.delete(client);
      return;
    }
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return;
    }
    this.streamRequests.push({ at: now, method: request.method, params: request.params, id: request.id });
    const streams = Array.isArray(request.params) ? request.params.map(String) : [];
    if (request.method === 'SUBSCRIBE') {
      if (streams.some((stream) => this.invalidStreams.has(stream))) {
        this.send(client, JSON.stringify({ ...INVALID_STREAM, id: request.id }));
        return;
      }
      for (const stream of streams) client.streams.add(stream);
      this.send(client, JSON.stringify({ ...SUBSCRIBED, id: request.id }));
    } else if (request.method === 'UNSUBSCRIBE') {
      for (const stream of streams) client.streams.delete(stream);
      this.send(client, JSON.stringify({ ...SUBSCRIBED, id: request.id }));
    } else if (request.method === 'LIST_SUBSCRIPTIONS') {
      this.send(client, JSON.stringify({ ...LISTED, result: [...client.streams], id: request.id }));
    }
  }

  private send(client: StreamClient, text: string): boolean {
    if (this.stalled || client.socket.readyState !== client.socket.OPEN) return false;
    client.socket.send(text);
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query });
    const override = this.overrides.get(url.pathname);
    if (override === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (override) {
      res.writeHead(override.status, { 'Content-Type': 'application/json', ...override.headers });
      res.end(override.body);
      return;
    }
    const answer = this.answer(url.pathname, query);
    if (answer) {
      send(res, ...answer);
      return;
    }
    res.writeHead(404);
    res.end();
  }

  /** Status and body of a REST request, as Binance answers it; null for a path the fake does not serve. */
  private answer(path: string, query: Record<string, string>): [number, unknown] | null {
    const pair = query.symbol ?? '';
    const entry = this.listed.get(pair);
    if (path === '/api/v3/klines') {
      if (!entry) return [400, INVALID_SYMBOL];
      const rows = this.klines.get(`${pair}:${query.interval}`) ?? [];
      const startTime = Number(query.startTime ?? Number.NEGATIVE_INFINITY);
      const limit = Math.min(Number(query.limit ?? 500), 1000);
      const from = rows.filter((row) => row[0] >= startTime);
      // From startTime on: the oldest `limit`; without it: the newest `limit`.
      return [200, query.startTime === undefined ? from.slice(-limit) : from.slice(0, limit)];
    }
    if (path === '/api/v3/exchangeInfo') {
      return entry ? [200, { ...EXCHANGE_INFO, symbols: [entry] }] : [400, INVALID_SYMBOL];
    }
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
