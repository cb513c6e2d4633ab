// A benchmark client process: opens many WebSocket connections to the stream and measures what
// arrives. Driven by the orchestrator (bench/stream.ts, bench/cluster.ts) over IPC.
import WebSocket from 'ws';

interface Job {
  urls: string[];
  headers: Array<Record<string, string>>;
  /** Each client's group (the instance it is connected to), for latency per group; all 0 without. */
  groups?: number[];
  /** Each client's watched symbols: needed to tell which sent trades a client was owed (`tracked`). */
  watched?: string[][];
}

const LATENCY_BUCKETS = 20_000; // 1 ms buckets up to 20 s
const latency = new Uint32Array(LATENCY_BUCKETS + 1);
const latencyByGroup: Uint32Array[] = [];
let frames = 0;
let quotes = 0;
let measuring = false;
let windowStart = 0;
const sockets: WebSocket[] = [];
const perClientQuotes: number[] = [];
const lastFrameAt: number[] = [];
const maxGap: number[] = [];

/** Opens connections [from, to) of the job, 100 every 100 ms so the server's accept backlog keeps up. */
function connectRange(job: Job, from: number, to: number): void {
  let opened = 0;
  let failed = 0;
  const total = to - from;
  const batch = 100;
  /** Connection errors that were retried, by reason. */
  const errors = new Map<string, number>();
  const report = () => {
    if (opened + failed === total)
      process.send?.({ type: 'connected', opened, failed, errors: Object.fromEntries(errors) });
  };
  // Like the browser: a connection that fails to open is retried (up to 5 times, 1 s apart).
  const openOne = (i: number, attempt: number) => {
    const socket = new WebSocket(job.urls[i] ?? '', { headers: job.headers[i], perMessageDeflate: false });
    sockets[i] = socket;
    let settled = false;
    socket.on('open', () => {
      settled = true;
      opened++;
      report();
    });
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
      if (attempt < 5) {
        setTimeout(() => openOne(i, attempt + 1), 1000);
        return;
      }
      failed++;
      report();
    };
    socket.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
    socket.on('error', (error) => fail(error.message));
    socket.on('message', (data) => onMessage(i, data as Buffer));
  };
  const openBatch = (start: number) => {
    for (let i = start; i < Math.min(to, start + batch); i++) {
      perClientQuotes[i] = 0;
      maxGap[i] = 0;
      openOne(i, 0);
    }
    if (start + batch < to) setTimeout(() => openBatch(start + batch), 100);
  };
  openBatch(from);
}

const QUOTES_FRAME = Buffer.from('{"type":"quotes",');
const TIME_FIELD = Buffer.from('"time":"');
/** An ISO 8601 time as the servers write it: 2026-01-02T03:04:05.678Z. */
const ISO_LENGTH = 24;

/**
 * Counts a quotes frame's quotes and their latency by finding each quote's `"time":"...` in the
 * bytes instead of parsing the whole frame: this process reads every frame of thousands of sockets
 * and must keep up on a machine it shares with the server it measures.
 */
function onMessage(client: number, data: Buffer): void {
  if (trackingSince !== undefined) track(client, data);
  if (!measuring) return;
  const now = Date.now();
  if (data.compare(QUOTES_FRAME, 0, QUOTES_FRAME.length, 0, QUOTES_FRAME.length) !== 0) return;
  const group = currentJob?.groups?.[client] ?? 0;
  latencyByGroup[group] ??= new Uint32Array(LATENCY_BUCKETS + 1);
  const groupLatency = latencyByGroup[group];
  let count = 0;
  for (let at = data.indexOf(TIME_FIELD); at !== -1; at = data.indexOf(TIME_FIELD, at + ISO_LENGTH)) {
    const start = at + TIME_FIELD.length;
    const time = Date.parse(data.toString('latin1', start, start + ISO_LENGTH));
    const bucket = Math.min(LATENCY_BUCKETS, Math.max(0, now - time));
    latency[bucket] = (latency[bucket] ?? 0) + 1;
    groupLatency[bucket] = (groupLatency[bucket] ?? 0) + 1;
    count++;
  }
  frames++;
  quotes += count;
  perClientQuotes[client] = (perClientQuotes[client] ?? 0) + count;
  const previous = lastFrameAt[client] ?? windowStart;
  maxGap[client] = Math.max(maxGap[client] ?? 0, now - previous);
  lastFrameAt[client] = now;
}

function percentile(histogram: Uint32Array, p: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let seen = 0;
  for (let ms = 0; ms <= LATENCY_BUCKETS; ms++) {
    seen += histogram[ms] ?? 0;
    if (seen >= total * p) return ms;
  }
  return LATENCY_BUCKETS;
}

const percentiles = (histogram: Uint32Array) => ({
  p50: percentile(histogram, 0.5),
  p99: percentile(histogram, 0.99),
  max: percentile(histogram, 1),
});

/*
 * Tracking (a failover): from `trackingSince` on, every quote a client receives whose trade time is
 * at or after it is recorded as symbol@price with when it arrived, and whether the client was told
 * `reconnecting`. This parses whole frames, so the orchestrator sends few trades meanwhile.
 * `tracked` then compares with sets of trades the fake sent upstream.
 */
let trackingSince: number | undefined;
const received = new Map<number, Map<string, number>>();
const toldReconnecting = new Set<number>();

function track(client: number, data: Buffer): void {
  const since = trackingSince ?? 0;
  const frame = JSON.parse(data.toString()) as
    | { type: 'quotes' | 'snapshot'; quotes: Array<{ symbol: string; price: number; time: string }> }
    | { type: 'status'; feed: string }
    | { type: string };
  if (frame.type === 'status' && 'feed' in frame && frame.feed === 'reconnecting')
    toldReconnecting.add(client);
  if (!('quotes' in frame)) return;
  const now = Date.now();
  for (const quote of frame.quotes) {
    if (Date.parse(quote.time) < since) continue;
    let mine = received.get(client);
    if (!mine) {
      mine = new Map();
      received.set(client, mine);
    }
    const key = `${quote.symbol}@${quote.price}`;
    if (!mine.has(key)) mine.set(key, now);
  }
}

interface OwedSet {
  /** Trades the fake sent upstream: symbol, price. */
  trades: Array<[string, number]>;
  /** The clients that should have them (those watching the symbol). */
  clients: number[];
  /** Times of first receipt are counted from here (epoch ms). */
  from: number;
}

/** Which of the owed trades each client watching the symbol never received, and when the first came. */
function trackedReport({ trades, clients, from }: OwedSet): Record<string, unknown> {
  const owedBySymbol = new Map<string, number[]>();
  for (const [symbol, price] of trades)
    owedBySymbol.set(symbol, [...(owedBySymbol.get(symbol) ?? []), price]);
  let owedPairs = 0;
  let lost = 0;
  const lostClients = new Set<number>();
  const examples: string[] = [];
  const firstPriceMs: number[] = [];
  let owedButNone = 0;
  for (const client of clients) {
    const got = received.get(client) ?? new Map<string, number>();
    let first = Number.POSITIVE_INFINITY;
    let owedHere = 0;
    for (const symbol of currentJob?.watched?.[client] ?? []) {
      for (const price of owedBySymbol.get(symbol) ?? []) {
        owedPairs++;
        owedHere++;
        const at = got.get(`${symbol}@${price}`);
        if (at !== undefined) {
          first = Math.min(first, at);
          continue;
        }
        lost++;
        lostClients.add(client);
        if (examples.length < 10) examples.push(`client ${client}: ${symbol}@${price}`);
      }
    }
    if (owedHere === 0) continue;
    if (first === Number.POSITIVE_INFINITY) owedButNone++;
    else firstPriceMs.push(first - from);
  }
  firstPriceMs.sort((a, b) => a - b);
  return {
    owedQuotes: owedPairs,
    lostQuotes: lost,
    clientsThatLostQuotes: lostClients.size,
    lostExamples: examples,
    clientsOwedButGotNone: owedButNone,
    /** From `from` to each owed client's first owed quote. */
    firstPriceMs: {
      min: firstPriceMs[0] ?? null,
      median: firstPriceMs[Math.floor(firstPriceMs.length / 2)] ?? null,
      p99: firstPriceMs[Math.floor(firstPriceMs.length * 0.99)] ?? null,
      max: firstPriceMs[firstPriceMs.length - 1] ?? null,
    },
    /** Over the whole tracking, not only this set's trades. */
    clientsToldReconnecting: clients.filter((client) => toldReconnecting.has(client)).length,
    clientsOpen: clients.filter((client) => sockets[client]?.readyState === WebSocket.OPEN).length,
  };
}

let currentJob: Job | undefined;
process.on(
  'message',
  (message: {
    type: string;
    job?: Job;
    from?: number;
    to?: number;
    since?: number;
    sets?: Record<string, OwedSet>;
  }) => {
    if (message.job) currentJob = message.job;
    if (message.type === 'connect' && currentJob)
      connectRange(currentJob, message.from ?? 0, message.to ?? currentJob.urls.length);
    if (message.type === 'measure') {
      measuring = true;
      windowStart = Date.now();
    }
    if (message.type === 'report') {
      measuring = false;
      const end = Date.now();
      for (let i = 0; i < sockets.length; i++)
        maxGap[i] = Math.max(maxGap[i] ?? 0, end - (lastFrameAt[i] ?? windowStart));
      const sortedCounts = [...perClientQuotes].sort((a, b) => a - b);
      process.send?.({
        type: 'report',
        frames,
        quotes,
        latencyMs: percentiles(latency),
        latencyByGroupMs: Array.from(latencyByGroup, (histogram) =>
          percentiles(histogram ?? new Uint32Array(1)),
        ),
        perClientQuotes: {
          min: sortedCounts[0] ?? 0,
          median: sortedCounts[Math.floor(sortedCounts.length / 2)] ?? 0,
        },
        maxGapMs: Math.max(0, ...maxGap),
        starved: maxGap.filter((gap) => gap > 2000).length,
        open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length,
      });
    }
    if (message.type === 'track') {
      trackingSince = message.since ?? Date.now();
      received.clear();
      toldReconnecting.clear();
    }
    if (message.type === 'tracked') {
      trackingSince = undefined;
      const sets = Object.entries(message.sets ?? {});
      process.send?.({
        type: 'tracked',
        sets: Object.fromEntries(sets.map(([name, set]) => [name, trackedReport(set)])),
      });
    }
    if (message.type === 'exit') {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  },
);
