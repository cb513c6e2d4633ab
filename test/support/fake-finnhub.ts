import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A file of test/fixtures/finnhub/ (answers the live Finnhub gave; origins in its README.md), as text. */
export function recordedText(name: string): string {
  return readFileSync(new URL(`../fixtures/finnhub/${name}`, import.meta.url), 'utf8');
}

/** A recorded JSON answer of test/fixtures/finnhub/, parsed. */
export function recorded(name: string): unknown {
  return JSON.parse(recordedText(name));
}

/** The /quote body for a symbol the fake knows. */
export interface FakeQuote {
  c: number;
  /** Absent in some live answers (Finnhub-API#61). */
  d?: number | null;
  dp?: number | null;
  h: number;
  l: number;
  o: number;
  pc: number;
  t: number;
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  headerToken: string | undefined;
}

type Override = { status: number; body: string; contentType?: string } | 'hang';

interface Candles {
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: number[];
}

interface StreamClient {
  socket: WebSocket;
  subscriptions: Set<string>;
}

/**
 * Finnhub on loopback, built to ../shared/reference/finnhub.md, answering with the recorded answers
 * of test/fixtures/finnhub/ where Finnhub's own are known.
 * REST: token in header or query, 401 without or with a wrong key, 200 with zeros for an unknown
 * symbol, "no access" (403, or 401 as it once was) for symbols the "plan" does not cover, 429 (JSON or
 * plain text) past its per-minute limit, and switches for outages and hangs.
 * WebSocket (same port, `?token=`): 401 upgrade for a bad key, subscribe/unsubscribe without
 * acknowledgement, trade frames to subscribers only, pings, error frames for invalid symbols and past
 * the symbol cap, and switches to drop every connection or to stall (send nothing, not even pings).
 */
export class FakeFinnhub {
  readonly apiKey = 'fake-finnhub-key-0123456789';
  readonly requests: RecordedRequest[] = [];
  readonly quotes = new Map<string, FakeQuote>();
  /** Symbols a free plan may not price (non-US listings in the real service). */
  readonly premiumSymbols = new Set<string>();
  /** The status of "no access": 403, or 401 as Finnhub once sent it (Finnhub-API#405). */
  noAccessStatus: 401 | 403 = 403;
  /** What /quote answers for a symbol it does not know. */
  unknownQuoteAnswer: unknown = recorded('quote-unknown-symbol.json');
  /** Symbols /quote answers with `{"error":"Symbol not supported."}`. */
  readonly unsupportedSymbols = new Set<string>();
  /** Whether a 429 carries Finnhub's JSON error or a plain-text body (both recorded). */
  rateLimitAnswer: 'json' | 'plain-text' = 'json';
  /** /search entries (`type` is absent from the recorded /stock/symbol entries served here too). */
  readonly searchEntries: Array<{
    description: string;
    displaySymbol: string;
    symbol: string;
    type?: string;
  }> = [];
  /** Calls allowed per rolling minute before 429, like the real free plan's 60. */
  perMinuteLimit = Number.POSITIVE_INFINITY;
  private readonly overrides = new Map<string, Override>();
  private readonly callTimes: number[] = [];
  /** Whole /stock/metric answers per symbol, as recorded (before `metrics`). */
  readonly metricAnswers = new Map<string, unknown>();
  /** What /stock/metric answers in `metric`, per symbol (others get `{}`). */
  readonly metrics = new Map<string, Record<string, number | null>>([
    ['AAPL', { '52WeekHigh': 288.62, '52WeekLow': 169.2101, marketCapitalization: 3890000.5, beta: 1.2 }],
  ]);
  /** /stock/profile2 answers per symbol (others `{}`); `{url}` in the logo becomes the fake's address. */
  readonly profiles = new Map<string, Record<string, unknown>>([
    [
      'AAPL',
      {
        country: 'US',
        currency: 'USD',
        exchange: 'NASDAQ NMS - GLOBAL MARKET',
        finnhubIndustry: 'Technology',
        ipo: '1980-12-12',
        logo: '{url}/static/logo/AAPL.png',
        marketCapitalization: 3890000.5,
        name: 'Apple Inc',
        phone: '14089961010',
        shareOutstanding: 14840.39,
        ticker: 'AAPL',
        weburl: 'https://www.apple.com/',
      },
    ],
  ]);
  /** Logo files on the fake's static host (no token needed, like Finnhub's file host). */
  readonly logos = new Map<string, Buffer>([['AAPL.png', TINY_PNG]]);
  /** Logo files that answer 302 to another address instead. */
  readonly logoRedirects = new Map<string, string>();
  /** Whether the "plan" includes /stock/candle (a paid feature: 403 without, like a free key). */
  candleAccess = false;
  /** Daily candles per symbol, as /stock/candle sends them (others: `{"s":"no_data"}`). */
  readonly candles = new Map<string, Candles>();
  /** 1-minute candles per symbol (resolution 1; others: `{"s":"no_data"}`). */
  readonly minuteCandles = new Map<string, Candles>();
  /** What /stock/market-status answers. */
  marketStatus: Record<string, unknown> = {
    exchange: 'US',
    holiday: null,
    isOpen: false,
    session: 'pre-market',
    timezone: 'America/New_York',
    t: 1697018041,
  };
  /** The REST base URL (FINNHUB_API_URL), set by start(). */
  url = '';
  /** 0 picks a free port; after stop(), start() again reuses the same one (a restart). */
  private port = 0;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  /** The WebSocket base URL (FINNHUB_WS_URL), set by start(). */
  wsUrl = '';
  /** The settings that point the app at this fake (after start()). */
  appEnv(): Record<
    'FINNHUB_API_KEY' | 'FINNHUB_API_URL' | 'FINNHUB_WS_URL' | 'YAHOO_FINANCE' | 'BINANCE_STREAM',
    string
  > {
    // This fake alone: the keyless sources, on by default with real data, would reach the internet.
    return {
      FINNHUB_API_KEY: this.apiKey,
      FINNHUB_API_URL: this.url,
      FINNHUB_WS_URL: this.wsUrl,
      YAHOO_FINANCE: 'off',
      BINANCE_STREAM: 'off',
    };
  }
  /** Symbols one WebSocket connection may subscribe to before "too many symbols". */
  symbolCap = 50;
  /** Symbols the WebSocket refuses with "Invalid symbol". */
  readonly invalidStreamSymbols = new Set<string>();
  /** When each WebSocket upgrade was attempted (epoch ms), accepted or not. */
  readonly upgradeAttempts: number[] = [];
  /** Connections accepted over the fake's lifetime (Finnhub allows one per key at a time). */
  connectionsAccepted = 0;
  /** While true, nothing is sent on the WebSocket (a silent stall). */
  stalled = false;
  private wss: WebSocketServer | undefined;
  private readonly streamClients = new Set<StreamClient>();

  constructor() {
    this.setQuote('AAPL', {
      c: 261.74,
      d: 2.29,
      dp: 0.8826,
      h: 263.31,
      l: 260.68,
      o: 261.07,
      pc: 259.45,
      t: 1582641000,
    });
    this.setQuote('MSFT', {
      c: 415.123456,
      d: -1.2,
      dp: -0.2882,
      h: 418.5,
      l: 412.01,
      o: 416.0,
      pc: 416.323456,
      t: 1582641000,
    });
    this.searchEntries.push(
      { description: 'APPLE INC', displaySymbol: 'AAPL', symbol: 'AAPL', type: 'Common Stock' },
      { description: 'APPLE INC', displaySymbol: 'AAPL.SW', symbol: 'AAPL.SW', type: 'Common Stock' },
      { description: 'MICROSOFT CORP', displaySymbol: 'MSFT', symbol: 'MSFT', type: 'Common Stock' },
      { description: 'VODAFONE GROUP PLC', displaySymbol: 'VOD.L', symbol: 'VOD.L', type: 'Common Stock' },
    );
    this.premiumSymbols.add('VOD.L');
  }

  setQuote(symbol: string, quote: FakeQuote): void {
    this.quotes.set(symbol, quote);
  }

  /** Every request to `path` answers this way until `clear(path)`. */
  override(path: string, override: Override): void {
    this.overrides.set(path, override);
  }

  clear(path: string): void {
    this.overrides.delete(path);
  }

  count(path: string, symbol?: string): number {
    return this.requests.filter((r) => r.path === path && (symbol === undefined || r.query.symbol === symbol))
      .length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({
      server: this.server,
      verifyClient: ({ req }, done) => {
        this.upgradeAttempts.push(Date.now());
        const token = new URL(req.url ?? '/', 'http://fake').searchParams.get('token');
        if (token === this.apiKey) done(true);
        // The live service answers a refused key's upgrade "HTTP/1.1 401 Unauthorized" (Finnhub-API#465).
        else done(false, 401, 'Unauthorized');
      },
    });
    this.wss.on('connection', (socket) => this.acceptStream(socket));
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/api/v1`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    return this.url;
  }

  /** Symbols subscribed over all open WebSocket connections. */
  streamSubscriptions(): string[] {
    const all = new Set<string>();
    for (const client of this.streamClients) for (const s of client.subscriptions) all.add(s);
    return [...all].sort();
  }

  openStreams(): number {
    return this.streamClients.size;
  }

  /** Sends one trade frame to every connection subscribed to `symbol`; returns how many got it. */
  trade(symbol: string, price: number, options: { t?: number; v?: number } = {}): number {
    return this.trades([{ s: symbol, p: price, t: options.t ?? Date.now(), v: options.v ?? 1 }]);
  }

  /** One frame carrying several trades; each connection gets the trades of its subscriptions. */
  trades(data: Array<{ s: string; p: number; t: number; v: number; c?: string[] }>): number {
    let delivered = 0;
    for (const client of this.streamClients) {
      const mine = data.filter((d) => client.subscriptions.has(d.s));
      if (mine.length === 0) continue;
      if (this.sendFrame(client, { data: mine, type: 'trade' })) delivered++;
    }
    return delivered;
  }

  /** Sends one frame, as recorded, to every open connection. */
  replay(frame: unknown): number {
    let delivered = 0;
    for (const client of this.streamClients) if (this.sendFrame(client, frame)) delivered++;
    return delivered;
  }

  ping(): void {
    for (const client of this.streamClients) this.sendFrame(client, { type: 'ping' });
  }

  /** Drops every WebSocket connection, as Finnhub does on a restart. */
  dropStreams(): void {
    for (const client of this.streamClients) client.socket.terminate();
    this.streamClients.clear();
  }

  private acceptStream(socket: WebSocket): void {
    this.connectionsAccepted++;
    const client: StreamClient = { socket, subscriptions: new Set() };
    this.streamClients.add(client);
    socket.on('close', () => this.streamClients.delete(client));
    socket.on('message', (raw) => {
      let frame: { type?: string; symbol?: string };
      try {
        frame = JSON.parse(String(raw)) as { type?: string; symbol?: string };
      } catch {
        return;
      }
      if (!frame.symbol) return;
      if (frame.type === 'unsubscribe') client.subscriptions.delete(frame.symbol);
      if (frame.type !== 'subscribe' || client.subscriptions.has(frame.symbol)) return;
      if (this.invalidStreamSymbols.has(frame.symbol)) {
        this.sendFrame(client, { type: 'error', msg: `Invalid symbol ${frame.symbol}` });
      } else if (client.subscriptions.size >= this.symbolCap) {
        this.sendFrame(client, recorded('too-many-symbols.json'));
      } else {
        client.subscriptions.add(frame.symbol);
      }
    });
  }

  private sendFrame(client: StreamClient, frame: unknown): boolean {
    if (this.stalled || client.socket.readyState !== client.socket.OPEN) return false;
    client.socket.send(JSON.stringify(frame));
    return true;
  }

  async stop(): Promise<void> {
    this.dropStreams();
    this.wss?.close();
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const query = Object.fromEntries(url.searchParams);
    const headerToken = req.headers['x-finnhub-token'] as string | undefined;
    this.requests.push({ path, query, headerToken });

    if (path.startsWith('/static/logo/')) {
      const redirect = this.logoRedirects.get(path.slice('/static/logo/'.length));
      if (redirect) {
        res.writeHead(302, { Location: redirect });
        res.end();
        return;
      }
      const file = this.logos.get(path.slice('/static/logo/'.length));
      res.writeHead(file ? 200 : 404, { 'Content-Type': file ? 'image/png' : 'text/plain' });
      res.end(file ?? 'not found');
      return;
    }
    const token = headerToken ?? query.token;
    if (!token) {
      send(res, 401, { error: 'Please use an API key.' });
      return;
    }
    if (token !== this.apiKey) {
      send(res, 401, recorded('invalid-key.json'));
      return;
    }

    const now = Date.now();
    while (this.callTimes.length > 0 && (this.callTimes[0] ?? 0) <= now - 60_000) this.callTimes.shift();
    if (this.callTimes.length >= this.perMinuteLimit) {
      if (this.rateLimitAnswer === 'plain-text') {
        res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(recordedText('rate-limit-plain-text.txt'));
      } else {
        send(res, 429, { error: 'API limit reached. Please try again later. Remaining Limit: 0' });
      }
      return;
    }
    this.callTimes.push(now);

    const override = this.overrides.get(path);
    if (override === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (override) {
      res.writeHead(override.status, { 'Content-Type': override.contentType ?? 'application/json' });
      res.end(override.body);
      return;
    }

    if (path === '/quote') {
      const symbol = query.symbol ?? '';
      if (this.premiumSymbols.has(symbol)) {
        send(res, this.noAccessStatus, recorded('no-access.json'));
        return;
      }
      if (this.unsupportedSymbols.has(symbol)) {
        send(res, 200, recorded('symbol-not-supported.json'));
        return;
      }
      send(res, 200, this.quotes.get(symbol) ?? this.unknownQuoteAnswer);
      return;
    }
    if (path === '/stock/metric') {
      const symbol = query.symbol ?? '';
      const answer = this.metricAnswers.get(symbol) ?? {
        metric: this.metrics.get(symbol) ?? {},
        metricType: 'all',
        series: {},
        symbol,
      };
      send(res, 200, answer);
      return;
    }
    if (path === '/stock/profile2') {
      const symbol = query.symbol ?? '';
      if (this.premiumSymbols.has(symbol)) {
        send(res, this.noAccessStatus, recorded('no-access.json'));
        return;
      }
      const profile = this.profiles.get(symbol);
      send(res, 200, profile ? JSON.parse(JSON.stringify(profile).replaceAll('{url}', this.url)) : {});
      return;
    }
    if (path === '/stock/candle') {
      if (!this.candleAccess) {
        send(res, this.noAccessStatus, recorded('no-access.json'));
        return;
      }
      const byResolution =
        query.resolution === 'D' ? this.candles : query.resolution === '1' ? this.minuteCandles : undefined;
      const candles = byResolution?.get(query.symbol ?? '');
      const from = Number(query.from);
      const to = Number(query.to);
      if (!candles || !Number.isFinite(from) || !Number.isFinite(to)) {
        send(res, 200, recorded('candles-no-data.json'));
        return;
      }
      const keep = candles.t.map((t) => t >= from && t <= to);
      const pick = (values: number[]) => values.filter((_, i) => keep[i]);
      const t = pick(candles.t);
      send(
        res,
        200,
        t.length === 0
          ? recorded('candles-no-data.json')
          : {
              s: 'ok',
              t,
              o: pick(candles.o),
              h: pick(candles.h),
              l: pick(candles.l),
              c: pick(candles.c),
              v: pick(candles.v),
            },
      );
      return;
    }
    if (path === '/stock/market-status') {
      send(res, 200, this.marketStatus);
      return;
    }
    if (path === '/search') {
      const q = (query.q ?? '').toUpperCase();
      const result = this.searchEntries.filter((e) => e.symbol.includes(q) || e.description.includes(q));
      send(res, 200, { count: result.length, result });
      return;
    }
    send(res, 404, { error: 'Not found' });
  }
}

/** A valid 1x1 PNG. */
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
