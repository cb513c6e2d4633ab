// Helpers shared by the benchmark scripts.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hash } from '@node-rs/argon2';
import { hashToken } from '../src/auth/tokens.js';
import { seededRandom } from '../src/clock.js';
import { openPglite, openPostgres } from '../src/db/open.js';
import { instruments, sessions, users, watchlistItems } from '../src/db/schema.js';
import { FakeFinnhub } from '../test/support/fake-finnhub.js';

import { freePort } from '../test/support/ports.js';

export { freePort };

import { adminQuery, withDatabase } from '../test/support/global-setup.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Loader for forking the bench's own TypeScript helpers (client process, bare server). */
export const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user + system) and RSS of a process, from /proc. */
export function processUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssBytes: rssKb * 1024 };
}

export async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error('the server exited during start');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

/**
 * The fake Finnhub with a flat quote for every symbol and a socket that takes them all, pinging
 * every 20 s as Finnhub does about once a minute (without pings the app's watchdog would, rightly,
 * call a quiet socket dead).
 */
export async function startBenchFinnhub(
  symbols: string[],
): Promise<{ fake: FakeFinnhub; stop(): Promise<void> }> {
  const fake = new FakeFinnhub();
  fake.symbolCap = symbols.length;
  const t = Math.floor(Date.now() / 1000);
  for (const symbol of symbols)
    fake.setQuote(symbol, { c: 100, d: 0, dp: 0, h: 100, l: 100, o: 100, pc: 100, t });
  await fake.start();
  const pinger = setInterval(() => fake.ping(), 20_000);
  return {
    fake,
    async stop() {
      clearInterval(pinger);
      await fake.stop();
    },
  };
}

/**
 * The built app (`dist/server/main.js`) as its own process against `fake`, or on the simulated market
 * without one; resolves once it is ready.
 */
export async function startAppProcess(options: {
  fake?: FakeFinnhub;
  dataDir: string;
  databaseUrl: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
}): Promise<{ server: ChildProcess; port: number; url: string }> {
  const port = await freePort();
  const { FINNHUB_API_KEY: _ownKey, ...environment } = process.env;
  const finnhub = options.fake
    ? {
        ...options.fake.appEnv(),
      }
    : {};
  const server = spawn(process.execPath, [...(options.nodeArgs ?? []), 'dist/server/main.js'], {
    cwd: root,
    env: {
      ...environment,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      ...finnhub,
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, server);
  return { server, port, url };
}

/**
 * A database of the bench's own on the PostgreSQL server at `serverUrl` (created now, dropped by
 * `drop`); without a server, an empty URL: the app then uses PGlite.
 */
export async function benchDatabase(
  serverUrl: string | undefined,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) return { url: '', drop: async () => {} };
  const name = `stocktracker_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** M symbols named B0000, B0001, ... */
export function benchSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `B${String(i).padStart(4, '0')}`);
}

/** N watchlists of Z distinct symbols each, the same for every run (seeded). */
export function benchWatchlists(clients: number, perClient: number, symbols: string[]): string[][] {
  const random = seededRandom(2026);
  return Array.from({ length: clients }, () => {
    const chosen = new Set<string>();
    while (chosen.size < Math.min(perClient, symbols.length))
      chosen.add(symbols[Math.floor(random() * symbols.length)] ?? 'B0000');
    return [...chosen];
  });
}

/**
 * One user per watchlist, with a session and that watchlist, written straight to the database (5,000
 * Argon2 hashes would take minutes); answers each user's session token, in the watchlists' order.
 */
export async function seedBenchUsers(
  target: { dataDir: string } | { url: string },
  symbols: string[],
  watchlists: string[][],
): Promise<string[]> {
  const database = 'url' in target ? await openPostgres(target.url) : await openPglite(target);
  const passwordHash = await hash('benchmark-password-1');
  const tokens = watchlists.map(() => randomBytes(32).toString('base64url'));
  await database.db
    .insert(instruments)
    .values(symbols.map((symbol) => ({ symbol, name: `Bench ${symbol}`, currency: 'USD' })));
  for (let start = 0; start < watchlists.length; start += 500) {
    const batch = watchlists.slice(start, start + 500);
    const rows = await database.db
      .insert(users)
      .values(
        batch.map((_, i) => ({
          username: `bench${start + i}`,
          email: `bench${start + i}@example.com`,
          passwordHash,
        })),
      )
      .returning({ id: users.id });
    await database.db.insert(sessions).values(
      rows.map((row, i) => ({
        idHash: hashToken(tokens[start + i] ?? ''),
        userId: row.id,
        csrfToken: 'x',
        expiresAt: new Date(Date.now() + 86_400_000),
      })),
    );
    await database.db
      .insert(watchlistItems)
      .values(rows.flatMap((row, i) => (batch[i] ?? []).map((symbol) => ({ userId: row.id, symbol }))));
  }
  await database.close();
  return tokens;
}

/** Has the fake push `rate` trades a second over `symbols` (random symbol, random walk); answers stop. */
export function startTrades(fake: FakeFinnhub, symbols: string[], rate: number): () => void {
  const prices = new Map(symbols.map((s) => [s, 100]));
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rate) - sent;
    if (due <= 0) return;
    const now = Date.now();
    const data = Array.from({ length: due }, () => {
      const symbol = symbols[Math.floor(Math.random() * symbols.length)] ?? 'B0000';
      const price = Math.round((prices.get(symbol) ?? 100) * (1 + (Math.random() - 0.5) / 500) * 100) / 100;
      prices.set(symbol, price);
      return { s: symbol, p: price, t: now, v: 1 };
    });
    fake.trades(data);
    sent += due;
  }, 10);
  return () => clearInterval(timer);
}

/** What the client process (bench/stream-clients.ts) reports of a measured window. */
export interface ClientReport {
  frames: number;
  quotes: number;
  latencyMs: Percentiles;
  /** The same, for the clients of each group (`Job.groups`: an instance of a cluster). */
  latencyByGroupMs: Percentiles[];
  perClientQuotes: { min: number; median: number };
  maxGapMs: number;
  starved: number;
  open: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** The client process (bench/stream-clients.ts), driven over IPC. */
export function startStreamClients(): {
  send(message: Record<string, unknown>): void;
  message<T>(type: string): Promise<T>;
} {
  const child = fork(join(root, 'bench/stream-clients.ts'), [], { execArgv: ['--import', tsxLoader] });
  return {
    send: (message) => child.send(message),
    message: <T>(type: string) =>
      new Promise<T>((resolve) => {
        const listener = (m: { type: string }) => {
          if (m.type !== type) return;
          child.off('message', listener);
          resolve(m as T);
        };
        child.on('message', listener);
      }),
  };
}

/** The stream workload's flags, shared by bench:stream and bench:cluster (same clients, same trades). */
export const WORKLOAD_OPTIONS = {
  clients: { type: 'string', default: '5000' },
  'per-client': { type: 'string', default: '10' },
  symbols: { type: 'string', default: '500' },
  rate: { type: 'string', default: '5000' },
  duration: { type: 'string', default: '30' },
  interval: { type: 'string', default: '250' },
} as const;

/** The workload those flags describe: N clients watching Z of M symbols, R trades/s for `durationS`. */
export function workloadOf(flags: Record<keyof typeof WORKLOAD_OPTIONS, string>) {
  return {
    N: Number(flags.clients),
    Z: Number(flags['per-client']),
    M: Number(flags.symbols),
    R: Number(flags.rate),
    durationS: Number(flags.duration),
    intervalMs: Number(flags.interval),
  };
}
