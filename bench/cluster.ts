// npm run bench:cluster -- [--clients N] [--per-client Z] [--symbols M] [--rate R] [--duration S]
//                          [--interval MS] [--sizes 1,2,3] [--runs K] [--failover-period MS]
//                          [--after-recovery S] [--database-url postgres://...] [--redis-url redis://...]
// The built app as 1, 2 and 3 processes on one PostgreSQL database behind the one fake Finnhub, the
// same N clients (another process) spread evenly over them. Size `1` is one instance without Redis
// (the baseline), `1c` a cluster of one, `2` and `3` clusters over Redis (a fresh REDIS_PREFIX each),
// `2i` and `3i` (a control) that many independent instances without Redis, each with its own
// upstream socket: what scaling out costs on this machine with no coordination at all.
// For each: delivered quotes per CPU-second of the app processes plus redis-server (from /proc),
// over the baseline's; trade -> client latency; then, in clusters, kill -9 of the leader: the time
// until the fake sees a new upstream socket and the clients of the surviving instances get prices
// again, and the quotes those clients lost. Sizes are interleaved in each of K runs (so a load
// change on the machine hits all of them) and medians reported. JSON on stdout.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from 'redis';
import type { FakeFinnhub } from '../test/support/fake-finnhub.js';
import {
  benchDatabase,
  benchSymbols,
  benchWatchlists,
  type ClientReport,
  processUsage,
  seedBenchUsers,
  sleep,
  startAppProcess,
  startBenchFinnhub,
  startStreamClients,
  startTrades,
  WORKLOAD_OPTIONS,
  workloadOf,
} from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({
  options: {
    ...WORKLOAD_OPTIONS,
    sizes: { type: 'string', default: '1,2,3' },
    runs: { type: 'string', default: '1' },
    /** During the failover each symbol trades once per this period, so no two trades of a symbol share a flush. */
    'failover-period': { type: 'string', default: '2000' },
    /** Seconds of trades after the new leader has resubscribed, before the losses are counted. */
    'after-recovery': { type: 'string', default: '10' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    /** Writes a V8 CPU profile of every app process to this folder. */
    profile: { type: 'string' },
  },
});
const { N, Z, M, R, durationS, intervalMs } = workloadOf(flags);
const sizes = (flags.sizes ?? '').split(',').filter(Boolean);
const runs = Number(flags.runs);
const failoverPeriodMs = Number(flags['failover-period']);
const afterRecoveryS = Number(flags['after-recovery']);
const redisUrl = flags['redis-url'] ?? '';

/** `3`: three cluster members; `3i`: three independent instances; `1`: the single instance. */
function sizeOf(size: string): { count: number; clustered: boolean } {
  return { count: Number.parseInt(size, 10), clustered: size !== '1' && !size.endsWith('i') };
}

const WARMUP_MS = 5000;
/** Trades sent this close before the kill may have reached the old leader and died with it. */
const IN_FLIGHT_MS = 1000;

const log = (message: string) => process.stderr.write(`[bench:cluster] ${message}\n`);
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

const symbols = benchSymbols(M);
const watchlists = benchWatchlists(N, Z, symbols);

type Redis = ReturnType<typeof createClient>;

/** The redis-server's pid (to read its CPU from /proc) from its own INFO. */
async function redisServerPid(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!pid) throw new Error('redis-server did not say its process id');
  return pid;
}

async function redisTraffic(redis: Redis): Promise<{ inBytes: number; outBytes: number; commands: number }> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0);
  return {
    inBytes: field('total_net_input_bytes'),
    outBytes: field('total_net_output_bytes'),
    commands: field('total_commands_processed'),
  };
}

/** CPU seconds of each pid that exists now (a vanished one is left out). */
function cpuOf(pids: number[]): Map<number, number> {
  const usage = new Map<number, number>();
  for (const pid of pids) {
    try {
      usage.set(pid, processUsage(pid).cpuSeconds);
    } catch {
      // ended
    }
  }
  return usage;
}

/** CPU seconds spent between two readings (a pid that started in between counts from zero). */
function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

async function postgresBackends(client: pg.Client, database: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = $1',
    [database],
  );
  return rows.map((row) => row.pid);
}

interface Instance {
  server: ChildProcess;
  url: string;
}

async function startInstances(
  size: string,
  fake: FakeFinnhub,
  databaseUrl: string,
  folder: string,
  prefix: string,
  instances: Instance[],
): Promise<void> {
  const { count, clustered } = sizeOf(size);
  for (let i = 0; i < count; i++) {
    const { server, url } = await startAppProcess({
      fake,
      dataDir: join(folder, `instance-${i}`),
      databaseUrl,
      env: {
        FINNHUB_WS_MAX_SYMBOLS: String(M),
        STREAM_INTERVAL_MS: String(intervalMs),
        // Every client connects from 127.0.0.1.
        REQUESTS_PER_ADDRESS_PER_MINUTE: String(1_000_000),
        ...(clustered ? { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, INSTANCE_ID: `bench-${i}` } : {}),
      },
      nodeArgs: flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : [],
    });
    instances.push({ server, url });
  }
}

async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async ({ server }) => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const force = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    }),
  );
}

async function metricOf(instance: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface SentTrade {
  symbol: string;
  price: number;
  sentAt: number;
  /** The fake's accepted-connection count when it was sent, if an open socket was subscribed to it. */
  upstream: number | null;
}

/**
 * Every symbol once per `failoverPeriodMs`, evenly spread, each at a price of its own (100 + its
 * round / 100), so a client's quote names the very trade; records which reached an upstream socket.
 */
function startSequencedTrades(fake: FakeFinnhub, sent: SentTrade[]): () => void {
  const started = Date.now();
  let count = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / failoverPeriodMs) * M) - count;
    if (due <= 0) return;
    const now = Date.now();
    const subscribed = new Set(fake.streamSubscriptions());
    const data = Array.from({ length: due }, (_, i) => {
      const n = count + i;
      const symbol = symbols[n % M] ?? 'B0000';
      const price = Math.round((100 + Math.floor(n / M) / 100 + 0.005) * 100) / 100;
      sent.push({
        symbol,
        price,
        sentAt: now,
        upstream: subscribed.has(symbol) ? fake.connectionsAccepted : null,
      });
      return { s: symbol, p: price, t: now, v: 1 };
    });
    fake.trades(data);
    count += due;
  }, 10);
  return () => clearInterval(timer);
}

interface MeasureContext {
  fake: FakeFinnhub;
  databaseUrl: string;
  databaseName: string;
  tokens: string[];
  redis: Redis;
  redisPid: number;
  postgres: pg.Client;
}

async function measureSize(size: string, context: MeasureContext): Promise<Record<string, unknown>> {
  const { fake, redis } = context;
  const { count, clustered } = sizeOf(size);
  const folder = mkdtempSync(join(tmpdir(), 'st-bench-cluster-'));
  const prefix = `st-bench-${randomBytes(4).toString('hex')}:`;
  const acceptedBefore = fake.connectionsAccepted;
  log(`size ${size}: starting ${count} instance(s)${clustered ? ` with REDIS_PREFIX ${prefix}` : ''}`);
  const instances: Instance[] = [];
  let clients: ReturnType<typeof startStreamClients> | undefined;
  try {
    await startInstances(size, fake, context.databaseUrl, folder, prefix, instances);
    clients = startStreamClients();
    return await measureInstances(size, instances, clients, { ...context, acceptedBefore });
  } finally {
    clients?.send({ type: 'exit' });
    await stopInstances(instances);
    if (clustered) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
        if (keys.length > 0) await redis.del(keys);
    }
    rmSync(folder, { recursive: true, force: true });
  }
}

async function measureInstances(
  size: string,
  instances: Instance[],
  clients: ReturnType<typeof startStreamClients>,
  context: MeasureContext & { acceptedBefore: number },
): Promise<Record<string, unknown>> {
  const { fake, redis, redisPid, postgres, acceptedBefore } = context;
  const count = instances.length;
  const { clustered } = sizeOf(size);
  const distinctWatched = new Set(watchlists.flat());
  await waitFor(
    'the upstream subscriptions',
    () =>
      fake.openStreams() === (clustered ? 1 : count) &&
      fake.streamSubscriptions().length >= distinctWatched.size,
    60_000,
  );

  const group = (client: number) => client % count;
  clients.send({
    type: 'connect',
    job: {
      urls: context.tokens.map((_, i) => `${instances[group(i)]?.url.replace('http', 'ws')}/api/v1/stream`),
      headers: context.tokens.map((token) => ({ cookie: `st_session=${token}` })),
      groups: context.tokens.map((_, i) => group(i)),
      watched: watchlists,
    },
  });
  const connected = await clients.message<{ opened: number; failed: number }>('connected');
  log(`size ${size}: clients connected ${connected.opened}, failed ${connected.failed}`);
  await sleep(3000);

  const stopTrades = startTrades(fake, symbols, R);
  await sleep(WARMUP_MS);
  const pids = instances.map(({ server }) => server.pid ?? 0);
  const backends = await postgresBackends(postgres, context.databaseName);
  const before = { apps: cpuOf(pids), redis: cpuOf([redisPid]), postgres: cpuOf(backends) };
  const trafficBefore = await redisTraffic(redis);
  const loadBefore = loadavg()[0] ?? 0;
  const acceptedAtWindow = fake.connectionsAccepted;
  const started = Date.now();
  clients.send({ type: 'measure' });
  await sleep(durationS * 1000);
  clients.send({ type: 'report' });
  const report = await clients.message<ClientReport>('report');
  const wall = (Date.now() - started) / 1000;
  const after = {
    apps: cpuOf(pids),
    redis: cpuOf([redisPid]),
    postgres: cpuOf([...new Set([...backends, ...(await postgresBackends(postgres, context.databaseName))])]),
  };
  const trafficAfter = await redisTraffic(redis);
  const loadAfter = loadavg()[0] ?? 0;
  stopTrades();

  const appCpu = cpuSpent(before.apps, after.apps);
  const redisCpu = clustered ? cpuSpent(before.redis, after.redis) : 0;
  const postgresCpu = cpuSpent(before.postgres, after.postgres);
  const roles = await Promise.all(
    instances.map((instance) => metricOf(instance, 'stocktracker_cluster_leader')),
  );
  const members = await Promise.all(
    instances.map((instance) => metricOf(instance, 'stocktracker_cluster_members')),
  );
  const steady = {
    clientsConnected: connected.opened,
    clientsOpenAtEnd: report.open,
    quotesPerSecond: Math.round(report.quotes / wall),
    latencyMs: report.latencyMs,
    /** Per instance, in start order; the leader is the one with `leader` 1. */
    latencyByInstanceMs: report.latencyByGroupMs,
    starvedClients: report.starved,
    maxGapBetweenFramesMs: report.maxGapMs,
    cpuCores: {
      apps: round(appCpu / wall),
      perApp: pids.map((pid) => round(((after.apps.get(pid) ?? 0) - (before.apps.get(pid) ?? 0)) / wall)),
      redis: round(redisCpu / wall),
      postgres: round(postgresCpu / wall),
    },
    /** Quotes delivered per CPU-second of the app processes plus redis-server (in a cluster). */
    quotesPerCpuSecond: Math.round(report.quotes / Math.max(appCpu + redisCpu, 0.001)),
    /** The same with the bench database's PostgreSQL backends counted too. */
    quotesPerCpuSecondWithPostgres: Math.round(
      report.quotes / Math.max(appCpu + redisCpu + postgresCpu, 0.001),
    ),
    /** redis-server's traffic during the window (every client of that server: it may be shared). */
    redis: clustered
      ? {
          inKBytesPerSecond: Math.round((trafficAfter.inBytes - trafficBefore.inBytes) / 1024 / wall),
          outKBytesPerSecond: Math.round((trafficAfter.outBytes - trafficBefore.outBytes) / 1024 / wall),
          commandsPerSecond: Math.round((trafficAfter.commands - trafficBefore.commands) / wall),
        }
      : null,
    leaders: roles,
    membersSeen: members,
    upstream: {
      openSockets: fake.openStreams(),
      connectionsAccepted: fake.connectionsAccepted - acceptedBefore,
      /** New upstream sockets during the measured window: the feed changed hands (a late renewal). */
      connectionsDuringWindow: fake.connectionsAccepted - acceptedAtWindow,
      subscriptions: fake.streamSubscriptions().length,
    },
    loadAverage: [round(loadBefore, 1), round(loadAfter, 1)],
  };
  log(
    `size ${size}: ${steady.quotesPerSecond} quotes/s, ${steady.quotesPerCpuSecond} per CPU-second, p99 ${report.latencyMs.p99} ms, load ${steady.loadAverage.join(' -> ')}`,
  );

  let failover: Record<string, unknown> | null = null;
  if (clustered && count >= 2) failover = await measureFailover(instances, clients, fake);
  return { size, instances: count, clustered, steady, failover };
}

async function measureFailover(
  instances: Instance[],
  clients: ReturnType<typeof startStreamClients>,
  fake: FakeFinnhub,
): Promise<Record<string, unknown>> {
  // An overloaded leader may have stepped down (a late renewal) and another not yet taken over.
  let roles: number[] = [];
  await waitFor(
    'one leader',
    async () => {
      roles = await Promise.all(
        instances.map((instance) => metricOf(instance, 'stocktracker_cluster_leader')),
      );
      return roles.filter((role) => role === 1).length === 1;
    },
    30_000,
  );
  const leaderIndex = roles.indexOf(1);
  const leader = instances[leaderIndex] as Instance;
  const count = instances.length;
  const survivors = watchlists.map((_, i) => i).filter((i) => i % count !== leaderIndex);
  const survivorsWant = new Set(survivors.flatMap((i) => watchlists[i] ?? []));

  const sent: SentTrade[] = [];
  const trackFrom = Date.now();
  clients.send({ type: 'track', since: trackFrom });
  const stopTrades = startSequencedTrades(fake, sent);
  // A control period: the same accounting while nothing fails.
  await sleep(2 * failoverPeriodMs + 1000);

  const acceptedAtKill = fake.connectionsAccepted;
  const killedAt = Date.now();
  leader.server.kill('SIGKILL');
  log(`killed the leader (instance ${leaderIndex}); waiting for a new upstream socket`);
  let newSocketAt: number | null = null;
  let resubscribedAt: number | null = null;
  const deadline = killedAt + 30_000;
  while (Date.now() < deadline && resubscribedAt === null) {
    if (newSocketAt === null && fake.connectionsAccepted > acceptedAtKill) newSocketAt = Date.now();
    if (newSocketAt !== null) {
      const subscribed = new Set(fake.streamSubscriptions());
      if ([...survivorsWant].every((symbol) => subscribed.has(symbol))) resubscribedAt = Date.now();
    }
    await sleep(20);
  }
  await sleep(afterRecoveryS * 1000);
  stopTrades();
  // Let the last trades through the Redis hop and a flush.
  await sleep(intervalMs * 4 + 1000);

  const trades = (filter: (trade: SentTrade) => boolean): Array<[string, number]> =>
    sent.filter(filter).map((trade) => [trade.symbol, trade.price]);
  const tracked = clients.message<{ sets: Record<string, Record<string, unknown>> }>('tracked');
  clients.send({
    type: 'tracked',
    sets: {
      control: {
        trades: trades(
          (t) =>
            t.upstream === acceptedAtKill &&
            t.sentAt >= trackFrom + 500 &&
            t.sentAt < killedAt - IN_FLIGHT_MS,
        ),
        clients: survivors,
        from: trackFrom,
      },
      inFlightAtKill: {
        trades: trades(
          (t) => t.upstream === acceptedAtKill && t.sentAt >= killedAt - IN_FLIGHT_MS && t.sentAt < killedAt,
        ),
        clients: survivors,
        from: killedAt - IN_FLIGHT_MS,
      },
      afterRecovery: {
        trades: trades((t) => t.upstream !== null && t.upstream > acceptedAtKill),
        clients: survivors,
        from: killedAt,
      },
    },
  });
  const { sets } = await tracked;
  const newLeaders = await Promise.all(
    instances
      .filter((_, i) => i !== leaderIndex)
      .map((instance) => metricOf(instance, 'stocktracker_cluster_leader')),
  );
  const during = sent.filter((t) => t.sentAt >= killedAt && (newSocketAt === null || t.sentAt < newSocketAt));
  const firstPrice = (sets.afterRecovery?.firstPriceMs ?? {}) as { max?: number | null };
  return {
    killedInstance: leaderIndex,
    survivingClients: survivors.length,
    newUpstreamSocketMs: newSocketAt === null ? null : newSocketAt - killedAt,
    resubscribedMs: resubscribedAt === null ? null : resubscribedAt - killedAt,
    /** Kill to the last surviving client's first quote from the new socket. */
    pricesAgainForAllSurvivorsMs: firstPrice.max ?? null,
    /** Trades the fake sent while no socket was subscribed: no one could have them (Finnhub does not replay). */
    tradesWithoutUpstream: during.filter((t) => t.upstream === null).length,
    openUpstreamSockets: fake.openStreams(),
    newLeaders: newLeaders.filter((role) => role === 1).length,
    ...sets,
  };
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? null : (sorted[Math.floor((sorted.length - 1) / 2)] ?? null);
};

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const redis: Redis = createClient({ url: redisUrl });
  await redis.connect();
  const redisPid = await redisServerPid(redis);
  const finnhub = await startBenchFinnhub(symbols);
  const database = await benchDatabase(flags['database-url']);
  const databaseName = new URL(database.url).pathname.slice(1);
  const postgres = new pg.Client({ connectionString: database.url });
  log(`seeding ${N} users with ${Z} of ${M} symbols each`);
  const tokens = await seedBenchUsers({ url: database.url }, symbols, watchlists);
  await postgres.connect();

  const results: Array<Record<string, unknown>> = [];
  try {
    for (let run = 1; run <= runs; run++) {
      for (const size of sizes) {
        const result = await measureSize(size, {
          fake: finnhub.fake,
          databaseUrl: database.url,
          databaseName,
          tokens,
          redis,
          redisPid,
          postgres,
        });
        results.push({ run, ...result });
      }
    }
  } finally {
    await postgres.end();
    await finnhub.stop();
    await database.drop();
    await redis.close();
  }

  type Steady = { quotesPerCpuSecond: number; latencyMs: { p99: number } };
  const steadyOf = (run: number, size: string) =>
    results.find((r) => r.run === run && r.size === size)?.steady as Steady | undefined;
  const perSize = Object.fromEntries(
    sizes.map((size) => {
      const mine = results.filter((r) => r.size === size);
      const ratios: number[] = [];
      const p99Over: number[] = [];
      for (let run = 1; run <= runs; run++) {
        const base = steadyOf(run, '1');
        const here = steadyOf(run, size);
        if (!base || !here) continue;
        ratios.push(round(here.quotesPerCpuSecond / base.quotesPerCpuSecond));
        p99Over.push(here.latencyMs.p99 - base.latencyMs.p99);
      }
      const failovers = mine
        .map((r) => r.failover as Record<string, unknown> | null)
        .filter((f): f is Record<string, unknown> => f !== null);
      const lost = (f: Record<string, unknown>, set: string) =>
        Number((f[set] as { lostQuotes?: number } | undefined)?.lostQuotes ?? Number.NaN);
      return [
        size,
        {
          quotesPerCpuSecond: median(mine.map((r) => (r.steady as Steady).quotesPerCpuSecond)),
          p99LatencyMs: median(mine.map((r) => (r.steady as Steady).latencyMs.p99)),
          ratioToOneInstance: { runs: ratios, median: median(ratios) },
          p99OverOneInstanceMs: { runs: p99Over, median: median(p99Over) },
          failover:
            failovers.length === 0
              ? null
              : {
                  newUpstreamSocketMs: failovers.map((f) => f.newUpstreamSocketMs),
                  pricesAgainForAllSurvivorsMs: failovers.map((f) => f.pricesAgainForAllSurvivorsMs),
                  lostAfterRecovery: failovers.map((f) => lost(f, 'afterRecovery')),
                  lostInControl: failovers.map((f) => lost(f, 'control')),
                },
        },
      ];
    }),
  );
  const clusters = sizes.filter((size) => sizeOf(size).clustered);
  type PerSize = {
    ratioToOneInstance: { median: number | null };
    p99OverOneInstanceMs: { median: number | null };
    failover: { pricesAgainForAllSurvivorsMs: Array<unknown>; lostAfterRecovery: number[] } | null;
  };
  const summary = {
    params: {
      clients: N,
      symbolsPerClient: Z,
      symbols: M,
      tradesPerSecond: R,
      durationSeconds: durationS,
      streamIntervalMs: intervalMs,
      sizes,
      runs,
      failoverPeriodMs,
      afterRecoverySeconds: afterRecoveryS,
      machine: { cores: cpus().length, note: 'shared with other work: see loadAverage per window' },
    },
    perSize,
    targets: Object.fromEntries(
      clusters.map((size) => {
        const s = perSize[size] as PerSize;
        return [
          size,
          {
            ratioAtLeast0_8: s.ratioToOneInstance.median === null ? null : s.ratioToOneInstance.median >= 0.8,
            p99WithinOneInstancePlus50ms:
              s.p99OverOneInstanceMs.median === null ? null : s.p99OverOneInstanceMs.median <= 50,
            failoverUnder10s: s.failover
              ? s.failover.pricesAgainForAllSurvivorsMs.every((ms) => typeof ms === 'number' && ms < 10_000)
              : null,
            noQuoteLostAfterRecovery: s.failover ? s.failover.lostAfterRecovery.every((n) => n === 0) : null,
          },
        ];
      }),
    ),
    results,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
