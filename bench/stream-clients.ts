// A benchmark client process: opens many WebSocket connections to the stream and measures what
// arrives. Driven by the orchestrator (bench/stream.ts) over IPC.
import WebSocket from 'ws';

interface Job {
  urls: string[];
  headers: Array<Record<string, string>>;
}

const LATENCY_BUCKETS = 20_000; // 1 ms buckets up to 20 s
const latency = new Uint32Array(LATENCY_BUCKETS + 1);
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
  if (!measuring) return;
  const now = Date.now();
  if (data.compare(QUOTES_FRAME, 0, QUOTES_FRAME.length, 0, QUOTES_FRAME.length) !== 0) return;
  let count = 0;
  for (let at = data.indexOf(TIME_FIELD); at !== -1; at = data.indexOf(TIME_FIELD, at + ISO_LENGTH)) {
    const start = at + TIME_FIELD.length;
    const time = Date.parse(data.toString('latin1', start, start + ISO_LENGTH));
    const bucket = Math.min(LATENCY_BUCKETS, Math.max(0, now - time));
    latency[bucket] = (latency[bucket] ?? 0) + 1;
    count++;
  }
  frames++;
  quotes += count;
  perClientQuotes[client] = (perClientQuotes[client] ?? 0) + count;
  const previous = lastFrameAt[client] ?? windowStart;
  maxGap[client] = Math.max(maxGap[client] ?? 0, now - previous);
  lastFrameAt[client] = now;
}

function percentile(p: number): number {
  const total = latency.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let seen = 0;
  for (let ms = 0; ms <= LATENCY_BUCKETS; ms++) {
    seen += latency[ms] ?? 0;
    if (seen >= total * p) return ms;
  }
  return LATENCY_BUCKETS;
}

let currentJob: Job | undefined;
process.on('message', (message: { type: string; job?: Job; from?: number; to?: number }) => {
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
      latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: percentile(1) },
      perClientQuotes: {
        min: sortedCounts[0] ?? 0,
        median: sortedCounts[Math.floor(sortedCounts.length / 2)] ?? 0,
      },
      maxGapMs: Math.max(0, ...maxGap),
      starved: maxGap.filter((gap) => gap > 2000).length,
      open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length,
    });
  }
  if (message.type === 'exit') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});
