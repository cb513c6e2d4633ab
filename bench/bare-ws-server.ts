// The ceiling the benchmark compares against: a bare `ws` server doing the least the app's stream
// must do. It takes the same trades from the fake Finnhub, keeps the latest per symbol, and every
// interval sends each client one frame with the changed quotes of its symbols (each serialized once),
// quotes of the same shape and size as the app's. No auth, no database, no persistence, no metrics. Usage: tsx bench/bare-ws-server.ts PORT FINNHUB_WS_URL KEY INTERVAL_MS SYMBOLS_CSV
import { WebSocket, WebSocketServer } from 'ws';

const [port, upstreamUrl, apiKey, intervalArg, symbolsCsv] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
interface State {
  price: number;
  time: number;
  open: number;
  high: number;
  low: number;
}
const latest = new Map<string, State>();
const dirty = new Set<string>();
const subscribers = new Map<string, Set<WebSocket>>();

const upstream = new WebSocket(`${upstreamUrl}?token=${apiKey}`);
upstream.on('open', () => {
  for (const symbol of (symbolsCsv ?? '').split(','))
    upstream.send(JSON.stringify({ type: 'subscribe', symbol }));
});
upstream.on('message', (data) => {
  const frame = JSON.parse(String(data)) as {
    type: string;
    data?: Array<{ s: string; p: number; t: number }>;
  };
  if (frame.type !== 'trade' || !frame.data) return;
  for (const trade of frame.data) {
    const state = latest.get(trade.s);
    if (state) {
      state.price = trade.p;
      state.time = trade.t;
      state.high = Math.max(state.high, trade.p);
      state.low = Math.min(state.low, trade.p);
    } else {
      latest.set(trade.s, { price: trade.p, time: trade.t, open: trade.p, high: trade.p, low: trade.p });
    }
    dirty.add(trade.s);
  }
});

const server = new WebSocketServer({ port: Number(port), host: '127.0.0.1', perMessageDeflate: false });
server.on('connection', (socket, request) => {
  const symbols = new URL(request.url ?? '/', 'http://x').searchParams.get('symbols')?.split(',') ?? [];
  for (const symbol of symbols) {
    let set = subscribers.get(symbol);
    if (!set) {
      set = new Set();
      subscribers.set(symbol, set);
    }
    set.add(socket);
  }
  socket.on('close', () => {
    for (const symbol of symbols) subscribers.get(symbol)?.delete(socket);
  });
});

setInterval(() => {
  const outbox = new Map<WebSocket, string[]>();
  for (const symbol of dirty) {
    const quote = latest.get(symbol);
    if (!quote) continue;
    const change = Number((quote.price - quote.open).toFixed(10));
    const text = JSON.stringify({
      symbol,
      price: quote.price,
      change,
      changePercent: Number(((change / quote.open) * 100).toFixed(6)),
      open: quote.open,
      high: quote.high,
      low: quote.low,
      previousClose: quote.open,
      time: new Date(quote.time).toISOString(),
      stale: false,
    });
    for (const socket of subscribers.get(symbol) ?? []) {
      let parts = outbox.get(socket);
      if (!parts) {
        parts = [];
        outbox.set(socket, parts);
      }
      parts.push(text);
    }
  }
  dirty.clear();
  for (const [socket, parts] of outbox) socket.send(`{"type":"quotes","quotes":[${parts.join(',')}]}`);
}, intervalMs);

process.send?.({ type: 'ready' });
