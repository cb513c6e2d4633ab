// The ceiling the benchmark compares against: a bare `ws` server doing the least the app's stream
// must do. It takes the same trades from the fake Finnhub, keeps the latest per symbol, and every
// interval sends each client one frame with the changed quotes of its symbols (each serialized once).
// No auth, no database, no hub logic. Usage: tsx bench/bare-ws-server.ts PORT FINNHUB_WS_URL KEY INTERVAL_MS SYMBOLS_CSV
import { WebSocket, WebSocketServer } from 'ws';

const [port, upstreamUrl, apiKey, intervalArg, symbolsCsv] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const latest = new Map<string, { price: number; time: number }>();
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
    latest.set(trade.s, { price: trade.p, time: trade.t });
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
    const text = JSON.stringify({ symbol, price: quote.price, time: new Date(quote.time).toISOString() });
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
