// Helpers shared by the benchmark scripts.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeFinnhub } from '../test/support/fake-finnhub.js';

import { freePort } from '../test/support/ports.js';

export { freePort };

import { adminQuery, withDatabase } from '../test/support/global-setup.js';

const root = fileURLToPath(new URL('..', import.meta.url));

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
