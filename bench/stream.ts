// npm run bench:stream -- [--clients N] [--per-client Z] [--symbols M] [--rate R] [--duration S]
//                         [--interval MS] [--ws-cap C] [--no-baseline] [--profile DIR]
//                         [--database-url postgres://...]
// Starts the built app as its own process against the fake Finnhub on loopback, connects N
// authenticated WebSocket clients (in a separate process) each watching Z of M symbols, has the fake
// push R trades a second, and prints a JSON summary. Then it runs the bare ceiling (the leanest `ws`
// server sending the same frames from the same trades to the same clients, bench/bare-ws-server.ts)
// and reports the app's delivered quotes per server CPU-second over the ceiling's.
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FakeFinnhub } from '../test/support/fake-finnhub.js';
import {
  benchDatabase,
  benchSymbols,
  benchWatchlists,
  type ClientReport,
  freePort,
  processUsage,
  seedBenchUsers,
  sleep,
  startAppProcess,
  startBenchFinnhub,
  startStreamClients,
  startTrades,
  tsxLoader,
  WORKLOAD_OPTIONS,
  workloadOf,
} from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({
  options: {
    ...WORKLOAD_OPTIONS,
    'ws-cap': { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    /** Writes V8 CPU profiles of the app process to this folder, and of the ceiling to its `bare` folder. */
    profile: { type: 'string' },
    /** A PostgreSQL server (postgres://.../anydb): the bench creates and drops its own database there. */
    'database-url': { type: 'string' },
  },
});
const { N, Z, M, R, durationS, intervalMs } = workloadOf(flags);
const wsCap = Number(flags['ws-cap'] ?? M);
const WARMUP_MS = 5000;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const symbols = benchSymbols(M);
const watchlists = benchWatchlists(N, Z, symbols);
const seed = (target: { dataDir: string } | { url: string }) => seedBenchUsers(target, symbols, watchlists);

async function runClients(
  urls: string[],
  headers: Array<Record<string, string>>,
  server: ChildProcess,
  fake: FakeFinnhub,
): Promise<Record<string, unknown>> {
  const clients = startStreamClients();
  const pid = server.pid ?? 0;
  // Two waves: the first warms the process up (JIT, pools, the database's caches), so the second
  // shows what one more idle connection costs.
  const firstWave = Math.ceil(urls.length / 5);
  clients.send({ type: 'connect', job: { urls, headers }, from: 0, to: firstWave });
  const warm = await clients.message<{ opened: number; failed: number; errors: Record<string, number> }>(
    'connected',
  );
  await sleep(3000);
  const base = processUsage(pid);
  clients.send({ type: 'connect', from: firstWave, to: urls.length });
  const second = await clients.message<{ opened: number; failed: number; errors: Record<string, number> }>(
    'connected',
  );
  await sleep(3000);
  const idle = processUsage(pid);
  const connected = { opened: warm.opened + second.opened, failed: warm.failed + second.failed };
  log(
    `clients connected: ${connected.opened}, failed: ${connected.failed}, retried errors: ${JSON.stringify({ ...warm.errors, ...second.errors })}`,
  );

  const stopTrades = startTrades(fake, symbols, R);
  await sleep(WARMUP_MS);
  const restBefore = fake.requests.length;
  const before = processUsage(pid);
  const loadBefore = loadavg()[0] ?? 0;
  const started = Date.now();
  clients.send({ type: 'measure' });
  await sleep(durationS * 1000);
  clients.send({ type: 'report' });
  const report = await clients.message<ClientReport>('report');
  const after = processUsage(pid);
  const wall = (Date.now() - started) / 1000;
  const restCalls = fake.requests.length - restBefore;
  const loadAfter = loadavg()[0] ?? 0;
  stopTrades();
  clients.send({ type: 'exit' });

  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return {
    clientsConnected: connected.opened,
    clientsOpenAtEnd: report.open,
    messagesPerSecond: Math.round(report.frames / wall),
    quotesPerSecond: Math.round(report.quotes / wall),
    latencyMs: report.latencyMs,
    quotesPerClient: report.perClientQuotes,
    maxGapBetweenFramesMs: report.maxGapMs,
    starvedClients: report.starved,
    serverCpuCores: Number((cpuSeconds / wall).toFixed(3)),
    quotesPerCpuSecond: Math.round(report.quotes / Math.max(cpuSeconds, 0.001)),
    serverRssMb: Math.round(after.rssBytes / 1048576),
    rssPerIdleClientKb: Number(
      ((idle.rssBytes - base.rssBytes) / 1024 / Math.max(1, second.opened)).toFixed(1),
    ),
    restCallsPerMinute: Math.round((restCalls / wall) * 60),
    /** The machine's 1-minute load average before and after the window: other work skews a run. */
    loadAverage: [Number(loadBefore.toFixed(1)), Number(loadAfter.toFixed(1))],
  };
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const finnhub = await startBenchFinnhub(symbols);
  const { fake } = finnhub;

  const folder = mkdtempSync(join(tmpdir(), 'st-bench-'));
  log(`seeding ${N} users with ${Z} of ${M} symbols each`);
  const serverUrl = flags['database-url'];
  const database = await benchDatabase(serverUrl);
  const databaseUrl = database.url;
  const tokens = await seed(databaseUrl ? { url: databaseUrl } : { dataDir: join(folder, 'data') });
  const {
    server,
    port,
    url: appUrl,
  } = await startAppProcess({
    fake,
    dataDir: join(folder, 'data'),
    databaseUrl,
    env: {
      FINNHUB_WS_MAX_SYMBOLS: String(wsCap),
      STREAM_INTERVAL_MS: String(intervalMs),
      // Every client connects from 127.0.0.1.
      REQUESTS_PER_ADDRESS_PER_MINUTE: String(1_000_000),
    },
    nodeArgs: flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : [],
  });
  log('app ready; measuring the app');
  const app = await runClients(
    tokens.map(() => `ws://127.0.0.1:${port}/api/v1/stream`),
    tokens.map((token) => ({ cookie: `st_session=${token}` })),
    server,
    fake,
  );
  const upstream = {
    websockets: fake.openStreams(),
    connectionsAccepted: fake.connectionsAccepted,
    subscriptions: fake.streamSubscriptions().length,
    distinctWatchedSymbols: new Set(watchlists.flat()).size,
  };
  const metricsText = await (await fetch(`${appUrl}/metrics`)).text();
  const ticks = Number(/^stocktracker_ticks_ingested_total (\S+)$/m.exec(metricsText)?.[1] ?? 0);
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));

  let bare: Record<string, unknown> | undefined;
  if (!flags['no-baseline']) {
    log('measuring the bare ws server');
    const barePort = await freePort();
    const bareServer = fork(
      join(root, 'bench/bare-ws-server.ts'),
      [String(barePort), fake.wsUrl, fake.apiKey, String(intervalMs), symbols.join(',')],
      {
        execArgv: [
          '--import',
          tsxLoader,
          ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(flags.profile, 'bare')}`] : []),
        ],
      },
    );
    await new Promise((resolve) => bareServer.once('message', resolve));
    await sleep(500);
    bare = await runClients(
      watchlists.map((list) => `ws://127.0.0.1:${barePort}/?symbols=${list.join(',')}`),
      watchlists.map(() => ({})),
      bareServer,
      fake,
    );
    bareServer.kill('SIGTERM');
    await new Promise((resolve) => bareServer.once('exit', resolve));
  }
  await finnhub.stop();
  await database.drop();
  rmSync(folder, { recursive: true, force: true });

  const appQuotesPerCpu = Number(app.quotesPerCpuSecond);
  const ratio = bare ? Number((appQuotesPerCpu / Number(bare.quotesPerCpuSecond)).toFixed(3)) : null;
  const latencyP99 = (app.latencyMs as { p99: number }).p99;
  const summary = {
    params: {
      database: serverUrl ? 'postgres' : 'pglite',
      clients: N,
      symbolsPerClient: Z,
      symbols: M,
      tradesPerSecond: R,
      durationSeconds: durationS,
      streamIntervalMs: intervalMs,
      wsCap,
    },
    app: { ...app, ticksIngestedTotal: ticks, upstream },
    bareWs: bare ?? null,
    /** Quotes delivered per server CPU-second: the app's over the bare ceiling's. */
    ratioToBareWs: ratio,
    targets: {
      p99LatencyWithinIntervalPlus100ms: latencyP99 <= intervalMs + 100,
      noClientStarved: app.starvedClients === 0,
      serverUnderOneCore: Number(app.serverCpuCores) < 1,
      atLeast85PercentOfBareWs: ratio === null ? null : ratio >= 0.85,
      rssPerIdleClientAtMost16Kb: Number(app.rssPerIdleClientKb) <= 16,
      oneUpstreamWebSocket: upstream.websockets === 1 && upstream.connectionsAccepted === 1,
      subscriptionsEqualDistinctWatched:
        upstream.subscriptions === Math.min(upstream.distinctWatchedSymbols, wsCap),
      restWithinBudget: Number(app.restCallsPerMinute) <= 55,
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
