// The ceiling the benchmark compares against: the leanest `ws` server that does what the app's
// stream must do. It takes the same trades from the fake Finnhub, keeps the latest quote per symbol,
// and every interval sends each client one frame with the changed quotes of its symbols: the same
// frame text as the app's (same fields, same values, same order), each quote serialized once. No
// auth, no database, no history, no metrics, no slow-socket checks, no allocation per client per
// flush beyond the frame itself.
// Usage: tsx bench/bare-ws-server.ts PORT FINNHUB_WS_URL KEY INTERVAL_MS SYMBOLS_CSV
import { type WebSocket, WebSocket as WebSocketClient, WebSocketServer } from 'ws';

const [port, upstreamUrl, apiKey, intervalArg, symbolsCsv] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
/** The bench's fake Finnhub quotes every symbol flat at 100 (open, high, low and previous close). */
const SNAPSHOT_PRICE = 100;

interface Client {
  readonly socket: WebSocket;
  /** Quote texts of this flush; `count` of them are valid. */
  readonly parts: string[];
  count: number;
  round: number;
}

interface SymbolState {
  readonly symbol: string;
  price: number;
  high: number;
  low: number;
  volume: number;
  time: number;
  changed: boolean;
  readonly watchers: Set<Client>;
}

const states = new Map<string, SymbolState>();
const changed: SymbolState[] = [];
const stateOf = (symbol: string): SymbolState => {
  let state = states.get(symbol);
  if (!state) {
    state = {
      symbol,
      price: SNAPSHOT_PRICE,
      high: SNAPSHOT_PRICE,
      low: SNAPSHOT_PRICE,
      volume: 0,
      time: 0,
      changed: false,
      watchers: new Set(),
    };
    states.set(symbol, state);
  }
  return state;
};

const upstream = new WebSocketClient(`${upstreamUrl}?token=${apiKey}`);
upstream.on('open', () => {
  for (const symbol of (symbolsCsv ?? '').split(','))
    upstream.send(JSON.stringify({ type: 'subscribe', symbol }));
});
upstream.on('message', (data) => {
  const frame = JSON.parse(String(data)) as {
    type: string;
    data?: Array<{ s: string; p: number; t: number; v: number }>;
  };
  if (frame.type !== 'trade' || !frame.data) return;
  for (const trade of frame.data) {
    const state = stateOf(trade.s);
    state.price = trade.p;
    state.time = trade.t;
    state.volume += trade.v;
    if (trade.p > state.high) state.high = trade.p;
    if (trade.p < state.low) state.low = trade.p;
    if (!state.changed) {
      state.changed = true;
      changed.push(state);
    }
  }
});

/** The app's quote text for this state (the app's change arithmetic, its field order). */
function serialize(state: SymbolState): string {
  const change = Number((state.price - SNAPSHOT_PRICE).toFixed(10));
  return JSON.stringify({
    symbol: state.symbol,
    price: state.price,
    change,
    changePercent: Number(((change / SNAPSHOT_PRICE) * 100).toFixed(6)),
    open: SNAPSHOT_PRICE,
    high: state.high,
    low: state.low,
    previousClose: SNAPSHOT_PRICE,
    volume: state.volume,
    time: new Date(state.time).toISOString(),
    stale: false,
    // The fake Finnhub's trades, as the app labels them.
    source: 'finnhub',
    delayMinutes: 0,
  });
}

const server = new WebSocketServer({ port: Number(port), host: '127.0.0.1', perMessageDeflate: false });
server.on('connection', (socket, request) => {
  const symbols = new URL(request.url ?? '/', 'http://x').searchParams.get('symbols')?.split(',') ?? [];
  const client: Client = { socket, parts: [], count: 0, round: 0 };
  for (const symbol of symbols) stateOf(symbol).watchers.add(client);
  socket.on('close', () => {
    for (const symbol of symbols) stateOf(symbol).watchers.delete(client);
  });
});

let round = 0;
const ready: Client[] = [];
setInterval(() => {
  round++;
  for (const state of changed) {
    state.changed = false;
    if (state.watchers.size === 0) continue;
    const text = serialize(state);
    for (const client of state.watchers) {
      if (client.round !== round) {
        client.round = round;
        client.count = 0;
        ready.push(client);
      }
      client.parts[client.count++] = text;
    }
  }
  changed.length = 0;
  for (const client of ready) {
    client.parts.length = client.count;
    client.socket.send(`{"type":"quotes","quotes":[${client.parts.join(',')}]}`);
  }
  ready.length = 0;
}, intervalMs);

// Exits normally on the bench's SIGTERM, so `--cpu-prof` (the bench's `--profile`) writes its profile.
process.on('SIGTERM', () => process.exit(0));
process.send?.({ type: 'ready' });
