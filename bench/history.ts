// npm run bench:history -- [--rate R] [--symbols M] [--duration S] [--query-runs Q]
//                          [--database-url postgres://...]
// Two measurements, printed as one JSON summary:
// 1. Ingest: the built app as its own process against the fake Finnhub; one stream client watches M
//    symbols so all of them are streamed; the fake pushes R trades a second (volume 1 each, distinct
//    times) for S seconds. After a clean shutdown the bars are read back: their volume must add up to
//    the trades sent, and the bar writes are counted against the flush interval.
// 2. History queries: a history table of realistic size (5 years of daily bars for 500 symbols, 30
//    days of 1-minute bars for 20), then Q requests for one year of daily bars through the real app
//    (in process, so the time is server time), and the query plan PostgreSQL chooses.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { hashToken } from '../src/auth/tokens.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { openPglite, openPostgres } from '../src/db/open.js';
import { historyBackfills, instruments, sessions, users, watchlistItems } from '../src/db/schema.js';
import { createLogger } from '../src/logger.js';
import { createMarket } from '../src/market/providers/create-market.js';
import { SIMULATED_UNIVERSE } from '../src/market/providers/simulated/universe.js';
import { benchDatabase, processUsage, sleep, startAppProcess, startBenchFinnhub } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    symbols: { type: 'string', default: '500' },
    duration: { type: 'string', default: '60' },
    'query-runs': { type: 'string', default: '2000' },
    'database-url': { type: 'string' },
  },
});
const R = Number(flags.rate);
const M = Number(flags.symbols);
const durationS = Number(flags.duration);
const queryRuns = Number(flags['query-runs']);
const FLUSH_MS = 5000;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const symbols = Array.from({ length: M }, (_, i) => `H${String(i).padStart(4, '0')}`);

/** Where the app keeps its data in this run: the bench's PostgreSQL database, or PGlite in `dataDir`. */
interface Storage {
  databaseUrl: string;
  dataDir: string;
}

async function openDatabase({ databaseUrl, dataDir }: Storage): Promise<DatabaseHandle> {
  return databaseUrl ? openPostgres(databaseUrl) : openPglite({ dataDir });
}

/** One user whose watchlist holds every benchmark symbol; returns their session token. */
async function seedWatcher(database: DatabaseHandle): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await database.db
    .insert(instruments)
    .values(symbols.map((symbol) => ({ symbol, name: `Bench ${symbol}`, currency: 'USD' })));
  const [user] = await database.db
    .insert(users)
    .values({
      username: 'watcher',
      email: 'watcher@example.com',
      passwordHash: await hash('bench-password-1'),
    })
    .returning({ id: users.id });
  if (!user) throw new Error('no user');
  await database.db.insert(sessions).values({
    idHash: hashToken(token),
    userId: user.id,
    csrfToken: 'x',
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  await database.db.insert(watchlistItems).values(symbols.map((symbol) => ({ userId: user.id, symbol })));
  // The fake has no candles: mark the symbols done so the run measures recording, not backfill attempts.
  await database.db
    .insert(historyBackfills)
    .values(symbols.map((symbol) => ({ symbol, source: 'bench', completedAt: new Date() })));
  return token;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').at(-1) ?? 0);
}

async function measureIngest(storage: Storage) {
  const finnhub = await startBenchFinnhub(symbols);
  const { fake } = finnhub;
  const seedDb = await openDatabase(storage);
  const token = await seedWatcher(seedDb);
  await seedDb.close();

  const {
    server,
    port,
    url: appUrl,
  } = await startAppProcess({
    fake,
    ...storage,
    env: { FINNHUB_WS_MAX_SYMBOLS: String(M) },
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, {
    headers: { cookie: `st_session=${token}` },
  });
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  for (let i = 0; i < 300 && fake.streamSubscriptions().length < M; i++) await sleep(100);
  log(`streaming ${fake.streamSubscriptions().length} symbols; pushing ${R} trades/s for ${durationS} s`);
  await sleep(FLUSH_MS + 1000);

  const writesBefore = metric(
    await (await fetch(`${appUrl}/metrics`)).text(),
    'stocktracker_db_batch_write_seconds_count{table="price_bars"}',
  );
  const lastTime = new Map<string, number>();
  let sent = 0;
  const started = Date.now();
  const cpuBefore = processUsage(server.pid ?? 0);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      const due = Math.min(Math.floor((elapsed / 1000) * R), R * durationS) - sent;
      const now = Date.now();
      const data = Array.from({ length: Math.max(0, due) }, (_, i) => {
        const symbol = symbols[(sent + i) % M] ?? 'H0000';
        // Distinct times per symbol: a repeated (time, price, volume) is a duplicate the app drops.
        const t = Math.max(now, (lastTime.get(symbol) ?? 0) + 1);
        lastTime.set(symbol, t);
        return { s: symbol, p: 100 + ((sent + i) % 97) / 100, t, v: 1 };
      });
      if (data.length > 0) fake.trades(data);
      sent += data.length;
      if (sent >= R * durationS) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const wall = (Date.now() - started) / 1000;
  await sleep(FLUSH_MS + 1000);
  const cpuAfter = processUsage(server.pid ?? 0);
  const metricsText = await (await fetch(`${appUrl}/metrics`)).text();
  const writes =
    metric(metricsText, 'stocktracker_db_batch_write_seconds_count{table="price_bars"}') - writesBefore;
  const writeSeconds = metric(metricsText, 'stocktracker_db_batch_write_seconds_sum{table="price_bars"}');
  client.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await finnhub.stop();

  const database = await openDatabase(storage);
  const totals = await database.db.execute(sql`
    select resolution, sum(volume)::float8 as volume, count(*)::int as bars
    from price_bars where symbol like 'H%' group by resolution order by resolution`);
  await database.close();
  const rows = (totals as unknown as { rows: Array<{ resolution: string; volume: number; bars: number }> })
    .rows;
  const byResolution = Object.fromEntries(
    rows.map((r) => [r.resolution, { volume: r.volume, bars: r.bars }]),
  );
  const flushIntervals = (wall + 2 * (FLUSH_MS / 1000 + 1)) / (FLUSH_MS / 1000);
  return {
    tradesSent: sent,
    ticksPerSecond: Math.round(sent / wall),
    volumeIn1mBars: byResolution['1m']?.volume ?? 0,
    volumeIn1dBars: byResolution['1d']?.volume ?? 0,
    bars1m: byResolution['1m']?.bars ?? 0,
    barWrites: writes,
    flushIntervals: Number(flushIntervals.toFixed(1)),
    meanBarWriteMs: writes > 0 ? Number(((writeSeconds / writes) * 1000).toFixed(1)) : null,
    serverCpuCores: Number(
      ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) / (wall + FLUSH_MS / 1000 + 1)).toFixed(3),
    ),
  };
}

/** A history table of realistic size, written with generate_series (seconds, not minutes, to fill). */
async function seedHistory(database: DatabaseHandle): Promise<void> {
  const fill = [...SIMULATED_UNIVERSE.map((i) => i.symbol), ...symbols];
  const list = sql.join(
    fill.map((symbol) => sql`(${symbol})`),
    sql`, `,
  );
  await database.db.execute(sql`
    insert into price_bars (symbol, resolution, start, open, high, low, close, volume, first_at, last_at)
    select s.symbol, '1d', d, 100, 101, 99, 100.5, 1000, d, d + interval '1 day' - interval '1 ms'
    from (values ${list}) as s(symbol),
      generate_series(date_trunc('day', now()) - interval '1826 days', date_trunc('day', now()), interval '1 day') d
    on conflict do nothing`);
  await database.db.execute(sql`
    insert into price_bars (symbol, resolution, start, open, high, low, close, volume, first_at, last_at)
    select s.symbol, '1m', m, 100, 101, 99, 100.5, 10, m, m + interval '59 s'
    from (select symbol from (values ${list}) as v(symbol) limit 20) as s,
      generate_series(date_trunc('minute', now()) - interval '30 days', date_trunc('minute', now()), interval '1 minute') m
    on conflict do nothing`);
  await database.db
    .insert(historyBackfills)
    .values(SIMULATED_UNIVERSE.map((i) => ({ symbol: i.symbol, source: 'bench', completedAt: new Date() })))
    .onConflictDoNothing();
  await database.db.execute(sql`analyze price_bars`);
}

async function measureQueries(storage: Storage) {
  const database = await openDatabase(storage);
  log('filling the history table');
  await seedHistory(database);
  const rowCount = await database.db.execute(sql`select count(*)::int as n from price_bars`);
  const config = loadConfig({ NODE_ENV: 'test' });
  const logger = createLogger('warn');
  const app = await buildApp({
    config,
    database,
    logger,
    market: createMarket(config.market, systemClock, logger),
    // One user asking thousands of times a minute is the point here, not something to refuse.
    limits: { perUserPerMinute: 1_000_000, perAddressPerMinute: 1_000_000 },
  });
  const register = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { username: 'querier', email: 'querier@example.com', password: 'plover-quartz-harbour-91' },
  });
  const cookie = register.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const universe = SIMULATED_UNIVERSE.map((i) => i.symbol);
  const timings: number[] = [];
  let barsPerAnswer = 0;
  for (let i = 0; i < queryRuns + 200; i++) {
    const symbol = universe[i % universe.length] ?? 'AAPL';
    const started = performance.now();
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/quotes/${encodeURIComponent(symbol)}/history?range=1y`,
      headers: { cookie },
    });
    const ms = performance.now() - started;
    if (response.statusCode !== 200)
      throw new Error(`history answered ${response.statusCode}: ${response.body}`);
    // The first 200 warm up the JIT, the pools and the hub's quotes.
    if (i >= 200) timings.push(ms);
    barsPerAnswer = response.json().bars.length;
  }
  timings.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((timings[Math.min(timings.length - 1, Math.floor(q * timings.length))] ?? 0).toFixed(2));
  const plan = await database.db.execute(sql`
    explain (analyze, costs off, timing off, summary off)
    select start, open, high, low, close, volume from price_bars
    where symbol = 'AAPL' and resolution = '1d' and start >= now() - interval '366 days'
    order by start`);
  await app.close();
  await database.close();
  return {
    historyRows: (rowCount as unknown as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0,
    requests: timings.length,
    barsPerAnswer,
    serverMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
    queryPlan: (plan as unknown as { rows: Array<Record<string, string>> }).rows.map(
      (r) => Object.values(r)[0],
    ),
  };
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const folder = mkdtempSync(join(tmpdir(), 'st-bench-history-'));
  const serverUrl = flags['database-url'];
  const database = await benchDatabase(serverUrl);
  const databaseUrl = database.url;
  const dataDir = join(folder, 'data');
  const storage = { databaseUrl, dataDir };
  try {
    const ingest = await measureIngest(storage);
    const queries = await measureQueries(storage);
    const summary = {
      params: {
        database: serverUrl ? 'postgres' : 'pglite',
        tradesPerSecond: R,
        symbols: M,
        durationSeconds: durationS,
        flushMs: FLUSH_MS,
        queryRuns,
      },
      ingest,
      historyQueries: queries,
      targets: {
        everyTickInA1mBar: ingest.volumeIn1mBars === ingest.tradesSent,
        everyTickInADailyBar: ingest.volumeIn1dBars === ingest.tradesSent,
        atMostOneBarWritePerFlush: ingest.barWrites <= Math.ceil(ingest.flushIntervals),
        history1yP99Under10ms: queries.serverMs.p99 < 10,
        indexServesHistory: queries.queryPlan.some((line) => /Index (Only )?Scan/.test(line ?? '')),
      },
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
